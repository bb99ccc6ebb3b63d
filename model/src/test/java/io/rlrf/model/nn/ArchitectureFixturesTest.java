package io.rlrf.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import io.rlrf.model.GradMode;
import io.rlrf.model.Policy;
import io.rlrf.model.Tensors;
import io.rlrf.model.checkpoint.Safetensors;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.EngineParams;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.generate.SamplingParams;
import io.rlrf.model.lora.LoraConfig;
import io.rlrf.model.score.SequenceScorer;
import io.rlrf.model.train.OptimizerParams;
import io.rlrf.model.train.SftTrainer;

/**
 * Each architecture against the PyTorch twin: {@code src/test/resources/fixtures/<name>} holds a tiny
 * random-weight checkpoint and the logits {@code make_fixtures.py} computed for it in float64 with
 * {@code torch_llama.py}. Every path that computes logits must agree within 1e-4: a full pass (what
 * the reference generator runs), a right-padded batch (what scoring and training run) and the KV
 * cache's prefill and per-row decoding steps (what the generation engine runs). The largest
 * difference of each architecture is printed after the tests.
 */
class ArchitectureFixturesTest {

    static final float TOLERANCE = 1e-4f;
    static final Map<String, Float> WORST = new TreeMap<>();

    /** A fixture: the loaded policy, its token sequences and PyTorch's logits for each, (T, V). */
    record Fixture(String name, Policy policy, int[][] sequences, float[][] logits) implements AutoCloseable {
        int vocab() {
            return policy.config().vocabSize();
        }

        @Override
        public void close() {
            policy.close();
        }
    }

    static Path fixtureDir(String name) {
        try {
            return Path.of(ArchitectureFixturesTest.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Fixture load(String name) throws Exception {
        Path dir = fixtureDir(name);
        JsonArray seqs = JsonParser.parseString(Files.readString(dir.resolve("sequences.json"))).getAsJsonObject()
                .getAsJsonArray("sequences");
        int[][] sequences = new int[seqs.size()][];
        float[][] logits = new float[seqs.size()][];
        try (Safetensors.File st = Safetensors.open(dir.resolve("logits.safetensors"))) {
            for (int i = 0; i < sequences.length; i++) {
                JsonArray s = seqs.get(i).getAsJsonArray();
                sequences[i] = new int[s.size()];
                int j = 0;
                for (JsonElement e : s) {
                    sequences[i][j++] = e.getAsInt();
                }
                logits[i] = st.read("logits." + i).data();
            }
        }
        return new Fixture(name, Policy.load(dir), sequences, logits);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3", "llama-linear", "llama-bias", "qwen2", "mistral"})
    void fullForwardPassMatchesPyTorch(String name) throws Exception {
        try (Fixture f = load(name)) {
            LlamaModel model = f.policy().model();
            NDManager m = f.policy().weights().manager();
            for (int i = 0; i < f.sequences().length; i++) {
                int[] seq = f.sequences()[i];
                int t = seq.length;
                float[] logits = GradMode.withoutGradients(() -> {
                    try (NDScope scope = new NDScope()) {
                        scope.suppressNotUsedWarning();
                        return model.forward(ids(m, seq, t, 1), positions(m, new int[] {0}, t),
                                AttentionMask.causal(m, 0, t), null, 0, false).toFloatArray(); // (1, T, V)
                    }
                });
                assertClose(name, f.logits()[i], logits, "sequence " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3", "llama-linear", "llama-bias", "qwen2", "mistral"})
    void rightPaddedBatchMatchesPyTorch(String name) throws Exception {
        try (Fixture f = load(name)) {
            LlamaModel model = f.policy().model();
            NDManager m = f.policy().weights().manager();
            int b = f.sequences().length;
            int t = Arrays.stream(f.sequences()).mapToInt(s -> s.length).max().orElseThrow();
            long[] tokens = new long[b * t];
            long[] pos = new long[b * t];
            boolean[][] real = new boolean[b][t];
            for (int r = 0; r < b; r++) {
                for (int c = 0; c < t; c++) {
                    real[r][c] = c < f.sequences()[r].length;
                    tokens[r * t + c] = real[r][c] ? f.sequences()[r][c] : 0;
                    pos[r * t + c] = real[r][c] ? c : 0;
                }
            }
            float[] logits = GradMode.withoutGradients(() -> {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    return model.forward(Tensors.of(m, tokens, new Shape(b, t)), Tensors.of(m, pos, new Shape(b, t)),
                            AttentionMask.bias(m, real, 0, t), null, 0, false).toFloatArray(); // (B, T, V)
                }
            });
            int v = f.vocab();
            for (int r = 0; r < b; r++) {
                float[] row = Arrays.copyOfRange(logits, r * t * v, (r * t + f.sequences()[r].length) * v);
                assertClose(name, f.logits()[r], row, "row " + r);
            }
        }
    }

    /**
     * As the generation engine runs: each row's prompt prefilled into its own cache row, then one token
     * per row per step, every row at its own column (rows that ran out feed filler tokens, unread).
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3", "llama-linear", "llama-bias", "qwen2", "mistral"})
    void kvCacheDecodingMatchesPyTorch(String name) throws Exception {
        try (Fixture f = load(name)) {
            LlamaModel model = f.policy().model();
            NDManager m = f.policy().weights().manager();
            int[][] seqs = f.sequences();
            int b = seqs.length;
            int v = f.vocab();
            int[] prefill = new int[b];
            int steps = 0;
            for (int r = 0; r < b; r++) {
                prefill[r] = Math.max(1, Math.min(20, seqs[r].length / 2)); // 20, 10, 2 for lengths 48, 21, 5
                steps = Math.max(steps, seqs[r].length - prefill[r]);
            }
            int capacity = Arrays.stream(prefill).max().orElseThrow() + steps;
            int finalSteps = steps;
            GradMode.withoutGradients(() -> {
                try (KvCache cache = new KvCache(m, f.policy().config().numHiddenLayers(), b,
                        f.policy().config().numKeyValueHeads(), f.policy().config().headDim(), capacity)) {
                    // 1. prefill: row r's first prefill[r] tokens, logits at every position
                    for (int r = 0; r < b; r++) {
                        int t = prefill[r];
                        try (NDScope scope = new NDScope()) {
                            scope.suppressNotUsedWarning();
                            cache.block(r, 1, 0, t);
                            NDArray hidden = model.hidden(ids(m, Arrays.copyOf(seqs[r], t), t, 1),
                                    positions(m, new int[] {0}, t), AttentionMask.causal(m, 0, t), cache);
                            assertClose(name, Arrays.copyOf(f.logits()[r], t * v), model.logits(hidden).toFloatArray(),
                                    "row " + r + " prefill");
                        }
                    }
                    // 2. decode: row r feeds token c of its sequence at column c
                    int[] columns = prefill.clone();
                    for (int s = 0; s < finalSteps; s++) {
                        long[] tokens = new long[b];
                        int end = 0;
                        for (int r = 0; r < b; r++) {
                            tokens[r] = columns[r] < seqs[r].length ? seqs[r][columns[r]] : 0;
                            end = Math.max(end, columns[r] + 1);
                        }
                        try (NDScope scope = new NDScope()) {
                            scope.suppressNotUsedWarning();
                            cache.scatter(b, columns, end);
                            NDArray hidden = model.hidden(Tensors.of(m, tokens, new Shape(b, 1)),
                                    positions(m, columns, 1), AttentionMask.upTo(m, columns, b, end), cache); // (B, 1, C)
                            float[] logits = model.logits(hidden).toFloatArray(); // (B, 1, V)
                            for (int r = 0; r < b; r++) {
                                int c = columns[r];
                                if (c < seqs[r].length) {
                                    assertClose(name, Arrays.copyOfRange(f.logits()[r], c * v, (c + 1) * v),
                                            Arrays.copyOfRange(logits, r * v, (r + 1) * v), "row " + r + " column " + c);
                                }
                            }
                        }
                        for (int r = 0; r < b; r++) {
                            columns[r]++;
                        }
                    }
                }
                return null;
            });
        }
    }

    /**
     * The generation engine itself (chunked prefill with chunks shorter than the window, shared prompts,
     * rows joining and leaving) samples what the full-recompute path samples, prompts and completions
     * longer than Mistral's window.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mistral", "qwen2", "llama3"})
    void generationEngineSamplesWhatTheFullRecomputePathSamples(String name) throws Exception {
        try (Fixture f = load(name)) {
            List<GenerationRequest> requests = new ArrayList<>();
            for (int i = 0; i < f.sequences().length; i++) {
                int[] prompt = Arrays.copyOf(f.sequences()[i], Math.min(14, f.sequences()[i].length));
                requests.add(new GenerationRequest(prompt, SamplingParams.greedy(24).withLogprobs(true)));
                requests.add(new GenerationRequest(prompt, SamplingParams.sample(1.0, 0.95, 30, 7 + i).withLogprobs(true)));
            }
            EngineParams engine = EngineParams.defaults().withPrefillChunk(5).withMaxRows(3);
            List<Completion> fast = new Generator(f.policy().model(), null, engine).generate(requests);
            List<Completion> plain = new Generator(f.policy().model(), null, false).generate(requests);
            for (int i = 0; i < requests.size(); i++) {
                assertArrayEquals(plain.get(i).tokens(), fast.get(i).tokens(), name + " request " + i);
                assertClose(name + " engine vs plain", plain.get(i).logprobs(), fast.get(i).logprobs(),
                        "request " + i + " log-probs");
            }
        }
    }

    /** Training reaches every tensor of each variant: one SFT step changes biases as well as matrices. */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "llama-bias", "mistral"})
    void anSftStepChangesEveryTensorBiasesIncluded(String name) throws Exception {
        try (Fixture f = load(name);
                SftTrainer trainer = new SftTrainer(f.policy().model(), OptimizerParams.of(1e-3, 0, 10), 4)) {
            Map<String, float[]> before = new TreeMap<>();
            f.policy().weights().byName().forEach((n, a) -> before.put(n, a.toFloatArray()));
            int[] seq = f.sequences()[1];
            trainer.step(List.of(new SequenceScorer.Sequence(Arrays.copyOf(seq, 8), Arrays.copyOfRange(seq, 8, seq.length))));
            f.policy().weights().byName().forEach((n, a) -> assertFalse(Arrays.equals(before.get(n), a.toFloatArray()),
                    name + ": " + n + " unchanged"));
        }
    }

    /**
     * LoRA on each variant (biases, GQA, sliding window): an adapter at initialisation leaves the logits
     * exactly as they were, and a trained one merged into the base gives base + adapter's logits.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "llama-bias", "mistral"})
    void aLoraAdapterIsExactAtInitialisationAndMergesExactly(String name) throws Exception {
        try (Fixture f = load(name)) {
            int[] seq = f.sequences()[1];
            float[] base = fullPass(f.policy().model(), seq);
            f.policy().newAdapter(LoraConfig.allProjections(2, 4, 0), 5);
            assertTrue(Arrays.equals(base, fullPass(f.policy().model(), seq)), name + ": B = 0 changed the logits");
            GradMode.withoutGradients(() -> {
                f.policy().adapter().orElseThrow().byName().forEach((n, a) -> a.addi(a.getManager().ones(a.getShape())
                        .mul(0.01f)));
                return null;
            });
            float[] adapted = fullPass(f.policy().model(), seq);
            try (Policy merged = f.policy().copy()) {
                float[] m = fullPass(merged.model(), seq);
                float worst = 0;
                for (int i = 0; i < m.length; i++) {
                    // float32 rounding of W + BA vs Wx + BAx: relative to the logit's size
                    worst = Math.max(worst, Math.abs(m[i] - adapted[i]) / Math.max(1f, Math.abs(adapted[i])));
                }
                assertTrue(worst < 1e-5, name + ": merged differs by " + worst + " (relative)");
                assertFalse(Arrays.equals(base, adapted), name + ": the adapter changed nothing");
                // the engine (chunked prefill, KV-cache decoding) through the adapter samples what the merged model does
                List<GenerationRequest> requests = List.of(new GenerationRequest(Arrays.copyOf(seq, 10),
                        SamplingParams.greedy(12).withLogprobs(true)));
                Completion viaAdapter = new Generator(f.policy().model(), null, EngineParams.defaults().withPrefillChunk(4))
                        .generate(requests).get(0);
                Completion viaMerged = new Generator(merged.model(), null, false).generate(requests).get(0);
                assertArrayEquals(viaMerged.tokens(), viaAdapter.tokens(), name + ": engine with adapter vs merged");
                assertClose(name + " adapter vs merged", viaMerged.logprobs(), viaAdapter.logprobs(), "log-probs");
            }
        }
    }

    static float[] fullPass(LlamaModel model, int[] seq) {
        NDManager m = model.weights().manager();
        int t = seq.length;
        return GradMode.withoutGradients(() -> {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                return model.forward(ids(m, seq, t, 1), positions(m, new int[] {0}, t), AttentionMask.causal(m, 0, t), null, 0,
                        false).toFloatArray(); // (1, T, V)
            }
        });
    }

    @AfterAll
    static void reportWorstDifferences() {
        WORST.forEach((name, worst) -> System.out.printf(name.contains(" ") ? "fixture %s: max |log-prob difference| %.3g%n"
                : "fixture %-13s max |java - pytorch| logit difference %.3g%n", name, worst));
    }

    static void assertClose(String fixture, float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, fixture + " " + what + ": length");
        float worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        WORST.merge(fixture, worst, Math::max);
        assertTrue(worst <= TOLERANCE, fixture + " " + what + ": max |difference| " + worst + " > " + TOLERANCE);
    }

    /** (rows, t) token ids of one row. */
    static NDArray ids(NDManager m, int[] seq, int t, int rows) {
        long[] out = new long[t];
        for (int i = 0; i < t; i++) {
            out[i] = seq[i];
        }
        return Tensors.of(m, out, new Shape(rows, t));
    }

    /** (rows, t) positions start[r] .. start[r] + t - 1. */
    static NDArray positions(NDManager m, int[] start, int t) {
        long[] out = new long[start.length * t];
        for (int r = 0; r < start.length; r++) {
            for (int i = 0; i < t; i++) {
                out[r * t + i] = start[r] + i;
            }
        }
        return Tensors.of(m, out, new Shape(start.length, t));
    }

}
