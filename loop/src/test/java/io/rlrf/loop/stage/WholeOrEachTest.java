package io.rlrf.loop.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.rlrf.common.error.ServiceException;

/**
 * The reflect stage's answer to a peer that refuses a call as too big (WholeOrEach.call): one
 * item too long for the model must cost that item's rewrites, not the run. The "peer" here is a
 * function of the item range that refuses any range holding a too-long item, as reflector-svc
 * refuses a Refine call when one item's prompt does not fit.
 */
class WholeOrEachTest {

    /** Items 0..n-1; the ones in {@code tooLong} make any call that holds them fail with LIMIT_EXCEEDED. */
    private static List<String> call(int lo, int hi, Set<Integer> tooLong, List<String> calls) {
        calls.add(lo + ".." + hi);
        for (int i = lo; i < hi; i++) {
            if (tooLong.contains(i)) {
                throw new ServiceException(ServiceException.Kind.LIMIT_EXCEEDED, "items[" + (i - lo) + "] is too long");
            }
        }
        return IntStream.range(lo, hi).mapToObj(i -> "rewrite-of-" + i).toList();
    }

    @Test
    void aCallThePeerAcceptsIsMadeOnceForAllItems() {
        List<String> calls = new ArrayList<>();
        WholeOrEach.Partial<String> p = WholeOrEach.call(4, (lo, hi) -> call(lo, hi, Set.of(), calls));
        assertEquals(List.of("0..4"), calls);
        assertEquals(List.of("rewrite-of-0", "rewrite-of-1", "rewrite-of-2", "rewrite-of-3"), p.results());
        assertTrue(p.refused().isEmpty());
    }

    @Test
    void aRefusedCallIsRetriedItemByItemAndOnlyTheRefusedItemsAreLeftOut() {
        List<String> calls = new ArrayList<>();
        WholeOrEach.Partial<String> p = WholeOrEach.call(5, (lo, hi) -> call(lo, hi, Set.of(1, 3), calls));
        assertEquals(List.of("0..5", "0..1", "1..2", "2..3", "3..4", "4..5"), calls);
        assertEquals(List.of("rewrite-of-0", "rewrite-of-2", "rewrite-of-4"), p.results());
        assertEquals(List.of(1, 3), p.refused());
        assertEquals("items[0] is too long", p.reasons().get(3));
    }

    @Test
    void anyOtherFailureStillFailsTheStage() {
        ServiceException down = ServiceException.unavailable("reflector-svc Refine failed after 3 attempt(s): UNAVAILABLE");
        assertSame(down, assertThrows(ServiceException.class, () -> WholeOrEach.call(3, (lo, hi) -> {
            throw down;
        })));
        // ... also when it happens during the item-by-item retry.
        ServiceException later = assertThrows(ServiceException.class, () -> WholeOrEach.call(3, (lo, hi) -> {
            if (hi - lo > 1) {
                throw new ServiceException(ServiceException.Kind.LIMIT_EXCEEDED, "too long");
            }
            throw ServiceException.unavailable("peer went away");
        }));
        assertEquals("peer went away", later.getMessage());
    }
}
