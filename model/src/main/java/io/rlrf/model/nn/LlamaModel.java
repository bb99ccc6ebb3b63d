package io.rlrf.model.nn;

import java.util.List;
import java.util.Optional;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;

import io.rlrf.model.LlamaConfig;
import io.rlrf.model.LlamaWeights;
import io.rlrf.model.lora.LoraWeights;
import io.rlrf.model.Tensors;

/**
 * The decoder-only transformer of the Llama family (Touvron et al. 2023): token embedding, then L
 * pre-norm blocks {@code x += attn(rmsnorm(x)); x += mlp(rmsnorm(x))}, a final RMSNorm and the LM
 * head. It knows nothing about sampling or training: it maps token ids to next-token logits.
 * Qwen2's and Mistral's networks are this one with {@link LlamaConfig} switches: projection biases,
 * RoPE scaling, a sliding attention window (added here to the caller's causal mask).
 *
 * <p>A model may carry a LoRA adapter ({@link #withAdapter}): a view over the same base weights and
 * position tables whose projections add the adapter's update. The base is never copied: the DPO
 * reference of an adapter run is {@link #withoutAdapter()} of the policy, and one loaded base can
 * serve several adapters.
 */
public final class LlamaModel implements AutoCloseable {

    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final RotaryEmbedding rope;
    private final NDArray attentionScale; // () 1/sqrt(D)
    private final ActivationCheckpoints checkpoints = new ActivationCheckpoints(this);
    private volatile boolean checkpointing;
    private final LoraWeights adapter; // null: the base alone
    private final boolean ownsTables; // a view shares its origin's rope tables and scale and does not close them

    public LlamaModel(LlamaWeights weights) {
        this.config = weights.config();
        this.weights = weights;
        this.rope = new RotaryEmbedding(weights.manager(), config.headDim(), config.maxPositionEmbeddings(),
                config.ropeTheta(), config.ropeScaling());
        this.attentionScale = Tensors.scalar(weights.manager(), (float) (1.0 / Math.sqrt(config.headDim())));
        NDScope.unregister(attentionScale);
        this.adapter = null;
        this.ownsTables = true;
    }

    private LlamaModel(LlamaModel origin, LoraWeights adapter) {
        this.config = origin.config;
        this.weights = origin.weights;
        this.rope = origin.rope;
        this.attentionScale = origin.attentionScale;
        this.adapter = adapter;
        this.ownsTables = false;
        this.checkpointing = origin.checkpointing;
    }

    /**
     * This model's base weights with {@code adapter} applied: a view sharing the weights and tables
     * (valid while this model is open; closing it frees nothing). The adapter must be for this config.
     */
    public LlamaModel withAdapter(LoraWeights adapter) {
        if (!adapter.config().equals(config)) {
            throw new IllegalArgumentException("the adapter was made for another model config than this one");
        }
        return new LlamaModel(this, adapter);
    }

    /** The base alone, adapters switched off: a view sharing the weights (e.g. the DPO reference). */
    public LlamaModel withoutAdapter() {
        return adapter == null ? this : new LlamaModel(this, null);
    }

    /** The adapter this model applies, if any. */
    public Optional<LoraWeights> adapter() {
        return Optional.ofNullable(adapter);
    }

    /**
     * What training updates: the adapter's A and B matrices when there is an adapter (the base stays
     * frozen), else every base parameter (full fine-tuning).
     */
    public List<NDArray> trainableParameters() {
        return adapter != null ? adapter.parameters() : weights.parameters();
    }

    /** Marks the trainable parameters as requiring gradients, and the base frozen under an adapter. */
    public void prepareForTraining() {
        if (adapter != null) {
            weights.setRequiresGradient(false);
            adapter.setRequiresGradient(true);
        } else {
            weights.setRequiresGradient(true);
        }
    }

    public LlamaConfig config() {
        return config;
    }

    public LlamaWeights weights() {
        return weights;
    }

    /**
     * One forward pass.
     *
     * @param tokens    (B, T) int64 token ids; padding slots may hold any valid id
     * @param positions (B, T) int64 position of each token in its own sequence (padding excluded)
     * @param bias      (B, 1, 1, T, Tk) additive mask from {@link AttentionMask}
     * @param cache     K/V cache to write rows [0, B) at columns [start, start + T) of, and attend over
     *                  columns [0, start + T); null for a full pass
     * @param lastOnly  compute logits only for the last column (what decoding needs)
     * @return logits, (B, T, V), or (B, 1, V) with {@code lastOnly}
     */
    public NDArray forward(NDArray tokens, NDArray positions, NDArray bias, KvCache cache, int start,
            boolean lastOnly) {
        if (cache != null) {
            Shape s = tokens.getShape();
            cache.block(0, (int) s.get(0), start, (int) s.get(1));
        }
        NDArray x = hidden(tokens, positions, bias, cache); // (B, T, C)
        if (lastOnly) {
            x = x.get(new NDIndex(":, -1:, :")); // (B, 1, C)
        }
        return logits(x);
    }

    /**
     * The residual stream after the last block, before the final norm: what {@link #logits} turns
     * into next-token logits. With a cache, the cache's current window ({@link KvCache#block} or
     * {@link KvCache#scatter}) says where keys and values go and which columns are attended over.
     *
     * @param tokens    (B, T) int64 token ids
     * @param positions (B, T) int64 positions
     * @param bias      (B or 1, 1, 1, T, Tk) additive mask; null when nothing is masked
     * @param cache     positioned K/V cache, or null for a full pass
     * @return (B, T, C)
     */
    public NDArray hidden(NDArray tokens, NDArray positions, NDArray bias, KvCache cache) {
        if (config.slidingWindow() > 0) {
            // sliding-window attention: the window depends only on slots, so callers' masks stay causal
            int t = (int) tokens.getShape().get(1);
            bias = cache == null ? AttentionMask.withWindow(weights.manager(), bias, new int[] {0}, t, t, config.slidingWindow())
                    : AttentionMask.withWindow(weights.manager(), bias, cache.queryStarts(), t, cache.readEnd(),
                            config.slidingWindow());
        }
        NDList cs = rope.tablesFor(positions); // 2 x (B, 1, T, D)
        NDArray x = Embedding.embedding(tokens, weights.embedding(), SparseFormat.DENSE).singletonOrThrow(); // (B, T, C)
        DataType dtype = x.getDataType();
        if (dtype != DataType.FLOAT32) {
            // half-precision compute: the fp32 RoPE tables and mask would promote queries and scores to fp32
            cs = new NDList(cs.get(0).toType(dtype, false), cs.get(1).toType(dtype, false));
            bias = bias == null ? null : bias.toType(dtype, false);
        }
        if (checkpointing && cache == null && JniUtils.isGradMode()) {
            if (adapter != null && adapter.lora().dropout() > 0) {
                // the recomputed blocks would draw other dropout masks than the forward pass did
                throw new IllegalStateException("activation checkpointing cannot recompute LoRA dropout: set lora.dropout "
                        + "to 0 or turn rlrf.trainer.loop.activation-checkpointing off");
            }
            return checkpoints.forward(x, cs, bias); // training: blocks recomputed in the backward pass
        }
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            x = block(l, x, cs, bias, cache); // (B, T, C)
        }
        return x;
    }

    /**
     * Decoder block {@code l}: {@code x += attn(rmsnorm(x)); x += mlp(rmsnorm(x))}.
     *
     * @param x  (B, T, C)
     * @param cs RoPE's cos and sin tables, 2 x (B, 1, T, D)
     * @return (B, T, C)
     */
    NDArray block(int l, NDArray x, NDList cs, NDArray bias, KvCache cache) {
        float eps = (float) config.rmsNormEps();
        LlamaWeights.Layer w = weights.layers().get(l);
        // attention sub-block with residual
        NDArray h = RmsNorm.apply(x, w.inputNorm(), eps); // (B, T, C)
        x = x.add(CausalSelfAttention.forward(h, w, config, rope, cs.get(0), cs.get(1), bias, attentionScale, cache, l,
                adapter));
        // feed-forward sub-block with residual
        h = RmsNorm.apply(x, w.postAttentionNorm(), eps); // (B, T, C)
        return x.add(SwiGluMlp.forward(h, w, adapter == null ? null : adapter.layers().get(l), adapter)); // (B, T, C)
    }

    /**
     * Activation checkpointing for training passes (off by default): a forward pass with gradients
     * keeps only each block's input, and {@link #backwardThroughCheckpoints()} recomputes each block
     * in the backward pass ({@link ActivationCheckpoints}).
     */
    public void setActivationCheckpointing(boolean on) {
        this.checkpointing = on;
    }

    public boolean activationCheckpointing() {
        return checkpointing;
    }

    /**
     * With activation checkpointing, after {@code backward(loss)}: carries the gradient from the
     * last block's output back through every block (recomputed) to the embedding. A no-op when no
     * checkpointed pass is pending. Call it inside the same gradient collector.
     */
    public void backwardThroughCheckpoints() {
        checkpoints.backward();
    }

    /**
     * Final norm and LM head. Logits are fp32 whatever the compute dtype: log-softmax and sampling
     * need the precision (a half-precision compute's logits are cast up, as transformers does for the loss).
     *
     * @param hidden (..., C) from {@link #hidden}
     * @return (..., V) fp32
     */
    public NDArray logits(NDArray hidden) {
        NDArray x = RmsNorm.apply(hidden, weights.finalNorm(), (float) config.rmsNormEps());
        NDArray logits = Linear.linear(x, weights.lmHead()).singletonOrThrow(); // (..., V)
        return logits.getDataType() == DataType.FLOAT32 ? logits : logits.toType(DataType.FLOAT32, false);
    }

    @Override
    public void close() {
        checkpoints.discard();
        if (ownsTables) {
            rope.close();
            attentionScale.close();
        }
    }
}
