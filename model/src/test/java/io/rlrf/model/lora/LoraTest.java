package io.rlrf.model.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import io.rlrf.model.Fixtures;
import io.rlrf.model.GradMode;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.Tensors;
import io.rlrf.model.nn.AttentionMask;
import io.rlrf.model.nn.LlamaModel;
import io.rlrf.model.train.DpoParams;
import io.rlrf.model.train.DpoStats;
import io.rlrf.model.train.DpoTrainer;
import io.rlrf.model.train.OptimizerParams;
import io.rlrf.model.train.PreferencePair;

/** LoRA: B = 0 is the base, training touches the adapter only, merging is exact, the reference is the base. */
class LoraTest {

    static final LoraConfig ALL = LoraConfig.allProjections(4, 8, 0);
    /** Parts of both fused projections: q and v of q/k/v, gate of gate/up, and down. */
    static final LoraConfig SOME = new LoraConfig(2, 5, 0, List.of("v_proj", "q_proj", "gate_proj", "down_proj"));

    @Test
    void anAdapterAtInitialisationGivesExactlyTheBaseLogits() throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 1)) {
            float[] base = logits(policy.model());
            policy.newAdapter(ALL, 7);
            float[] adapted = logits(policy.model());
            assertArrayEquals(base, adapted, "B = 0: the adapter adds exactly nothing");
        }
    }

    @Test
    void afterOneDpoStepOnlyAdapterTensorsChangedAndTheReferenceIsTheBase() throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 2)) {
            Map<String, float[]> baseBefore = snapshot(policy.weights().byName());
            float[] baseLogits = logits(policy.model());
            LoraWeights adapter = policy.newAdapter(ALL, 3);
            Map<String, float[]> adapterBefore = snapshot(adapter.byName());
            LlamaModel reference = policy.model().withoutAdapter();
            DpoStats stats;
            try (DpoTrainer trainer = new DpoTrainer(policy.model(), new DpoParams(0.1, 0),
                    OptimizerParams.of(1e-3, 0, 100).withMaxGradNorm(0), 4)) {
                stats = trainer.step(DpoTrainer.score(reference, pairs(8, 5), 8));
            }
            assertEquals(Math.log(2), stats.loss(), 1e-6, "policy (B = 0) equals its reference: ln 2");
            Map<String, float[]> baseAfter = snapshot(policy.weights().byName());
            for (String name : baseBefore.keySet()) {
                assertArrayEquals(baseBefore.get(name), baseAfter.get(name), name + " is a base tensor: bit-identical");
            }
            for (NDArray p : policy.weights().parameters()) {
                assertFalse(p.hasGradient() && p.getGradient().abs().max().getFloat() > 0, "the base got a gradient");
            }
            Map<String, float[]> adapterAfter = snapshot(adapter.byName());
            for (String name : adapterBefore.keySet()) {
                if (name.endsWith("lora_B.weight")) {
                    assertTrue(maxDiff(adapterBefore.get(name), adapterAfter.get(name)) > 0, name + " did not change");
                }
            }
            assertArrayEquals(baseLogits, logits(reference), "adapters off: exactly the base");
            assertTrue(maxDiff(baseLogits, logits(policy.model())) > 0, "adapters on: the trained policy differs");
        }
    }

    @Test
    void adaptersAloneLearnAToyPreferenceSet() throws Exception {
        // as DpoTrainerTest's full fine-tuning check: the implicit reward accuracy rises above 90%
        List<PreferencePair> train = pairs(32, 17);
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 4)) {
            policy.newAdapter(LoraConfig.allProjections(8, 16, 0), 5);
            LlamaModel reference = policy.model().withoutAdapter();
            try (DpoTrainer trainer = new DpoTrainer(policy.model(), new DpoParams(0.1, 0), OptimizerParams.of(1e-2, 2, 10), 16)) {
                var scored = DpoTrainer.score(reference, train, 16);
                DpoStats first = trainer.step(scored);
                DpoStats last = first;
                for (int epoch = 1; epoch < 10; epoch++) {
                    last = trainer.step(scored);
                }
                assertEquals(Math.log(2), first.loss(), 1e-6);
                assertTrue(last.rewardAccuracy() > 0.9, "accuracy " + last.rewardAccuracy());
                assertTrue(last.loss() < first.loss(), "loss fell: " + first.loss() + " -> " + last.loss());
            }
        }
    }

    @Test
    void mergedWeightsGiveTheLogitsOfBasePlusAdapter() throws Exception {
        for (LoraConfig lora : List.of(ALL, SOME)) {
            try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 4)) {
                policy.attachAdapter(random(policy, lora, 11));
                float[] adapted = logits(policy.model());
                try (Policy merged = policy.copy()) {
                    assertFalse(merged.adapter().isPresent());
                    float[] m = logits(merged.model());
                    assertTrue(maxDiff(adapted, m) < 1e-5, lora.targetModules() + ": " + maxDiff(adapted, m));
                    assertTrue(maxDiff(logits(policy.baseModel()), m) > 1e-3, "the adapter changes the logits");
                }
            }
        }
    }

    @Test
    void mergeAddsEachTargetedModulesProductToItsOwnRowsOnly() throws Exception {
        LlamaConfig c = Fixtures.tiny(false);
        try (Policy policy = Policy.initialize(c, null, 5)) {
            LoraWeights adapter = random(policy, SOME, 12);
            policy.attachAdapter(adapter);
            Map<String, float[]> base = snapshot(policy.weights().byName());
            try (Policy merged = policy.copy()) {
                Map<String, float[]> after = snapshot(merged.weights().byName());
                for (int l = 0; l < c.numHiddenLayers(); l++) {
                    for (String module : LoraConfig.MODULES) {
                        String block = List.of("q_proj", "k_proj", "v_proj", "o_proj").contains(module) ? "self_attn." : "mlp.";
                        String w = "model.layers." + l + "." + block + module + ".weight";
                        float[] expected = base.get(w).clone();
                        if (SOME.targets(module)) {
                            // naive reference: W += (alpha / r) B A, one module at a time, in double on the host
                            NDArray a = adapter.byName().get(LoraWeights.name(l, module, "A"));
                            NDArray b = adapter.byName().get(LoraWeights.name(l, module, "B"));
                            int r = SOME.r();
                            int in = (int) a.getShape().get(1);
                            int out = (int) b.getShape().get(0);
                            float[] av = a.toFloatArray();
                            float[] bv = b.toFloatArray();
                            for (int o = 0; o < out; o++) {
                                for (int i = 0; i < in; i++) {
                                    double s = 0;
                                    for (int k = 0; k < r; k++) {
                                        s += (double) bv[o * r + k] * av[k * in + i];
                                    }
                                    expected[o * in + i] += (float) (SOME.scaling() * s);
                                }
                            }
                        }
                        float[] actual = after.get(w);
                        for (int i = 0; i < expected.length; i++) {
                            assertEquals(expected[i], actual[i], 1e-6, w + "[" + i + "]");
                        }
                    }
                }
            }
        }
    }

    @Test
    void oneLoadedBaseServesTwoAdaptersSideBySide() throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 6)) {
            try (LoraWeights one = random(policy, ALL, 21); LoraWeights two = random(policy, SOME, 22)) {
                float[] viaOne = logits(policy.model().withAdapter(one));
                float[] viaTwo = logits(policy.model().withAdapter(two));
                assertTrue(maxDiff(viaOne, viaTwo) > 1e-3);
                assertArrayEquals(viaOne, logits(policy.model().withAdapter(one)), "a view is a pure function of base + adapter");
            }
        }
    }

    @Test
    void savedAdapterLoadsBackTensorForTensorUnderPeftsNames(@TempDir Path tmp) throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 7)) {
            LoraWeights adapter = random(policy, SOME, 31);
            policy.attachAdapter(adapter);
            Map<String, float[]> saved = snapshot(adapter.byName());
            float[] adapted = logits(policy.model());
            Path dir = tmp.resolve("adapter");
            policy.saveAdapter(dir, "models/base-v0", Map.of());
            assertTrue(Files.isRegularFile(dir.resolve(PeftAdapter.CONFIG)));
            assertTrue(Files.isRegularFile(dir.resolve(PeftAdapter.WEIGHTS)));
            String pattern = "base_model\\.model\\.model\\.layers\\.\\d+\\.(self_attn\\.(q|k|v|o)_proj|mlp\\.(gate|up|down)_proj)"
                    + "\\.lora_(A|B)\\.weight";
            for (String name : saved.keySet()) {
                assertTrue(name.matches(pattern), name);
            }
            assertTrue(saved.containsKey("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight"));
            assertTrue(saved.containsKey("base_model.model.model.layers.0.mlp.down_proj.lora_B.weight"));
            PeftAdapter.Description d = PeftAdapter.readConfig(dir);
            assertEquals(SOME, d.lora());
            assertEquals("models/base-v0", d.baseModelNameOrPath());
            String json = Files.readString(dir.resolve(PeftAdapter.CONFIG));
            for (String field : List.of("\"peft_type\": \"LORA\"", "\"task_type\": \"CAUSAL_LM\"", "\"bias\": \"none\"",
                    "\"r\": 2", "\"lora_alpha\": 5", "\"lora_dropout\": 0.0")) {
                assertTrue(json.contains(field), field + " in " + json);
            }
            policy.detachAdapter();
            LoraWeights loaded = policy.loadAdapter(dir);
            assertEquals(saved.keySet(), loaded.byName().keySet());
            Map<String, float[]> back = snapshot(loaded.byName());
            for (String name : saved.keySet()) {
                assertArrayEquals(saved.get(name), back.get(name), name);
            }
            assertArrayEquals(adapted, logits(policy.model()));
        }
    }

    @Test
    void aMergedExportReloadsToTheSameLogits(@TempDir Path tmp) throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(true), null, 8)) {
            policy.attachAdapter(random(policy, ALL, 41));
            float[] adapted = logits(policy.model());
            Path dir = tmp.resolve("merged");
            policy.save(dir, Map.of());
            assertFalse(Files.exists(dir.resolve(PeftAdapter.CONFIG)), "a merged export is a plain checkpoint");
            try (Policy reloaded = Policy.load(dir)) {
                assertFalse(reloaded.adapter().isPresent());
                assertTrue(maxDiff(adapted, logits(reloaded.model())) < 1e-5);
            }
        }
    }

    @Test
    void adapterFilesPeftCanWriteButThisProjectCannotRunAreRefusedNamingTheField(@TempDir Path tmp) throws Exception {
        String good = PeftAdapter.configJson(SOME, "base");
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("use_dora", good.replace("\"use_dora\": false", "\"use_dora\": true"));
        bad.put("target_modules", good.replaceAll("(?s)\"target_modules\": \\[.*?\\]", "\"target_modules\": \".*proj\""));
        bad.put("bias", good.replace("\"bias\": \"none\"", "\"bias\": \"all\""));
        bad.put("peft_type", good.replace("\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\""));
        bad.put("modules_to_save", good.replace("\"modules_to_save\": null", "\"modules_to_save\": [\"lm_head\"]"));
        bad.put("lm_head", good.replace("\"gate_proj\"", "\"lm_head\""));
        for (Map.Entry<String, String> e : bad.entrySet()) {
            Path dir = Files.createDirectories(tmp.resolve(e.getKey()));
            Files.writeString(dir.resolve(PeftAdapter.CONFIG), e.getValue());
            Exception ex = assertThrows(Exception.class, () -> PeftAdapter.readConfig(dir), e.getKey());
            assertTrue(ex.getMessage().contains(e.getKey()), ex.getMessage());
        }
    }

    @Test
    void badLoraSettingsAreRejectedNamingTheSetting() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LoraConfig(0, 8, 0, List.of("q_proj")))
                .getMessage().contains("r must be"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LoraConfig(4, 0, 0, List.of("q_proj")))
                .getMessage().contains("alpha"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LoraConfig(4, 8, 1, List.of("q_proj")))
                .getMessage().contains("dropout"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LoraConfig(4, 8, 0, List.of()))
                .getMessage().contains("target_modules"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LoraConfig(4, 8, 0, List.of("qkv")))
                .getMessage().contains("'qkv'"));
    }

    @Test
    void dropoutActsWhileTrainingOnlyAndNeverChangesTheBaseAtInitialisation() throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 9)) {
            policy.attachAdapter(random(policy, new LoraConfig(4, 8, 0.5, LoraConfig.MODULES), 51));
            float[] a = logits(policy.model());
            float[] b = logits(policy.model());
            assertArrayEquals(a, b, "inference (no gradients): no dropout, deterministic");
        }
    }

    // --- helpers

    /** An adapter with A and B both random (a trained one), so that merging has something to add. */
    static LoraWeights random(Policy policy, LoraConfig lora, long seed) {
        NDManager m = policy.weights().manager().newSubManager();
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : LoraWeights.shapes(policy.config(), lora).entrySet()) {
            float[] data = new float[(int) (e.getValue()[0] * e.getValue()[1])];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) (rng.nextDouble() - 0.5) * 0.2f;
            }
            arrays.put(e.getKey(), Tensors.of(m, data, new Shape(e.getValue())));
        }
        return LoraWeights.fromArrays(policy.config(), lora, m, arrays);
    }

    /** Logits of a fixed batch of two sequences, causal full pass, without gradients. */
    static float[] logits(LlamaModel model) {
        return GradMode.withoutGradients(() -> {
            NDManager m = model.weights().manager();
            int b = 2;
            int t = 6;
            long[] tokens = {1, 5, 9, 13, 17, 21, 1, 30, 3, 7, 11, 2};
            long[] positions = {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5};
            boolean[][] real = new boolean[b][t];
            for (boolean[] row : real) {
                java.util.Arrays.fill(row, true);
            }
            try (NDManager scope = m.newSubManager()) {
                NDArray out = model.forward(Tensors.of(m, tokens, new Shape(b, t)), Tensors.of(m, positions, new Shape(b, t)),
                        AttentionMask.bias(m, real, 0, t), null, 0, false);
                return out.toFloatArray();
            }
        });
    }

    static Map<String, float[]> snapshot(Map<String, NDArray> arrays) {
        Map<String, float[]> out = new LinkedHashMap<>();
        arrays.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    static float maxDiff(float[] a, float[] b) {
        float d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    static List<PreferencePair> pairs(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = {1, 4 + rng.nextInt(30), 4 + rng.nextInt(30), 4 + rng.nextInt(30)};
            int[] chosen = {prompt[1], prompt[2], prompt[3], 2};
            int[] rejected = {4 + rng.nextInt(30), 4 + rng.nextInt(30), 2};
            out.add(new PreferencePair(prompt, chosen, rejected));
        }
        return out;
    }
}
