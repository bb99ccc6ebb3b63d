package io.rlrf.loop.stage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import io.rlrf.common.error.ServiceException;

/**
 * A batched peer call that one item too big for the peer must not sink: call items [0, n) at once;
 * if the peer refuses as above one of its limits (LIMIT_EXCEEDED: typically one answer whose
 * reflection prompt no longer fits the model's context), call item by item and leave out only the
 * items refused. Any other failure propagates. The same items give the same calls, so a resumed
 * stage leaves out the same items.
 */
public final class WholeOrEach {

    private WholeOrEach() {
    }

    /** What {@link #call} got: the results in item order, and the items the peer refused with why. */
    public record Partial<R>(List<R> results, List<Integer> refused, Map<Integer, String> reasons) {
    }

    /** {@code range.apply(lo, hi)} calls the peer for items [lo, hi). */
    public static <R> Partial<R> call(int n, BiFunction<Integer, Integer, List<R>> range) {
        try {
            return new Partial<>(range.apply(0, n), List.of(), Map.of());
        } catch (ServiceException e) {
            if (e.kind() != ServiceException.Kind.LIMIT_EXCEEDED) {
                throw e;
            }
        }
        List<R> results = new ArrayList<>();
        List<Integer> refused = new ArrayList<>();
        Map<Integer, String> reasons = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            try {
                results.addAll(range.apply(i, i + 1));
            } catch (ServiceException e) {
                if (e.kind() != ServiceException.Kind.LIMIT_EXCEEDED) {
                    throw e;
                }
                refused.add(i);
                reasons.put(i, e.getMessage());
            }
        }
        return new Partial<>(results, refused, reasons);
    }
}
