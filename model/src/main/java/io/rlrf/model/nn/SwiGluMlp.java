package io.rlrf.model.nn;

import ai.djl.ndarray.NDArray;
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
        NDArray gate = Activation.swish(Linear.linear(x, w.gate()).singletonOrThrow(), 1f); // (B, T, F)
        NDArray up = Linear.linear(x, w.up()).singletonOrThrow(); // (B, T, F)
        return Linear.linear(gate.mul(up), w.down()).singletonOrThrow(); // (B, T, C)
    }
}
