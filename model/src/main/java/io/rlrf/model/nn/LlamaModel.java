package io.rlrf.model.nn;

import java.util.List;
import java.util.Optional;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;

import io.rlrf.model.LlamaConfig;
import io.rlrf.model.LlamaWeights;
import io.rlrf.model.Tensors;
import io.rlrf.model.lora.LoraWeights;

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
        float eps = (float) config.rmsNormEps();
        if (config.slidingWindow() > 0) {
            // sliding-window attention: the window depends only on slots, so callers' masks stay causal
            int t = (int) tokens.getShape().get(1);
            bias = cache == null ? AttentionMask.withWindow(weights.manager(), bias, new int[] {0}, t, t, config.slidingWindow())
                    : AttentionMask.withWindow(weights.manager(), bias, cache.queryStarts(), t, cache.readEnd(),
                            config.slidingWindow());
        }
        NDList cs = rope.tablesFor(positions); // 2 x (B, 1, T, D)
        NDArray x = Embedding.embedding(tokens, weights.embedding(), SparseFormat.DENSE).singletonOrThrow(); // (B, T, C)
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            LlamaWeights.Layer w = weights.layers().get(l);
            // attention sub-block with residual
            NDArray h = RmsNorm.apply(x, w.inputNorm(), eps); // (B, T, C)
            x = x.add(CausalSelfAttention.forward(h, w, config, rope, cs.get(0), cs.get(1), bias, attentionScale, cache, l,
                    adapter));
            // feed-forward sub-block with residual
            h = RmsNorm.apply(x, w.postAttentionNorm(), eps); // (B, T, C)
            x = x.add(SwiGluMlp.forward(h, w, adapter == null ? null : adapter.layers().get(l), adapter)); // (B, T, C)
        }
        return x;
    }

    /**
     * Final norm and LM head.
     *
     * @param hidden (..., C) from {@link #hidden}
     * @return (..., V)
     */
    public NDArray logits(NDArray hidden) {
        NDArray x = RmsNorm.apply(hidden, weights.finalNorm(), (float) config.rmsNormEps());
        return Linear.linear(x, weights.lmHead()).singletonOrThrow();
    }

    @Override
    public void close() {
        if (ownsTables) {
            rope.close();
            attentionScale.close();
        }
    }
}
