package io.rlrf.model.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import ai.djl.pytorch.jni.JniUtils;

import io.rlrf.model.Engines;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.generate.SamplingParams;
import io.rlrf.model.score.SequenceScorer.Sequence;
import io.rlrf.model.train.DpoParams;
import io.rlrf.model.train.DpoTrainer;
import io.rlrf.model.train.OptimizerParams;
import io.rlrf.model.train.PreferencePair;
import io.rlrf.model.train.ScoredPair;
import io.rlrf.model.train.SftTrainer;

/**
 * The model library's benchmark: generation tokens/s at batch 1 and 16 with and without the KV
 * cache, SFT and DPO training tokens/s, peak resident memory; then the same network in PyTorch eager
 * (the script {@code torch_llama.py}, run with {@code /usr/bin/python3} and Debian's python3-torch)
 * on the same checkpoint, inputs and thread count, and the Java/PyTorch ratio of each figure.
 *
 * <p>A command, not a test: {@code ./mvnw -B -q -pl model -am install -DskipTests && java -cp
 * "model/target/rlrf-model-0.1.0-SNAPSHOT.jar:model/target/lib/*" io.rlrf.model.bench.Bench}
 * (see the module README). Options: {@code --threads N} (default: available processors),
 * {@code --new-tokens N} (128), {@code --train-steps N} (5), {@code --python PATH}
 * ({@code /usr/bin/python3}; {@code none} to skip the comparison).
 */
public final class Bench {

    // The stated size: 4 layers, d = 256, 4 heads, vocabulary 512, context 256.
    static final LlamaConfig CONFIG = new LlamaConfig(512, 256, 688, 4, 4, 4, 64, 256, 1e-5, 10000.0, true, 1, 2);
    static final int PROMPT_LEN = 16;
    static final int TRAIN_SEQ = 128;
    static final int TRAIN_PROMPT = 32;

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors();
        int newTokens = 128;
        int trainSteps = 5;
        String python = "/usr/bin/python3";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--new-tokens" -> newTokens = Integer.parseInt(args[++i]);
                case "--train-steps" -> trainSteps = Integer.parseInt(args[++i]);
                case "--python" -> python = args[++i];
                default -> {
                    System.err.println("unknown option " + args[i]
                            + "; options: --threads N --new-tokens N --train-steps N --python PATH|none");
                    System.exit(2);
                }
            }
        }
        Engines.pytorch();
        JniUtils.setNumThreads(threads);
        System.out.printf("model: %d layers, d=%d, %d heads (%d kv), vocab %d, context %d, %,d parameters; "
                + "%d threads; DJL PyTorch %s%n", CONFIG.numHiddenLayers(), CONFIG.hiddenSize(), CONFIG.numAttentionHeads(),
                CONFIG.numKeyValueHeads(), CONFIG.vocabSize(), CONFIG.maxPositionEmbeddings(), CONFIG.parameterCount(),
                threads, Engines.pytorch().getVersion());

        Path dir = Files.createTempDirectory("rlrf-bench");
        Path ckpt = dir.resolve("ckpt");
        int[][] prompts = prompts(16, PROMPT_LEN);
        int[][] train = prompts(16, TRAIN_SEQ);
        Map<String, Double> java = new LinkedHashMap<>();
        int[] javaGreedy;
        try (Policy policy = Policy.initialize(CONFIG, null, 42)) {
            policy.save(ckpt, Map.of());
            javaGreedy = generation(policy, prompts, newTokens, java);
            training(policy, train, trainSteps, java);
        }
        java.put("peak_rss_mb", peakRssMb());

        Map<String, Double> torch = null;
        String torchVersion = null;
        List<Integer> torchGreedy = null;
        if (!python.equals("none")) {
            JsonObject res = runPython(python, dir, ckpt, threads, prompts, train, newTokens, trainSteps);
            torch = new LinkedHashMap<>();
            for (String k : java.keySet()) {
                torch.put(k, res.get(k).getAsDouble());
            }
            torchVersion = res.get("torch").getAsString();
            torchGreedy = new ArrayList<>();
            for (var e : res.getAsJsonArray("greedy_b1")) {
                torchGreedy.add(e.getAsInt());
            }
        }

        System.out.println();
        System.out.printf("%-38s %14s %14s %8s%n", "figure", "Java (DJL)", torch == null ? "-" : "PyTorch " + torchVersion, "ratio");
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("gen_b1_cache", "generate b=1, KV cache (tok/s)");
        labels.put("gen_b1_nocache", "generate b=1, no cache (tok/s)");
        labels.put("gen_b16_cache", "generate b=16, KV cache (tok/s)");
        labels.put("gen_b16_nocache", "generate b=16, no cache (tok/s)");
        labels.put("sft", "SFT train (tok/s)");
        labels.put("dpo", "DPO train (tok/s)");
        labels.put("peak_rss_mb", "peak resident memory (MiB)");
        for (var e : labels.entrySet()) {
            double j = java.get(e.getKey());
            if (torch == null) {
                System.out.printf("%-38s %14.1f%n", e.getValue(), j);
            } else {
                double t = torch.get(e.getKey());
                System.out.printf("%-38s %14.1f %14.1f %8.2f%n", e.getValue(), j, t, j / t);
            }
        }
        System.out.printf("%nKV cache speed-up at %d new tokens: Java %.1fx (b=1), %.1fx (b=16)", newTokens,
                java.get("gen_b1_cache") / java.get("gen_b1_nocache"), java.get("gen_b16_cache") / java.get("gen_b16_nocache"));
        if (torch != null) {
            System.out.printf("; PyTorch %.1fx (b=1), %.1fx (b=16)", torch.get("gen_b1_cache") / torch.get("gen_b1_nocache"),
                    torch.get("gen_b16_cache") / torch.get("gen_b16_nocache"));
            int agree = 0;
            while (agree < javaGreedy.length && agree < torchGreedy.size() && javaGreedy[agree] == torchGreedy.get(agree)) {
                agree++;
            }
            System.out.printf("%ngreedy ids, b=1: Java and PyTorch agree on the first %d of %d tokens", agree, javaGreedy.length);
        }
        System.out.println();
    }

    /** Deterministic inputs both sides share: BOS, then ids 4..V-1 in a fixed pattern. */
    static int[][] prompts(int n, int len) {
        int[][] out = new int[n][len];
        for (int b = 0; b < n; b++) {
            out[b][0] = 1;
            for (int t = 1; t < len; t++) {
                out[b][t] = 4 + (b * 131 + t * 17) % (CONFIG.vocabSize() - 4);
            }
        }
        return out;
    }

    private static int[] generation(Policy policy, int[][] prompts, int newTokens, Map<String, Double> out) {
        // warm-up: let the JIT compile the decoding loop before anything is timed (a server is warm)
        for (int batch : new int[] {1, 16}) {
            List<GenerationRequest> reqs = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                reqs.add(new GenerationRequest(prompts[b], SamplingParams.greedy(newTokens)));
            }
            new Generator(policy.model(), null, true).generate(reqs);
        }
        int[] greedy = null;
        for (int batch : new int[] {1, 16}) {
            for (boolean cache : new boolean[] {true, false}) {
                Generator gen = new Generator(policy.model(), null, cache);
                List<GenerationRequest> reqs = new ArrayList<>();
                for (int b = 0; b < batch; b++) {
                    // EOS can never stop it early: the same number of tokens as the PyTorch side
                    reqs.add(new GenerationRequest(prompts[b], SamplingParams.greedy(newTokens)));
                }
                gen.generate(reqs.stream().map(r -> new GenerationRequest(r.prompt(), SamplingParams.greedy(4))).toList());
                long t0 = System.nanoTime();
                List<Completion> res = gen.generate(reqs);
                double secs = (System.nanoTime() - t0) / 1e9;
                long tokens = res.stream().mapToLong(c -> c.tokens().length).sum();
                out.put("gen_b" + batch + "_" + (cache ? "cache" : "nocache"), tokens / secs);
                if (batch == 1 && cache) {
                    greedy = res.get(0).tokens();
                }
            }
        }
        return greedy;
    }

    private static void training(Policy policy, int[][] train, int steps, Map<String, Double> out) throws IOException {
        List<Sequence> sft = new ArrayList<>();
        for (int[] s : train) {
            sft.add(new Sequence(java.util.Arrays.copyOf(s, TRAIN_PROMPT), java.util.Arrays.copyOfRange(s, TRAIN_PROMPT, s.length)));
        }
        long tokens = (long) train.length * TRAIN_SEQ;
        OptimizerParams opt = OptimizerParams.of(1e-4, 0, 1000);
        try (Policy reference = policy.copy()) {
            try (SftTrainer t = new SftTrainer(policy.model(), opt, train.length)) {
                t.step(sft);
                long t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    t.step(sft);
                }
                out.put("sft", tokens * steps / ((System.nanoTime() - t0) / 1e9));
            }
            List<PreferencePair> pairs = new ArrayList<>();
            int half = train.length / 2;
            for (int i = 0; i < half; i++) {
                pairs.add(new PreferencePair(sft.get(i).prompt(), sft.get(i).completion(), sft.get(half + i).completion()));
            }
            List<ScoredPair> scored = DpoTrainer.score(reference.model(), pairs, half);
            try (DpoTrainer t = new DpoTrainer(policy.model(), new DpoParams(0.1, 0), opt, half)) {
                t.step(scored);
                long t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    t.step(scored);
                }
                out.put("dpo", tokens * steps / ((System.nanoTime() - t0) / 1e9));
            }
        }
    }

    private static JsonObject runPython(String python, Path dir, Path ckpt, int threads, int[][] prompts, int[][] train,
            int newTokens, int trainSteps) throws IOException, InterruptedException {
        Path script = dir.resolve("torch_llama.py");
        try (InputStream in = Bench.class.getResourceAsStream("torch_llama.py")) {
            Files.copy(in, script);
        }
        JsonObject inputs = new JsonObject();
        inputs.add("prompts", new Gson().toJsonTree(prompts));
        inputs.add("train", new Gson().toJsonTree(train));
        inputs.addProperty("train_prompt_len", TRAIN_PROMPT);
        inputs.addProperty("new_tokens", newTokens);
        inputs.addProperty("new_tokens_nocache_b16", newTokens);
        inputs.addProperty("train_steps", trainSteps);
        Path inputFile = dir.resolve("inputs.json");
        Files.writeString(inputFile, inputs.toString());
        Process p = new ProcessBuilder(python, script.toString(), "--checkpoint", ckpt.toString(), "--threads",
                Integer.toString(threads), "--inputs", inputFile.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException(python + " " + script + " failed (exit " + p.exitValue() + "); is Debian's "
                    + "python3-torch installed? Use --python none to skip the comparison.");
        }
        return JsonParser.parseString(stdout).getAsJsonObject();
    }

    private static double peakRssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

}
