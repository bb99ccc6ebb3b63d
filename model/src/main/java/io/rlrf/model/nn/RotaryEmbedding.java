package io.rlrf.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;

import io.rlrf.model.RopeScaling;
import io.rlrf.model.Tensors;

/**
 * Rotary position embeddings (RoPE; Su et al. 2021, "RoFormer", eq. 34), in the Hugging Face
 * convention: dimension j of a head is rotated together with dimension j + D/2 ({@code rotate_half}),
 * not with its neighbour 2j+1 as in the paper and in llama2.c. The frequency of pair j is
 * {@code theta^(-2j/D)}.
 *
 * <p>{@code rope(x)[pos] = x * cos(pos * f) + rotate_half(x) * sin(pos * f)}, with
 * {@code rotate_half([x1, x2]) = [-x2, x1]} and the D/2 frequencies repeated to width D. A
 * {@link RopeScaling} (Llama 3.1's, or linear position interpolation) rescales the frequencies first.
 */
public final class RotaryEmbedding implements AutoCloseable {

    private final NDArray cos; // (P, D)
    private final NDArray sin; // (P, D)
    private final NDArray rotateHalf; // (D, D): x.matMul(it) = rotate_half(x), exactly (one +-1 per column)

    /** Precomputes the tables of plain RoPE for positions 0..maxPositions-1 on {@code manager}. */
    public RotaryEmbedding(NDManager manager, int headDim, int maxPositions, double theta) {
        this(manager, headDim, maxPositions, theta, RopeScaling.NONE);
    }

    /** Precomputes the tables for positions 0..maxPositions-1 on {@code manager}, frequencies rescaled. */
    public RotaryEmbedding(NDManager manager, int headDim, int maxPositions, double theta, RopeScaling scaling) {
        int half = headDim / 2;
        // 1. the D/2 inverse frequencies theta^(-2j/D), rescaled for long contexts
        double[] invFreq = new double[half];
        for (int j = 0; j < half; j++) {
            invFreq[j] = 1.0 / Math.pow(theta, (2.0 * j) / headDim);
        }
        invFreq = scaling.apply(invFreq);
        // 2. cos and sin of pos * f_j, each frequency repeated for dimensions j and j + D/2
        float[] c = new float[maxPositions * headDim];
        float[] s = new float[maxPositions * headDim];
        for (int pos = 0; pos < maxPositions; pos++) {
            for (int j = 0; j < half; j++) {
                double angle = pos * invFreq[j];
                float cj = (float) Math.cos(angle);
                float sj = (float) Math.sin(angle);
                c[pos * headDim + j] = cj;
                c[pos * headDim + j + half] = cj;
                s[pos * headDim + j] = sj;
                s[pos * headDim + j + half] = sj;
            }
        }
        this.cos = Tensors.of(manager, c, new Shape(maxPositions, headDim));
        this.sin = Tensors.of(manager, s, new Shape(maxPositions, headDim));
        // rotate_half([x1, x2]) = [-x2, x1]: output j < D/2 takes -x[j + D/2], output j >= D/2 takes x[j - D/2]
        float[] r = new float[headDim * headDim]; // (D, D), row = input dimension
        for (int j = 0; j < half; j++) {
            r[(j + half) * headDim + j] = -1f;
            r[j * headDim + j + half] = 1f;
        }
        this.rotateHalf = Tensors.of(manager, r, new Shape(headDim, headDim));
        NDScope.unregister(cos, sin, rotateHalf); // long-lived tables
    }

    /** cos and sin for the given positions, shaped to broadcast over heads: two (B, 1, T, D). */
    public NDList tablesFor(NDArray positions) { // positions: (B, T) int64
        NDArray c = Embedding.embedding(positions, cos, SparseFormat.DENSE).singletonOrThrow().expandDims(1); // (B, 1, T, D)
        NDArray s = Embedding.embedding(positions, sin, SparseFormat.DENSE).singletonOrThrow().expandDims(1); // (B, 1, T, D)
        return new NDList(c, s);
    }

    /**
     * @param x   (B, heads, T, D), queries and keys alike
     * @param cos (B, 1, T, D) from {@link #tablesFor}
     * @param sin (B, 1, T, D)
     * @return x rotated, (B, heads, T, D)
     */
    public NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        // rotate_half as one product with a signed permutation: exact (each output is one input times
        // +-1 plus zeros) and one op instead of split, neg and concat
        NDArray r = x.getDataType() == rotateHalf.getDataType() ? rotateHalf
                : rotateHalf.toType(x.getDataType(), false); // half-precision compute: the table in x's dtype
        NDArray rotated = x.matMul(r); // (B, heads, T, D)
        return x.mul(cos).add(rotated.mul(sin));
    }

    @Override
    public void close() {
        cos.close();
        sin.close();
        rotateHalf.close();
    }
}
