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
