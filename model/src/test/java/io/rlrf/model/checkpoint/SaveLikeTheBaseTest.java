package io.rlrf.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import io.rlrf.model.Engines;
import io.rlrf.model.GradMode;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.LlamaWeights;
import io.rlrf.model.Policy;
import io.rlrf.model.Tensors;
import io.rlrf.model.nn.AttentionMask;
import io.rlrf.model.nn.LlamaModel;

/**
 * A checkpoint saved from a loaded base loads with the tools that loaded the base: the base's dtype,
 * its config.json, its tokenizer and generation files, shards above the size limit. Uses the
 * architecture fixtures of {@code src/test/resources/fixtures}.
 */
class SaveLikeTheBaseTest {

    static final int[] PROBE = {1, 7, 3, 9, 30, 12, 5, 60, 41, 8, 2, 17, 33, 4, 21, 50, 6, 11, 3, 9};

    @TempDir
    Path tmp;

    static Path fixture(String name) {
        try {
            return Path.of(SaveLikeTheBaseTest.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void bf16SaveReloadsAsTheBf16RoundedModel() throws Exception {
        Path dir = forPyTorchCheck("llama-bias-bf16");
        float[] saved;
        try (Policy p = Policy.load(fixture("llama-bias"))) { // float32 weights, biases on q, k, v, o
            p.save(dir, Map.of(), Map.of(), SaveOptions.DEFAULT.withDtype(Dtype.BF16));
            saved = roundedLogits(p.weights(), Dtype.BF16);
        }
        assertEquals("bfloat16", config(dir).get("torch_dtype").getAsString());
        try (Safetensors.File st = Safetensors.open(dir.resolve(Checkpoint.WEIGHTS))) {
            st.entries().values().forEach(e -> assertEquals("BF16", e.dtype(), e.name()));
        }
        try (Policy q = Policy.load(dir)) {
            assertArrayEquals(saved, logits(q.model(), PROBE), "the same float32 values give the same logits");
            writeLogits(dir, saved, q.config().vocabSize());
        }
    }

    @Test
    void aShardedSaveReloadsIdentically() throws Exception {
        Path dir = forPyTorchCheck("qwen2-bf16-sharded");
        float[] before;
        Map<String, float[]> tensors = new LinkedHashMap<>();
        try (Policy p = Policy.load(fixture("qwen2"))) { // bf16 on disk: the default save is bf16 too
            before = logits(p.model(), PROBE);
            p.weights().byName().forEach((name, a) -> tensors.put(name, a.toFloatArray()));
            p.save(dir, Map.of(), Map.of(), SaveOptions.DEFAULT.withMaxShardBytes(16_000));
        }
        // the layout transformers writes: numbered shards and an index of every tensor
        JsonObject index = JsonParser.parseString(Files.readString(dir.resolve(Checkpoint.WEIGHTS_INDEX))).getAsJsonObject();
        JsonObject weightMap = index.getAsJsonObject("weight_map");
        assertEquals(tensors.keySet(), weightMap.keySet());
        List<String> shards;
        try (Stream<Path> s = Files.list(dir)) {
            shards = s.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".safetensors")).sorted().toList();
        }
        assertTrue(shards.size() >= 3, "44 KB of bf16 in 16 KB shards: " + shards);
        assertFalse(Files.exists(dir.resolve(Checkpoint.WEIGHTS)), "no single file beside the shards");
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
            assertEquals(String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size()), shards.get(i));
            try (Safetensors.File st = Safetensors.open(dir.resolve(shards.get(i)))) {
                for (Safetensors.Entry e : st.entries().values()) {
                    assertEquals("BF16", e.dtype());
                    assertEquals(shards.get(i), weightMap.get(e.name()).getAsString(), e.name());
                    total += e.end() - e.begin();
                }
                assertTrue(Files.size(dir.resolve(shards.get(i))) < 16_000 + 4_000, shards.get(i) + " within the limit");
            }
        }
        assertEquals(total, index.getAsJsonObject("metadata").get("total_size").getAsLong());
        assertEquals("bfloat16", config(dir).get("torch_dtype").getAsString());
        try (Policy q = Policy.load(dir)) {
            q.weights().byName().forEach((name, a) -> assertArrayEquals(tensors.get(name), a.toFloatArray(), name));
            float[] after = logits(q.model(), PROBE);
            assertArrayEquals(before, after, "bf16 -> float32 -> bf16 is exact");
            writeLogits(dir, after, q.config().vocabSize());
        }
    }

    @Test
    void tokenizerAndGenerationFilesComeThroughByteIdentical() throws Exception {
        Path base = copyOf(fixture("qwen2"), tmp.resolve("base"));
        Map<String, byte[]> companions = new LinkedHashMap<>();
        companions.put("tokenizer_config.json", ("{\"chat_template\": \"{% for m in messages %}<|im_start|>{{ m.role }}\\n"
                + "{{ m.content }}<|im_end|>\\n{% endfor %}\", \"eos_token\": \"<|im_end|>\"}\n").getBytes(StandardCharsets.UTF_8));
        companions.put("generation_config.json", "{\"eos_token_id\": [2, 3], \"do_sample\": true}\n".getBytes(StandardCharsets.UTF_8));
        companions.put("special_tokens_map.json", "{\"eos_token\": \"<|im_end|>\"}\n".getBytes(StandardCharsets.UTF_8));
        companions.put("chat_template.jinja", "{{ messages[0].content }}".getBytes(StandardCharsets.UTF_8));
        companions.put("merges.txt", "#version: 0.2\nh e\n".getBytes(StandardCharsets.UTF_8));
        byte[] sentencePiece = new byte[3000];
        new SplittableRandom(5).nextBytes(sentencePiece); // binary: any byte may occur
        companions.put("tokenizer.model", sentencePiece);
        for (Map.Entry<String, byte[]> f : companions.entrySet()) {
            Files.write(base.resolve(f.getKey()), f.getValue());
        }
        Files.writeString(base.resolve("README.md"), "a model card: not a tokenizer or generation file\n");
        Path saved = tmp.resolve("saved");
        try (Policy p = Policy.load(base)) {
            p.save(saved, Map.of());
        }
        for (Map.Entry<String, byte[]> f : companions.entrySet()) {
            assertArrayEquals(f.getValue(), Files.readAllBytes(saved.resolve(f.getKey())), f.getKey());
        }
        assertArrayEquals(Files.readAllBytes(base.resolve(Checkpoint.CONFIG)), Files.readAllBytes(saved.resolve(Checkpoint.CONFIG)),
                "same dtype: the base's config.json unchanged");
        assertFalse(Files.exists(saved.resolve("README.md")));
    }

    @Test
    void configKeepsEveryFieldOfTheBaseAndStatesTheSavedDtype() throws Exception {
        Path saved = forPyTorchCheck("mistral-f16");
        try (Policy p = Policy.load(fixture("mistral"))) {
            p.save(saved, Map.of(), Map.of(), SaveOptions.DEFAULT.withDtype(Dtype.F16));
        }
        try (Policy q = Policy.load(saved)) {
            writeLogits(saved, logits(q.model(), PROBE), q.config().vocabSize());
        }
        JsonObject before = config(fixture("mistral"));
        JsonObject after = config(saved);
        assertEquals("float16", after.get("torch_dtype").getAsString());
        after.remove("torch_dtype");
        before.remove("torch_dtype");
        assertEquals(before, after, "sliding_window, head_dim, architectures... as the base had them");
        try (Safetensors.File st = Safetensors.open(saved.resolve(Checkpoint.WEIGHTS))) {
            st.entries().values().forEach(e -> assertEquals("F16", e.dtype(), e.name()));
        }
    }

    @Test
    void aFreshPolicySavesFloat32InOneFileWithItsOwnConfig() throws Exception {
        LlamaConfig config = LlamaConfig.of(40, 32, 64, 2, 4, 2, 64, true);
        Path dir = tmp.resolve("fresh");
        try (Policy p = Policy.initialize(config, null, 3)) {
            p.save(dir, Map.of());
        }
        assertEquals(config.toJson(), Files.readString(dir.resolve(Checkpoint.CONFIG)));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("config.json", "model.safetensors"), s.map(f -> f.getFileName().toString()).sorted().toList());
        }
        try (Safetensors.File st = Safetensors.open(dir.resolve(Checkpoint.WEIGHTS))) {
            st.entries().values().forEach(e -> assertEquals("F32", e.dtype(), e.name()));
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /**
     * A fresh path under {@code target/pytorch-check}, where {@code make_fixtures.py --check} can read what
     * Java saved after the tests: {@code /usr/bin/python3 src/test/python/make_fixtures.py --check
     * target/pytorch-check/<name> [--base src/test/resources/fixtures/<base>]}.
     */
    static Path forPyTorchCheck(String name) throws IOException {
        Path dir = Path.of("target/pytorch-check", name);
        deleteTree(dir);
        Files.createDirectories(dir.getParent());
        return dir;
    }

    /** What the PyTorch check compares with: Java's logits after reloading, for {@link #PROBE}. */
    static void writeLogits(Path dir, float[] logits, int vocab) throws IOException {
        Files.writeString(dir.resolve("logits.json"), new Gson().toJson(Map.of("sequences", List.of(PROBE),
                "logits", List.of(rows(logits, vocab)))));
    }

    /** Logits of {@code weights} with every tensor rounded to {@code dtype} first: (T, V). */
    static float[] roundedLogits(LlamaWeights weights, Dtype dtype) {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : weights.byName().entrySet()) {
                float[] v = e.getValue().toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    v[i] = dtype.round(v[i]);
                }
                arrays.put(e.getKey(), Tensors.of(m, v, e.getValue().getShape()));
            }
            try (LlamaWeights rounded = LlamaWeights.fromArrays(weights.config(), m.newSubManager(), arrays);
                    LlamaModel model = new LlamaModel(rounded)) {
                return logits(model, PROBE);
            }
        }
    }

    /** A full causal pass over {@code seq}: (T, V) logits. */
    static float[] logits(LlamaModel model, int[] seq) {
        NDManager m = model.weights().manager();
        int t = seq.length;
        long[] ids = new long[t];
        long[] pos = new long[t];
        for (int i = 0; i < t; i++) {
            ids[i] = seq[i];
            pos[i] = i;
        }
        return GradMode.withoutGradients(() -> {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                return model.forward(Tensors.of(m, ids, new Shape(1, t)), Tensors.of(m, pos, new Shape(1, t)),
                        AttentionMask.causal(m, 0, t), null, 0, false).toFloatArray();
            }
        });
    }

    static List<float[]> rows(float[] flat, int width) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < flat.length; i += width) {
            out.add(java.util.Arrays.copyOfRange(flat, i, i + width));
        }
        return out;
    }

    static JsonObject config(Path dir) throws IOException {
        return JsonParser.parseString(Files.readString(dir.resolve(Checkpoint.CONFIG))).getAsJsonObject();
    }

    static Path copyOf(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path f : s.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
