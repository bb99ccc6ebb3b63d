package io.rlrf.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * The parameters of a {@link LlamaConfig} network, by their Hugging Face names, all float32 and
 * owned by one {@link NDManager}. Matrices are {@code [out_features, in_features]} as in PyTorch's
 * {@code nn.Linear}. With tied embeddings there is no separate {@code lm_head.weight}: the LM head
 * is {@code model.embed_tokens.weight}. Biases ({@code q_proj.bias} ... of Qwen2, Llama's
 * {@code attention_bias}) are vectors fused like their matrices.
 */
public final class LlamaWeights implements AutoCloseable {

    public static final String EMBED = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    /**
     * One decoder block's trainable tensors. The three attention input projections are stored as one
     * matrix, and so are the two MLP input projections, so each is a single matmul; the Hugging Face
     * tensors ({@code q_proj}, {@code k_proj}, {@code v_proj}, {@code gate_proj}, {@code up_proj})
     * are row ranges of them (views sharing storage, see {@link #byName()}).
     */
    public record Layer(
            NDArray inputNorm, // (C)
            NDArray qkv, // (H*D + 2*Hkv*D, C): q_proj rows, then k_proj, then v_proj
            NDArray o, // (C, H*D)
            NDArray postAttentionNorm, // (C)
            NDArray gateUp, // (2F, C): gate_proj rows, then up_proj
            NDArray down, // (C, F)
            NDArray qkvBias, // (H*D + 2*Hkv*D): q_proj, k_proj, v_proj biases; null without (config.qkvBias)
            NDArray oBias) { // (C): o_proj's bias; null without (config.oProjBias)
    }

    private final LlamaConfig config;
    private final NDManager manager;
    private final List<NDArray> parameters;
    private final Map<String, NDArray> byName;
    private final List<Layer> layers;
    private final NDArray embedding;
    private final NDArray finalNorm;
    private final NDArray lmHead;

    /**
     * Takes ownership of {@code manager}; {@code arrays} (Hugging Face names) must hold exactly
     * {@link #shapes(LlamaConfig)}. The per-layer projections are copied into their fused matrices
     * and the separate arrays closed.
     */
    private LlamaWeights(LlamaConfig config, NDManager manager, Map<String, NDArray> arrays) {
        this.config = config;
        this.manager = manager;
        for (String name : shapes(config).keySet()) {
            if (arrays.get(name) == null) {
                throw new IllegalArgumentException("tensor " + name + " is missing");
            }
        }
        long qd = (long) config.numAttentionHeads() * config.headDim();
        long kvd = (long) config.numKeyValueHeads() * config.headDim();
        long f = config.intermediateSize();
        List<NDArray> params = new ArrayList<>();
        Map<String, NDArray> views = new LinkedHashMap<>();
        this.embedding = arrays.get(EMBED);
        params.add(embedding);
        views.put(EMBED, embedding);
        List<Layer> ls = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            NDArray q = arrays.get(p + "self_attn.q_proj.weight");
            NDArray k = arrays.get(p + "self_attn.k_proj.weight");
            NDArray v = arrays.get(p + "self_attn.v_proj.weight");
            NDArray gate = arrays.get(p + "mlp.gate_proj.weight");
            NDArray up = arrays.get(p + "mlp.up_proj.weight");
            NDArray qkv = NDArrays.concat(new NDList(q, k, v), 0); // (H*D + 2*Hkv*D, C)
            NDArray gateUp = NDArrays.concat(new NDList(gate, up), 0); // (2F, C)
            qkv.attach(manager);
            gateUp.attach(manager);
            for (NDArray a : new NDArray[] {q, k, v, gate, up}) {
                a.close();
            }
            NDArray qkvBias = null;
            if (config.qkvBias()) {
                NDArray qb = arrays.get(p + "self_attn.q_proj.bias");
                NDArray kb = arrays.get(p + "self_attn.k_proj.bias");
                NDArray vb = arrays.get(p + "self_attn.v_proj.bias");
                qkvBias = NDArrays.concat(new NDList(qb, kb, vb), 0); // (H*D + 2*Hkv*D)
                qkvBias.attach(manager);
                for (NDArray a : new NDArray[] {qb, kb, vb}) {
                    a.close();
                }
            }
            NDArray oBias = config.oProjBias() ? arrays.get(p + "self_attn.o_proj.bias") : null;
            Layer layer = new Layer(arrays.get(p + "input_layernorm.weight"), qkv, arrays.get(p + "self_attn.o_proj.weight"),
                    arrays.get(p + "post_attention_layernorm.weight"), gateUp, arrays.get(p + "mlp.down_proj.weight"),
                    qkvBias, oBias);
            ls.add(layer);
            params.addAll(List.of(layer.inputNorm(), layer.qkv(), layer.o(), layer.postAttentionNorm(), layer.gateUp(),
                    layer.down()));
            if (qkvBias != null) {
                params.add(qkvBias);
            }
            if (oBias != null) {
                params.add(oBias);
            }
            views.put(p + "input_layernorm.weight", layer.inputNorm());
            views.put(p + "self_attn.q_proj.weight", qkv.get(new NDIndex("0:{}", qd)));
            views.put(p + "self_attn.k_proj.weight", qkv.get(new NDIndex("{}:{}", qd, qd + kvd)));
            views.put(p + "self_attn.v_proj.weight", qkv.get(new NDIndex("{}:", qd + kvd)));
            if (qkvBias != null) {
                views.put(p + "self_attn.q_proj.bias", qkvBias.get(new NDIndex("0:{}", qd)));
                views.put(p + "self_attn.k_proj.bias", qkvBias.get(new NDIndex("{}:{}", qd, qd + kvd)));
                views.put(p + "self_attn.v_proj.bias", qkvBias.get(new NDIndex("{}:", qd + kvd)));
            }
            views.put(p + "self_attn.o_proj.weight", layer.o());
            if (oBias != null) {
                views.put(p + "self_attn.o_proj.bias", oBias);
            }
            views.put(p + "post_attention_layernorm.weight", layer.postAttentionNorm());
            views.put(p + "mlp.gate_proj.weight", gateUp.get(new NDIndex("0:{}", f)));
            views.put(p + "mlp.up_proj.weight", gateUp.get(new NDIndex("{}:", f)));
            views.put(p + "mlp.down_proj.weight", layer.down());
        }
        this.finalNorm = arrays.get(FINAL_NORM);
        params.add(finalNorm);
        views.put(FINAL_NORM, finalNorm);
        if (config.tieWordEmbeddings()) {
            this.lmHead = embedding;
        } else {
            this.lmHead = arrays.get(LM_HEAD);
            params.add(lmHead);
            views.put(LM_HEAD, lmHead);
        }
        this.layers = List.copyOf(ls);
        this.parameters = List.copyOf(params);
        this.byName = views;
        // long-lived: never closed by an NDScope the caller happens to be in
        parameters.forEach(NDScope::unregister);
        views.values().forEach(NDScope::unregister);
    }

    /**
     * Wraps loaded arrays; takes ownership of {@code manager}, which must own them. For checkpoint
     * readers: {@code arrays} must hold every tensor of {@link #shapes(LlamaConfig)} with its shape.
     */
    public static LlamaWeights fromArrays(LlamaConfig config, NDManager manager, Map<String, NDArray> arrays) {
        for (Map.Entry<String, long[]> e : shapes(config).entrySet()) {
            NDArray a = arrays.get(e.getKey());
            if (a != null && !java.util.Arrays.equals(a.getShape().getShape(), e.getValue())) {
                throw new IllegalArgumentException("tensor " + e.getKey() + " has shape " + a.getShape()
                        + ", expected " + java.util.Arrays.toString(e.getValue()));
            }
        }
        return new LlamaWeights(config, manager, arrays);
    }

    /** Every tensor this config needs, by Hugging Face name, with its shape, in canonical order. */
    public static Map<String, long[]> shapes(LlamaConfig c) {
        long C = c.hiddenSize();
        long qd = (long) c.numAttentionHeads() * c.headDim();
        long kvd = (long) c.numKeyValueHeads() * c.headDim();
        long F = c.intermediateSize();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(EMBED, new long[] {c.vocabSize(), C});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[] {C});
            m.put(p + "self_attn.q_proj.weight", new long[] {qd, C});
            m.put(p + "self_attn.k_proj.weight", new long[] {kvd, C});
            m.put(p + "self_attn.v_proj.weight", new long[] {kvd, C});
            if (c.qkvBias()) {
                m.put(p + "self_attn.q_proj.bias", new long[] {qd});
                m.put(p + "self_attn.k_proj.bias", new long[] {kvd});
                m.put(p + "self_attn.v_proj.bias", new long[] {kvd});
            }
            m.put(p + "self_attn.o_proj.weight", new long[] {C, qd});
            if (c.oProjBias()) {
                m.put(p + "self_attn.o_proj.bias", new long[] {C});
            }
            m.put(p + "post_attention_layernorm.weight", new long[] {C});
            m.put(p + "mlp.gate_proj.weight", new long[] {F, C});
            m.put(p + "mlp.up_proj.weight", new long[] {F, C});
            m.put(p + "mlp.down_proj.weight", new long[] {C, F});
        }
        m.put(FINAL_NORM, new long[] {C});
        if (!c.tieWordEmbeddings()) {
            m.put(LM_HEAD, new long[] {c.vocabSize(), C});
        }
        return m;
    }

    /**
     * Freshly initialised weights, reproducible from {@code seed}: norms 1, biases 0, matrices N(0, 0.02), the
     * two projections that write into the residual stream (o_proj, down_proj) scaled by 1/sqrt(2L)
     * as in GPT-2, so the residual stream's variance does not grow with depth.
     */
    public static LlamaWeights initialize(LlamaConfig config, NDManager parent, long seed) {
        NDManager manager = parent.newSubManager();
        SplittableRandom rng = new SplittableRandom(seed);
        double residualStd = 0.02 / Math.sqrt(2.0 * config.numHiddenLayers());
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes(config).entrySet()) {
            long[] shape = e.getValue();
            int n = Math.toIntExact(new Shape(shape).size());
            float[] data = new float[n];
            String name = e.getKey();
            if (name.endsWith(".bias")) {
                // zeros, as nn.Linear's biases in transformers' init; no draw from rng, so the other tensors
                // get the values they get without biases
            } else if (shape.length == 1) {
                java.util.Arrays.fill(data, 1f);
            } else {
                double std = name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight") ? residualStd : 0.02;
                for (int i = 0; i < n; i++) {
                    data[i] = (float) (nextGaussian(rng) * std);
                }
            }
            arrays.put(name, Tensors.of(manager, data, new Shape(shape)));
        }
        return new LlamaWeights(config, manager, arrays);
    }

    private static double nextGaussian(SplittableRandom rng) {
        // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** A deep copy on a new sub-manager of {@code parent}: e.g. the frozen DPO reference. */
    public LlamaWeights copy(NDManager parent) {
        NDManager m = parent.newSubManager();
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : byName.entrySet()) {
            NDArray c = e.getValue().duplicate();
            c.attach(m);
            arrays.put(e.getKey(), c);
        }
        return new LlamaWeights(config, m, arrays);
    }

    /**
     * The same weights as other leaves: every parameter a detached alias of this one's (same storage, no
     * copy) on a new sub-manager of this one's manager. Gradients recorded through the aliases go to their
     * own buffers, while in-place updates of these weights (an optimiser step) are what the aliases read:
     * the weights of a training shard computed beside this set ({@link io.rlrf.model.train.PolicyTrainer}).
     * Only for computing: {@link #byName()} of an alias set is empty (it is never saved); close it before
     * this set.
     */
    public LlamaWeights aliases() {
        NDManager m = manager.newSubManager();
        Map<NDArray, NDArray> alias = new IdentityHashMap<>();
        for (NDArray p : parameters) {
            NDArray a = p.stopGradient(); // detach(): shares p's storage
            a.attach(m);
            alias.put(p, a);
        }
        return new LlamaWeights(this, m, alias);
    }

    /** An alias set of {@code origin} ({@link #aliases()}). */
    private LlamaWeights(LlamaWeights origin, NDManager manager, Map<NDArray, NDArray> alias) {
        this.config = origin.config;
        this.manager = manager;
        List<Layer> ls = new ArrayList<>();
        for (Layer l : origin.layers) {
            ls.add(new Layer(alias.get(l.inputNorm()), alias.get(l.qkv()), alias.get(l.o()), alias.get(l.postAttentionNorm()),
                    alias.get(l.gateUp()), alias.get(l.down()), l.qkvBias() == null ? null : alias.get(l.qkvBias()),
                    l.oBias() == null ? null : alias.get(l.oBias())));
        }
        this.layers = List.copyOf(ls);
        this.embedding = alias.get(origin.embedding);
        this.finalNorm = alias.get(origin.finalNorm);
        this.lmHead = alias.get(origin.lmHead);
        this.parameters = origin.parameters.stream().map(alias::get).toList();
        this.byName = Map.of();
        parameters.forEach(NDScope::unregister);
    }

    /** The trainable tensors (fused projections included), each once: what an optimiser updates. */
    public List<NDArray> parameters() {
        return parameters;
    }

    public LlamaConfig config() {
        return config;
    }

    public NDManager manager() {
        return manager;
    }

    /**
     * All tensors by Hugging Face name, canonical order (what a checkpoint holds). Fused projections
     * appear as their row-range views, which share storage with {@link #parameters()}.
     */
    public Map<String, NDArray> byName() {
        return Collections.unmodifiableMap(byName);
    }

    public List<Layer> layers() {
        return layers;
    }

    public NDArray embedding() {
        return embedding; // (V, C)
    }

    public NDArray finalNorm() {
        return finalNorm; // (C)
    }

    /** The LM head, {@code (V, C)}: the embedding when tied. */
    public NDArray lmHead() {
        return lmHead;
    }

    /** Marks every parameter as trainable (or frozen). */
    public void setRequiresGradient(boolean requires) {
        for (NDArray a : parameters) {
            a.setRequiresGradient(requires);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
