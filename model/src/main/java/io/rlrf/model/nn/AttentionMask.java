package io.rlrf.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import io.rlrf.model.Tensors;

/**
 * The additive attention bias that makes attention causal and hides padding: 0 where query q may
 * attend to key k, {@link #BLOCKED} elsewhere. A query at slot s may see key slot k iff k <= s and
 * slot k of its row holds a real token.
 *
 * <p>A finite large negative number rather than -infinity: a padding query (whose row has no visible
 * key yet) then gets a uniform, finite softmax instead of NaN; its output is never read.
 */
public final class AttentionMask {

    public static final float BLOCKED = -1e9f;

    private AttentionMask() {
    }

    /**
     * @param realKeys   (B, Tk): whether key slot k of row b holds a real token
     * @param queryStart slot of the first query
     * @param queries    Tq, number of query slots (queryStart .. queryStart + Tq - 1)
     * @return bias of shape (B, 1, 1, Tq, Tk), broadcastable over (B, Hkv, groups, Tq, Tk); null when
     *         no query is blocked from any key (a decoding step without padding), so attention can skip it
     */
    public static NDArray bias(NDManager manager, boolean[][] realKeys, int queryStart, int queries) {
        int b = realKeys.length;
        int tk = realKeys[0].length;
        if (queries == 1 && queryStart >= tk - 1 && allTrue(realKeys)) {
            return null;
        }
        float[] bias = new float[b * queries * tk];
        for (int row = 0; row < b; row++) {
            for (int q = 0; q < queries; q++) {
                int slot = queryStart + q;
                int base = (row * queries + q) * tk;
                for (int k = 0; k < tk; k++) {
                    bias[base + k] = k <= slot && realKeys[row][k] ? 0f : BLOCKED;
                }
            }
        }
        return Tensors.of(manager, bias, new Shape(b, 1, 1, queries, tk));
    }

    /**
     * The causal mask of a prefill chunk whose rows have no padding before their tokens: query slot
     * {@code queryStart + q} sees key slots {@code [0, queryStart + q]}, the same for every row.
     *
     * @return (1, 1, 1, Tq, queryStart + Tq), broadcast over rows; null for a single query, which
     *         sees every key
     */
    public static NDArray causal(NDManager manager, int queryStart, int queries) {
        if (queries == 1) {
            return null;
        }
        int tk = queryStart + queries;
        float[] bias = new float[queries * tk];
        for (int q = 0; q < queries; q++) {
            for (int k = queryStart + q + 1; k < tk; k++) {
                bias[q * tk + k] = BLOCKED;
            }
        }
        return Tensors.of(manager, bias, new Shape(1, 1, 1, queries, tk));
    }

    /**
     * The causal mask of a prefill chunk whose rows start at their own slots: query {@code q} of row
     * r sits at slot {@code queryStart[r] + q} and sees key slots {@code [0, queryStart[r] + q]} (rows
     * hold no padding before their tokens).
     *
     * @param keys Tk, the slots attended over (at least every {@code queryStart[r] + queries})
     * @return (B, 1, 1, Tq, Tk)
     */
    public static NDArray causalFrom(NDManager manager, int[] queryStart, int queries, int keys) {
        int rows = queryStart.length;
        float[] bias = new float[rows * queries * keys];
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < queries; q++) {
                int base = (r * queries + q) * keys;
                java.util.Arrays.fill(bias, base + Math.min(keys, queryStart[r] + q + 1), base + keys, BLOCKED);
            }
        }
        return Tensors.of(manager, bias, new Shape(rows, 1, 1, queries, keys));
    }

    /**
     * The mask of a decoding step where row r's single query sits at its own slot {@code last[r]} and
     * sees key slots {@code [0, last[r]]}, its own tokens (rows hold no padding).
     *
     * @param keys Tk, the slots attended over (greater than every {@code last[r]})
     * @return (B, 1, 1, Tk), the shape {@link CausalSelfAttention} adds to one query per row without
     *         reshaping; null when every row sees every key
     */
    public static NDArray upTo(NDManager manager, int[] last, int rows, int keys) {
        boolean all = true;
        for (int r = 0; r < rows; r++) {
            all &= last[r] == keys - 1;
        }
        if (all) {
            return null;
        }
        float[] bias = new float[rows * keys];
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(bias, r * keys + last[r] + 1, (r + 1) * keys, BLOCKED);
        }
        return Tensors.of(manager, bias, new Shape(rows, 1, 1, keys));
    }

    /**
     * Adds sliding-window attention (Mistral; Beltagy et al. 2020, "Longformer") to a causal mask: a
     * query at slot s also loses the keys at slots k with {@code s - k >= window}, so it sees at most
     * {@code window} keys, itself included (Hugging Face's {@code sliding_window_overlay}:
     * {@code kv_idx > q_idx - sliding_window}). Slots, not positions, as in Hugging Face's cache
     * indices: in a row padded only before or after its tokens, the two differ by a constant.
     *
     * @param bias       the causal mask: (B or 1, 1, 1, T, Tk), (B, 1, 1, Tk) for one query per row, or
     *                   null when nothing is masked
     * @param queryStart slot of each row's first query (one entry when every row starts at the same slot)
     * @param queries    T, query slots per row
     * @param keys       Tk, the key slots attended over, [0, Tk)
     * @return the mask with the window added, shaped as {@code bias} (or as {@link #bias} for a null
     *         {@code bias}); {@code bias} itself when no query reaches past its window
     */
    public static NDArray withWindow(NDManager manager, NDArray bias, int[] queryStart, int queries, int keys,
            int window) {
        int lastQuery = 0;
        for (int start : queryStart) {
            lastQuery = Math.max(lastQuery, start + queries - 1);
        }
        if (lastQuery < window) {
            return bias; // every key k <= s is within s - k < window
        }
        int rows = queryStart.length;
        float[] out = new float[rows * queries * keys];
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < queries; q++) {
                int slot = queryStart[r] + q;
                int base = (r * queries + q) * keys;
                java.util.Arrays.fill(out, base, base + Math.max(0, Math.min(keys, slot - window + 1)), BLOCKED);
            }
        }
        boolean oneQueryShape = bias != null ? bias.getShape().dimension() == 4 : queries == 1;
        NDArray windowBias = Tensors.of(manager, out, oneQueryShape ? new Shape(rows, 1, 1, keys) // (B, 1, 1, Tk)
                : new Shape(rows, 1, 1, queries, keys)); // (B or 1, 1, 1, T, Tk)
        return bias == null ? windowBias : bias.add(windowBias);
    }

    private static boolean allTrue(boolean[][] rows) {
        for (boolean[] row : rows) {
            for (boolean r : row) {
                if (!r) {
                    return false;
                }
            }
        }
        return true;
    }
}
