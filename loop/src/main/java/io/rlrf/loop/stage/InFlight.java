package io.rlrf.loop.stage;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * [ours] A stage's peer calls with up to {@code depth} of them in flight: call {@code i + 1} (up to
 * {@code i + depth - 1}) is already on its way while the answer to call {@code i} is consumed, so
 * generator-svc's continuous batching gets the next call's rows as soon as the current call's rows
 * finish, instead of decoding the tail of one call with most of its rows idle. Answers are consumed
 * in call order, on the caller's thread, so the files a stage writes, its progress and its safe points
 * are exactly those of one call at a time (every call's seed depends on its index, never on timing).
 *
 * <p>With a depth of 1 every call runs on the caller's thread, one after another. When a call fails or
 * the consumer throws (a cancelled run at a safe point), the calls not yet consumed are cancelled and
 * the failure propagates unchanged.
 */
final class InFlight {

    /** What is done with call {@code index}'s answer, in call order. */
    @FunctionalInterface
    interface Consumer<T> {
        void accept(int index, T answer);
    }

    private InFlight() {
    }

    /**
     * Runs {@code call.apply(0 .. calls - 1)} with at most {@code depth} in flight and hands each
     * answer to {@code consume} in index order.
     */
    static <T> void run(int calls, int depth, IntFunction<T> call, Consumer<T> consume) {
        if (depth < 1) {
            throw new IllegalArgumentException("calls in flight must be at least 1, got " + depth);
        }
        if (depth == 1 || calls <= 1) {
            for (int i = 0; i < calls; i++) {
                consume.accept(i, call.apply(i));
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(depth, calls), r -> {
            Thread t = new Thread(r, "rlrf-stage-call");
            t.setDaemon(true);
            return t;
        });
        Deque<Future<T>> pending = new ArrayDeque<>();
        try {
            int next = 0;
            for (int i = 0; i < calls; i++) {
                while (next < calls && next < i + depth) {
                    int index = next++;
                    pending.addLast(pool.submit(() -> call.apply(index)));
                }
                consume.accept(i, await(pending.removeFirst()));
            }
        } finally {
            for (Future<T> f : pending) {
                f.cancel(true);
            }
            pool.shutdownNow();
        }
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for a peer call");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }
}
