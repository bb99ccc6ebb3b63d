package io.rlrf.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

import io.rlrf.model.LlamaWeights;
import io.rlrf.model.lora.LoraWeights;

/**
 * The feed-forward block of Llama: SwiGLU (Shazeer 2020, "GLU Variants Improve Transformer", eq. 6),
 * {@code down(silu(gate(x)) * up(x))} with {@code silu(z) = z * sigmoid(z)}. With a LoRA adapter the
 * fused gate/up and the down projection each add the adapter's low-rank update to their output.
 */
public final class SwiGluMlp {

    private SwiGluMlp() {
    }

    /**
     * @param x       (B, T, C), already normalised
     * @param adapter the block's adapter, or null for the base alone
     * @param lora    the adapter's owner (scaling, dropout); null when {@code adapter} is
     * @return (B, T, C)
     */
    public static NDArray forward(NDArray x, LlamaWeights.Layer w, LoraWeights.Layer adapter, LoraWeights lora) {
        long f = w.down().getShape().get(1);
        // 1. gate and up in one matmul, plus the adapter's update of both
        NDArray gateUpOut = Linear.linear(x, w.gateUp()).singletonOrThrow(); // (B, T, 2F)
        if (adapter != null && adapter.gateUp() != null) {
            gateUpOut = gateUpOut.addi(adapter.gateUp().delta(x, lora.scaling(), lora.dropout())); // (B, T, 2F)
        }
        NDList gateUp = gateUpOut.split(new long[] {f}, 2); // 2 x (B, T, F)
        // 2. SwiGLU
        NDArray gate = gateUp.get(0);
        NDArray silu = Activation.sigmoid(gate).mul(gate); // (B, T, F)
        NDArray h = silu.mul(gateUp.get(1)); // (B, T, F)
        // 3. down projection, plus the adapter's update
        NDArray out = Linear.linear(h, w.down()).singletonOrThrow(); // (B, T, C)
        if (adapter != null && adapter.down() != null) {
            out = out.addi(adapter.down().delta(h, lora.scaling(), lora.dropout())); // (B, T, C)
        }
        return out;
    }
}
