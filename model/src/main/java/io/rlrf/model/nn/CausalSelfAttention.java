package io.rlrf.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

import io.rlrf.model.LlamaConfig;
import io.rlrf.model.LlamaWeights;
import io.rlrf.model.lora.LoraWeights;

/**
 * Causal multi-head self-attention (Vaswani et al. 2017, eq. 1) with rotary positions and optional
 * grouped-query attention (Ainslie et al. 2023): H query heads share Hkv key/value heads, query head
 * h reading K/V head h / G with G = H / Hkv.
 *
 * <p>Grouped queries are folded into the time axis, {@code (B, Hkv, G*T, D)}, so the K/V heads are
 * never copied G times (Hugging Face's {@code repeat_kv}); for G = 1 this is plain multi-head
 * attention. Optional biases on the projections (Qwen2's q/k/v, Llama's {@code attention_bias}) are
 * added in the same matmuls; a sliding window (Mistral) is part of the additive mask the caller passes.
 * With a LoRA adapter (Hu et al. 2021) the fused q/k/v and the output projection each add the
 * adapter's low-rank update to their output ({@link LoraWeights.Projection#delta}).
 */
public final class CausalSelfAttention {

    private CausalSelfAttention() {
    }

    /**
     * @param x     (B, T, C), already normalised
     * @param w     the block's weights
     * @param cos   (B, 1, T, D) rotary tables for the T positions
     * @param sin   (B, 1, T, D)
     * @param bias  (B, 1, 1, T, Tk) additive mask from {@link AttentionMask}, or (B, 1, 1, Tk) when T = 1;
     *              null when nothing is masked
     * @param scale the scalar 1/sqrt(D), a libtorch-owned tensor (see {@link io.rlrf.model.Tensors#scalar})
     * @param cache where to write K/V and what to attend over, as its current window says (Tk = the
     *              window's end); null for a full pass (Tk = T)
     * @param lora  the block's adapter, or null for the base alone
     * @return (B, T, C)
     */
    public static NDArray forward(NDArray x, LlamaWeights.Layer w, LlamaConfig c, RotaryEmbedding rope,
            NDArray cos, NDArray sin, NDArray bias, NDArray scale, KvCache cache, int layer, LoraWeights lora) {
        Shape s = x.getShape();
        long B = s.get(0);
        long T = s.get(1);
        int H = c.numAttentionHeads();
        int Hkv = c.numKeyValueHeads();
        int D = c.headDim();
        int G = c.queriesPerKvHead();

        // 1. project to queries, keys and values in one matmul, split into heads
        NDArray qkv = Linear.linear(x, w.qkv(), w.qkvBias()).singletonOrThrow(); // (B, T, (H + 2*Hkv)*D), bias may be null
        LoraWeights.Layer adapter = lora == null ? null : lora.layers().get(layer);
        if (adapter != null && adapter.qkv() != null) {
            qkv = qkv.addi(adapter.qkv().delta(x, lora.scaling(), lora.dropout())); // + (alpha/r) B A x, (B, T, (H + 2*Hkv)*D)
        }
        qkv = T == 1 ? qkv.reshape(B, H + 2L * Hkv, 1, D) // a decoding step: no transpose needed for one column
                : qkv.reshape(B, T, H + 2L * Hkv, D).transpose(0, 2, 1, 3); // (B, H + 2*Hkv, T, D)
        NDList qkAndV = qkv.split(new long[] {H + Hkv}, 1); // (B, H + Hkv, T, D), (B, Hkv, T, D)

        // 2. rotate queries and keys by their positions (one pass over both)
        NDList qk = rope.apply(qkAndV.get(0), cos, sin).split(new long[] {H}, 1);
        NDArray q = qk.get(0); // (B, H, T, D)
        NDArray k = qk.get(1); // (B, Hkv, T, D)
        NDArray v = qkAndV.get(1); // (B, Hkv, T, D)

        // 3. with a cache, store this pass's keys and values and attend over the window's columns
        if (cache != null) {
            NDArray[] kv = cache.append(layer, k, v);
            k = kv[0]; // (B, Hkv, Tk, D)
            v = kv[1]; // (B, Hkv, Tk, D)
        }
        long Tk = k.getShape().get(2);

        // 4. scaled dot-product scores, grouped queries folded into time; the queries are scaled, not the
        //    scores: (B, H, T, D) is smaller than (B, Hkv, G*T, Tk) whenever Tk > D
        NDArray qg = q.reshape(B, Hkv, G * T, D).mul(scale); // (B, Hkv, G*T, D), scale = 1/sqrt(D)
        NDArray scores = qg.matMul(k.swapAxes(2, 3)); // (B, Hkv, G*T, Tk)
        if (bias != null && bias.getShape().dimension() == 4) {
            scores = scores.add(bias); // one query per row: (B, 1, 1, Tk) broadcast over (B, Hkv, G, Tk)
        } else if (bias != null) {
            scores = scores.reshape(B, Hkv, G, T, Tk) // (B, Hkv, G, T, Tk)
                    .add(bias) // causal + padding mask, (B, 1, 1, T, Tk) broadcast
                    .reshape(B, Hkv, G * T, Tk); // (B, Hkv, G*T, Tk)
        }

        // 5. softmax over keys, weighted sum of values
        NDArray y = scores.softmax(-1).matMul(v); // (B, Hkv, G*T, D)
        y = T == 1 ? y.reshape(B, 1, (long) H * D) // one column: (B, H, 1, D) is already (B, 1, H, D) in memory
                : y.reshape(B, H, T, D).transpose(0, 2, 1, 3).reshape(B, T, (long) H * D); // (B, T, H*D)

        // 6. output projection back into the residual stream
        NDArray out = Linear.linear(y, w.o(), w.oBias()).singletonOrThrow(); // (B, T, C), bias may be null
        if (adapter != null && adapter.o() != null) {
            out = out.addi(adapter.o().delta(y, lora.scaling(), lora.dropout())); // + (alpha/r) B A y, (B, T, C)
        }
        return out;
    }
}
