package io.rlrf.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

import io.rlrf.model.LlamaWeights;

/**
 * The feed-forward block of Llama: SwiGLU (Shazeer 2020, "GLU Variants Improve Transformer", eq. 6),
 * {@code down(silu(gate(x)) * up(x))} with {@code silu(z) = z * sigmoid(z)}.
 */
public final class SwiGluMlp {

    private SwiGluMlp() {
    }

    /**
     * @param x (B, T, C), already normalised
     * @return (B, T, C)
     */
    public static NDArray forward(NDArray x, LlamaWeights.Layer w) {
        long f = w.down().getShape().get(1);
        NDList gateUp = Linear.linear(x, w.gateUp()).singletonOrThrow() // (B, T, 2F): gate and up in one matmul
                .split(new long[] {f}, 2); // 2 x (B, T, F)
        NDArray gate = gateUp.get(0);
        NDArray silu = Activation.sigmoid(gate).mul(gate); // (B, T, F)
        return Linear.linear(silu.mul(gateUp.get(1)), w.down()).singletonOrThrow(); // (B, T, C)
    }
}
