package io.rlrf.model.lora;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import ai.djl.pytorch.jni.JniUtils;

import io.rlrf.model.GradMode;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.LlamaWeights;
import io.rlrf.model.Tensors;

/**
 * The tensors of one LoRA adapter (Hu et al. 2021) for a {@link LlamaConfig} network: for each
 * targeted Hugging Face module of each block, {@code A (r, in)} and {@code B (out, r)}, named as PEFT
 * saves them ({@code base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight}), owned by one
 * {@link NDManager}. The base weights are not part of it: an adapter is applied to a base by
 * {@link io.rlrf.model.nn.LlamaModel#withAdapter}, and {@link #mergeInto} adds it to a copy of one.
 *
 * <p>The base stores q/k/v and gate/up fused ({@link LlamaWeights.Layer#qkv()}, {@code gateUp}), so
 * the adapter is grouped the same way ({@link Projection}): the A matrices of a fused projection's
 * targeted modules are stacked, {@code (k*r, in)}, and their B matrices placed on a block-structured
 * {@code (out, k*r)} matrix (module m's B in its own rows and its own r columns, zeros elsewhere,
 * untargeted modules' rows all zero), so the update of a fused projection is two matmuls whatever
 * is targeted, and equals the per-module updates PEFT computes.
 */
public final class LoraWeights implements AutoCloseable {

    /** PEFT's prefix of every tensor name of a causal LM adapter ({@code PeftModelForCausalLM.base_model.model}). */
    public static final String PEFT_PREFIX = "base_model.model.";

    private static final List<String> ATTENTION_MODULES = List.of("q_proj", "k_proj", "v_proj", "o_proj");

    private final LlamaConfig config;
    private final LoraConfig lora;
    private final NDManager manager;
    private final List<Layer> layers;
    private final Map<String, NDArray> byName;
    private final List<NDArray> parameters;
    private final NDArray scaling; // () alpha / r, libtorch-owned (autograd saves it)

    /** One block's adapters, one {@link Projection} per fused base matrix; null where nothing is targeted. */
    public record Layer(Projection qkv, Projection o, Projection gateUp, Projection down) {
    }

    /**
     * The adapter of one fused base projection.
     *
     * @param modules the Hugging Face modules whose rows the fused matrix holds, in order
     * @param rows    each module's number of output rows
     * @param a       each module's A, (r, in), or null where it is not targeted
     * @param b       each module's B, (rows, r), or null where it is not targeted
     */
    public record Projection(List<String> modules, long[] rows, List<NDArray> a, List<NDArray> b) {

        /**
         * The stacked down-projection: the targeted modules' A matrices, one under the other.
         *
         * @return (k*r, in)
         */
        NDArray stackedA() {
            List<NDArray> targeted = a.stream().filter(x -> x != null).toList();
            return targeted.size() == 1 ? targeted.get(0) : NDArrays.concat(new NDList(targeted), 0);
        }

        /**
         * The block-structured up-projection: targeted module j's B in its rows and in columns
         * [j*r, (j+1)*r), zeros elsewhere.
         *
         * @return (out, k*r)
         */
        NDArray blockB() {
            List<NDArray> targeted = b.stream().filter(x -> x != null).toList();
            if (targeted.size() == 1 && modules.size() == 1) {
                return targeted.get(0); // o_proj, down_proj: the module is the whole matrix
            }
            int k = targeted.size();
            long r = targeted.get(0).getShape().get(1);
            NDManager m = targeted.get(0).getManager();
            NDList rowBlocks = new NDList();
            int j = 0;
            for (int i = 0; i < modules.size(); i++) {
                NDArray bi = b.get(i);
                if (bi == null) {
                    rowBlocks.add(m.zeros(new Shape(rows[i], k * r))); // (rows_i, k*r): not adapted
                    continue;
                }
                NDList cols = new NDList();
                if (j > 0) {
                    cols.add(m.zeros(new Shape(rows[i], j * r)));
                }
                cols.add(bi); // (rows_i, r)
                if (j < k - 1) {
                    cols.add(m.zeros(new Shape(rows[i], (k - 1 - j) * r)));
                }
                rowBlocks.add(cols.size() == 1 ? bi : NDArrays.concat(cols, 1)); // (rows_i, k*r)
                j++;
            }
            return NDArrays.concat(rowBlocks, 0); // (out, k*r)
        }

        /**
         * The adapter's contribution to the projection's output, {@code (alpha / r) B A dropout(x)}.
         *
         * @param x       (B, T, in), the projection's input
         * @param scaling () alpha / r
         * @param dropout the dropout rate, applied only while gradients are recorded (training)
         * @return (B, T, out)
         */
        public NDArray delta(NDArray x, NDArray scaling, float dropout) {
            // 1. dropout on the adapter's input (not on the base's), while training only; one mask for
            //    the modules of a fused projection, where PEFT draws one per module
            if (dropout > 0 && JniUtils.isGradMode()) {
                x = Dropout.dropout(x, dropout, true).singletonOrThrow(); // (B, T, in)
            }
            // 2. down-projection by every targeted module's A in one matmul
            NDArray ax = x.matMul(stackedA().transpose()); // (B, T, k*r)
            // 3. scale the small rank-space activations, not the (B, T, out) output
            ax = ax.mul(scaling); // (B, T, k*r)
            // 4. up-projection by the block-structured B: each module's rows see only its own r columns
            return ax.matMul(blockB().transpose()); // (B, T, out)
        }

        /**
         * The dense update this adapter adds to the fused matrix, {@code (alpha / r) B A}.
         *
         * @return (out, in)
         */
        NDArray weightDelta(NDArray scaling) {
            return blockB().matMul(stackedA()).mul(scaling); // (out, k*r) x (k*r, in) = (out, in)
        }
    }

    private LoraWeights(LlamaConfig config, LoraConfig lora, NDManager manager, Map<String, NDArray> arrays) {
        this.config = config;
        this.lora = lora;
        this.manager = manager;
        Map<String, long[]> shapes = shapes(config, lora);
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            NDArray a = arrays.get(e.getKey());
            if (a == null) {
                throw new IllegalArgumentException("adapter tensor " + e.getKey() + " is missing (expected shape "
                        + Arrays.toString(e.getValue()) + ")");
            }
            if (!Arrays.equals(a.getShape().getShape(), e.getValue())) {
                throw new IllegalArgumentException("adapter tensor " + e.getKey() + " has shape " + a.getShape()
                        + ", expected " + Arrays.toString(e.getValue()));
            }
        }
        for (String name : arrays.keySet()) {
            if (!shapes.containsKey(name)) {
                throw new IllegalArgumentException("adapter tensor " + name + " is not one of this adapter's (target_modules "
                        + lora.targetModules() + ", " + config.numHiddenLayers() + " layers)");
            }
        }
        Map<String, NDArray> named = new LinkedHashMap<>();
        for (String name : shapes.keySet()) {
            named.put(name, arrays.get(name));
        }
        long C = config.hiddenSize();
        long qd = (long) config.numAttentionHeads() * config.headDim();
        long kvd = (long) config.numKeyValueHeads() * config.headDim();
        long F = config.intermediateSize();
        List<Layer> ls = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            ls.add(new Layer(projection(named, i, List.of("q_proj", "k_proj", "v_proj"), new long[] {qd, kvd, kvd}),
                    projection(named, i, List.of("o_proj"), new long[] {C}),
                    projection(named, i, List.of("gate_proj", "up_proj"), new long[] {F, F}),
                    projection(named, i, List.of("down_proj"), new long[] {C})));
        }
        this.layers = List.copyOf(ls);
        this.byName = named;
        this.parameters = List.copyOf(named.values());
        this.scaling = Tensors.scalar(manager, (float) lora.scaling());
        // long-lived: never closed by an NDScope the caller happens to be in
        parameters.forEach(NDScope::unregister);
        NDScope.unregister(scaling);
    }

    private Projection projection(Map<String, NDArray> named, int layer, List<String> modules, long[] rows) {
        List<NDArray> a = new ArrayList<>();
        List<NDArray> b = new ArrayList<>();
        boolean any = false;
        for (String m : modules) {
            boolean t = lora.targets(m);
            any |= t;
            a.add(t ? named.get(name(layer, m, "A")) : null);
            b.add(t ? named.get(name(layer, m, "B")) : null);
        }
        return any ? new Projection(modules, rows, Collections.unmodifiableList(a), Collections.unmodifiableList(b)) : null;
    }

    /** PEFT's name of a tensor: {@code base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight}. */
    public static String name(int layer, String module, String aOrB) {
        String block = ATTENTION_MODULES.contains(module) ? "self_attn." : "mlp.";
        return PEFT_PREFIX + "model.layers." + layer + "." + block + module + ".lora_" + aOrB + ".weight";
    }

    /** Every tensor of an adapter, by PEFT name, with its shape: A (r, in), B (out, r). */
    public static Map<String, long[]> shapes(LlamaConfig c, LoraConfig lora) {
        long C = c.hiddenSize();
        long qd = (long) c.numAttentionHeads() * c.headDim();
        long kvd = (long) c.numKeyValueHeads() * c.headDim();
        long F = c.intermediateSize();
        Map<String, long[]> inOut = new LinkedHashMap<>(); // module -> {in, out}
        inOut.put("q_proj", new long[] {C, qd});
        inOut.put("k_proj", new long[] {C, kvd});
        inOut.put("v_proj", new long[] {C, kvd});
        inOut.put("o_proj", new long[] {qd, C});
        inOut.put("gate_proj", new long[] {C, F});
        inOut.put("up_proj", new long[] {C, F});
        inOut.put("down_proj", new long[] {F, C});
        Map<String, long[]> m = new LinkedHashMap<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            for (String module : lora.targetModules()) {
                long[] io = inOut.get(module);
                m.put(name(i, module, "A"), new long[] {lora.r(), io[0]});
                m.put(name(i, module, "B"), new long[] {io[1], lora.r()});
            }
        }
        return m;
    }

    /**
     * A fresh adapter as PEFT initialises one: A ~ U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's
     * {@code kaiming_uniform_(a=sqrt(5))}, nn.Linear's default), B = 0, so the adapted network computes
     * exactly what the base does until B is trained. Reproducible from {@code seed}.
     */
    public static LoraWeights initialize(LlamaConfig config, LoraConfig lora, NDManager parent, long seed) {
        NDManager manager = parent.newSubManager();
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes(config, lora).entrySet()) {
            long[] shape = e.getValue();
            float[] data = new float[Math.toIntExact(shape[0] * shape[1])];
            if (e.getKey().endsWith("lora_A.weight")) {
                double bound = 1.0 / Math.sqrt(shape[1]);
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
                }
            }
            arrays.put(e.getKey(), Tensors.of(manager, data, new Shape(shape)));
        }
        return new LoraWeights(config, lora, manager, arrays);
    }

    /**
     * Wraps loaded arrays (PEFT names); takes ownership of {@code manager}, which must own them. They
     * must be exactly {@link #shapes}: a missing, extra or mis-shaped tensor is an error naming it.
     */
    public static LoraWeights fromArrays(LlamaConfig config, LoraConfig lora, NDManager manager,
            Map<String, NDArray> arrays) {
        return new LoraWeights(config, lora, manager, arrays);
    }

    /**
     * Adds {@code (alpha / r) B A} to every targeted fused matrix of {@code base} in place: after it,
     * {@code base} alone computes what base + adapter computed. Use it on a copy.
     */
    public void mergeInto(LlamaWeights base) {
        if (!base.config().equals(config)) {
            throw new IllegalArgumentException("this adapter was made for another config than the weights it is merged into");
        }
        GradMode.withoutGradients(() -> {
            for (int i = 0; i < layers.size(); i++) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    Layer a = layers.get(i);
                    LlamaWeights.Layer w = base.layers().get(i);
                    addInPlace(w.qkv(), a.qkv());
                    addInPlace(w.o(), a.o());
                    addInPlace(w.gateUp(), a.gateUp());
                    addInPlace(w.down(), a.down());
                }
            }
            return null;
        });
    }

    private void addInPlace(NDArray fused, Projection p) {
        if (p != null) {
            fused.addi(p.weightDelta(scaling)); // (out, in)
        }
    }

    public LlamaConfig config() {
        return config;
    }

    public LoraConfig lora() {
        return lora;
    }

    public NDManager manager() {
        return manager;
    }

    public List<Layer> layers() {
        return layers;
    }

    /** () alpha / r, to multiply the rank-space activations by. */
    public NDArray scaling() {
        return scaling;
    }

    /** The dropout rate as the forward pass applies it. */
    public float dropout() {
        return (float) lora.dropout();
    }

    /** Every A and B by PEFT name, in canonical order (layer, module, A then B). */
    public Map<String, NDArray> byName() {
        return Collections.unmodifiableMap(byName);
    }

    /** The trainable tensors: every A and B. */
    public List<NDArray> parameters() {
        return parameters;
    }

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
