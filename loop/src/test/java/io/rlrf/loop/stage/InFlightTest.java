package io.rlrf.loop.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class InFlightTest {

    @Test
    void answersAreConsumedInCallOrderEvenWhenLaterCallsFinishFirst() {
        List<Integer> consumed = new ArrayList<>();
        List<String> consumerThreads = new ArrayList<>();
        // call i sleeps longer the smaller i is, so with 3 in flight later calls finish first
        InFlight.run(6, 3, i -> {
            sleep(60 - 10 * i);
            return i * 10;
        }, (i, answer) -> {
            assertEquals(i * 10, answer);
            consumed.add(i);
            consumerThreads.add(Thread.currentThread().getName());
        });
        assertEquals(List.of(0, 1, 2, 3, 4, 5), consumed);
        String caller = Thread.currentThread().getName();
        assertTrue(consumerThreads.stream().allMatch(caller::equals), "answers are consumed on the caller's thread");
    }

    @Test
    void keepsUpToDepthCallsInFlightAndNeverMore() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch twoStarted = new CountDownLatch(2);
        InFlight.run(8, 2, i -> {
            int now = inFlight.incrementAndGet();
            most.accumulateAndGet(now, Math::max);
            twoStarted.countDown();
            try {
                // the first call waits until a second one is in flight: proves overlap without timing
                assertTrue(twoStarted.await(10, TimeUnit.SECONDS), "a second call was never sent");
                sleep(5);
                return i;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                inFlight.decrementAndGet();
            }
        }, (i, answer) -> {
        });
        assertEquals(2, most.get());
    }

    @Test
    void depthOneCallsOneAfterAnotherOnTheCallersThread() {
        String caller = Thread.currentThread().getName();
        List<String> threads = new ArrayList<>();
        InFlight.run(3, 1, i -> {
            threads.add(Thread.currentThread().getName());
            return i;
        }, (i, answer) -> {
        });
        assertEquals(List.of(caller, caller, caller), threads);
    }

    @Test
    void aFailedCallPropagatesItsOwnExceptionAndLaterCallsAreNotConsumed() {
        IllegalStateException boom = new IllegalStateException("peer down");
        List<Integer> consumed = new ArrayList<>();
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> InFlight.run(5, 2, i -> {
            if (i == 1) {
                throw boom;
            }
            return i;
        }, (i, answer) -> consumed.add(i)));
        assertSame(boom, thrown);
        assertEquals(List.of(0), consumed);
    }

    @Test
    void aConsumerThatStopsTheStageStopsFurtherCalls() {
        AtomicInteger started = new AtomicInteger();
        RuntimeException cancelled = new RuntimeException("cancelled at a safe point");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> InFlight.run(10, 2, i -> {
            started.incrementAndGet();
            return i;
        }, (i, answer) -> {
            if (i == 1) {
                throw cancelled;
            }
        }));
        assertSame(cancelled, thrown);
        assertTrue(started.get() <= 3, "at most the consumed calls and one ahead were sent, got " + started.get());
        assertFalse(started.get() < 2);
    }

    @Test
    void aDepthBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> InFlight.run(1, 0, i -> i, (i, a) -> {
        }));
    }

    @Test
    void theSettingBelowOneIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> io.rlrf.loop.LoopSettings.defaults().withCallsInFlight(0));
        assertTrue(e.getMessage().contains("rlrf.trainer.loop.calls-in-flight"), e.getMessage());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(Math.max(0, ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
