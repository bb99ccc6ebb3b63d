package io.rlrf.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;

import io.rlrf.model.LlamaConfig;
import io.rlrf.model.LlamaWeights;
import io.rlrf.model.Tensors;

/**
 * The decoder-only transformer of the Llama family (Touvron et al. 2023): token embedding, then L
 * pre-norm blocks {@code x += attn(rmsnorm(x)); x += mlp(rmsnorm(x))}, a final RMSNorm and the LM
 * head. It knows nothing about sampling or training: it maps token ids to next-token logits.
 */
public final class LlamaModel implements AutoCloseable {

    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final RotaryEmbedding rope;
    private final NDArray attentionScale; // () 1/sqrt(D)

    public LlamaModel(LlamaWeights weights) {
        this.config = weights.config();
        this.weights = weights;
        this.rope = new RotaryEmbedding(weights.manager(), config.headDim(), config.maxPositionEmbeddings(),
                config.ropeTheta());
        this.attentionScale = Tensors.scalar(weights.manager(), (float) (1.0 / Math.sqrt(config.headDim())));
        NDScope.unregister(attentionScale);
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
     * @param cache     K/V cache to append to, starting at slot {@code start}; null for a full pass
     * @param lastOnly  compute logits only for the last column (what decoding needs)
     * @return logits, (B, T, V), or (B, 1, V) with {@code lastOnly}
     */
    public NDArray forward(NDArray tokens, NDArray positions, NDArray bias, KvCache cache, int start,
            boolean lastOnly) {
        float eps = (float) config.rmsNormEps();
        NDList cs = rope.tablesFor(positions); // 2 x (B, 1, T, D)
        NDArray x = Embedding.embedding(tokens, weights.embedding(), SparseFormat.DENSE).singletonOrThrow(); // (B, T, C)
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            LlamaWeights.Layer w = weights.layers().get(l);
            // attention sub-block with residual
            NDArray h = RmsNorm.apply(x, w.inputNorm(), eps); // (B, T, C)
            x = x.add(CausalSelfAttention.forward(h, w, config, rope, cs.get(0), cs.get(1), bias, attentionScale, cache, l, start));
            // feed-forward sub-block with residual
            h = RmsNorm.apply(x, w.postAttentionNorm(), eps); // (B, T, C)
            x = x.add(SwiGluMlp.forward(h, w)); // (B, T, C)
        }
        if (lastOnly) {
            x = x.get(new NDIndex(":, -1:, :")); // (B, 1, C)
        }
        x = RmsNorm.apply(x, weights.finalNorm(), eps);
        return Linear.linear(x, weights.lmHead()).singletonOrThrow(); // (B, T, V)
    }

    @Override
    public void close() {
        rope.close();
        attentionScale.close();
    }
}
