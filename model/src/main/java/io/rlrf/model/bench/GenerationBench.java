package io.rlrf.model.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

import io.rlrf.model.Engines;
import io.rlrf.model.GradMode;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.EngineParams;
import io.rlrf.model.generate.GenerationEngine;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.SamplingParams;
import io.rlrf.model.tokenizer.CharTokenizerSpec;

/**
 * The generation engine in the machine's terms. First the machine's rate: libtorch's matrix product
 * (fp32, 1024 x 1024 x 1024, best of several rounds) in GFLOP/s. Then, for the built-in policy and
 * a larger one, prefill and decode tokens/s at each batch size and prompt length, the FLOP/s of the
 * work each token needs, and that as a fraction of the matrix-product rate.
 *
 * <p>Necessary work per token: 2 FLOP per weight of every matrix (q/k/v, o, gate/up, down, LM head;
 * not the embedding lookup) plus attention, 4 H D FLOP per key attended per layer (Q K^T and the
 * weighted sum of V), with the keys a causal model needs: position i attends to i + 1 keys. Padding,
 * masked keys and recomputed prompts count as zero, so the fraction says how much of the machine the
 * engine turns into useful work.
 *
 * <p>Prefill: B distinct prompts of L tokens generate 1 token each (the first token is sampled from
 * the prompt's last logits, so no decoding pass runs); prefill tokens/s = B L / prefill time.
 * Decode: the same B prompts generate exactly N tokens each (min = max = N, random weights, nucleus
 * sampling at temperature 0.8); decode tokens/s = rows fed / decoding time, over the N - 1 decoding
 * passes, whose context grows from L to L + N - 1.
 *
 * <p>A command, not a test: {@code ./mvnw -B -q -pl model package -DskipTests && java -cp
 * "model/target/rlrf-model-0.1.0-SNAPSHOT.jar:model/target/lib/*" io.rlrf.model.bench.GenerationBench}.
 * Options: {@code --models builtin,large}, {@code --batches 1,16,64}, {@code --prompts 100,400},
 * {@code --new-tokens 64}, {@code --threads N} (default: every processor), and the engine's
 * {@code --prefill-chunk N} and {@code --prefill-batch-tokens N} (default: {@link EngineParams#defaults}).
 */
public final class GenerationBench {

    /** The built-in policy's shape (trainer-svc's bootstrap defaults): 4 layers, d = 128, 4 heads, 2 K/V heads, 1024 positions. */
    static final LlamaConfig BUILTIN = LlamaConfig.of(CharTokenizerSpec.vocabSize(CharTokenizerSpec.PRINTABLE_ASCII),
            128, 512, 4, 4, 2, 1024, true);
    /** A larger one of the same family: 8 layers, d = 512, 8 heads, 4 K/V heads. */
    static final LlamaConfig LARGE = LlamaConfig.of(CharTokenizerSpec.vocabSize(CharTokenizerSpec.PRINTABLE_ASCII),
            512, 2048, 8, 8, 4, 1024, true);

    private GenerationBench() {
    }

    public static void main(String[] args) throws java.io.IOException {
        List<String> models = List.of("builtin", "large");
        int[] batches = {1, 16, 64};
        int[] prompts = {100, 400};
        int newTokens = 64;
        int threads = Runtime.getRuntime().availableProcessors();
        EngineParams engine = EngineParams.defaults();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--models" -> models = List.of(args[++i].split(","));
                case "--batches" -> batches = ints(args[++i]);
                case "--prompts" -> prompts = ints(args[++i]);
                case "--new-tokens" -> newTokens = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--prefill-chunk" -> engine = engine.withPrefillChunk(Integer.parseInt(args[++i]));
                case "--prefill-batch-tokens" -> engine = engine.withPrefillBatchTokens(Integer.parseInt(args[++i]));
                default -> {
                    System.err.println("unknown option " + args[i] + "; options: --models builtin,large --batches 1,16,64 "
                            + "--prompts 100,400 --new-tokens N --threads N --prefill-chunk N --prefill-batch-tokens N");
                    System.exit(2);
                }
            }
        }
        Engines.pytorch();
        JniUtils.setNumThreads(threads);
        double before = matmulRate();
        // The figures are printed at the end, against the better of two matrix-product measurements (one
        // before, one after): on a shared machine either can be taken while another process holds a core.
        List<String> report = new ArrayList<>();
        List<double[]> flops = new ArrayList<>();
        for (String name : models) {
            LlamaConfig config = switch (name) {
                case "builtin" -> BUILTIN;
                case "large" -> LARGE;
                default -> throw new IllegalArgumentException("unknown model " + name + " (builtin, large)");
            };
            run(name, config, batches, prompts, newTokens, engine, report, flops);
        }
        double after = matmulRate();
        double peak = Math.max(before, after);
        System.out.printf("machine: libtorch %s, %d threads; matrix product (fp32, 1024^3) %.1f GFLOP/s (%.1f before the "
                + "models, %.1f after)%n", Engines.pytorch().getVersion(), threads, peak, before, after);
        System.out.printf("engine: %d rows, %,d reserved positions, prefill chunks of %d, %,d prompt tokens per prefill pass, "
                + "shared prefixes %s%n", engine.maxRows(), engine.maxBatchTokens(), engine.prefillChunk(),
                engine.prefillBatchTokens(), engine.sharePrefixes());
        int k = 0;
        for (String line : report) {
            if (line.startsWith("|")) { // a figures row: fill in the fractions of the peak
                double[] f = flops.get(k++);
                System.out.printf(line.substring(1) + "%n", 100 * f[0] / peak, 100 * f[1] / peak);
            } else {
                System.out.println(line);
            }
        }
    }

    /** GFLOP/s of libtorch's fp32 matrix product, 1024 x 1024 by 1024 x 1024, best of 5 rounds of 8. */
    static double matmulRate() {
        return GradMode.withoutGradients(() -> {
            try (NDManager m = Engines.pytorch().newBaseManager()) {
                NDArray a = m.randomNormal(new Shape(1024, 1024));
                NDArray b = m.randomNormal(new Shape(1024, 1024));
                double best = 0;
                for (int round = 0; round < 6; round++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < 8; i++) {
                        try (NDArray c = a.matMul(b)) {
                            c.getFloat(0, 0); // force it
                        }
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    if (round > 0) { // the first round warms up
                        best = Math.max(best, 8 * 2.0 * 1024 * 1024 * 1024 / secs / 1e9);
                    }
                }
                return best;
            }
        });
    }

    static void run(String name, LlamaConfig c, int[] batches, int[] prompts, int newTokens, EngineParams params,
            List<String> report, List<double[]> flops) throws java.io.IOException {
        double perToken = matmulFlopsPerToken(c);
        report.add(String.format("%n%s: %d layers, d=%d, %d heads (%d K/V), vocab %d, %d positions, %,d parameters; "
                + "%.2f MFLOP/token in matrices + %.1f kFLOP per key attended", name, c.numHiddenLayers(), c.hiddenSize(),
                c.numAttentionHeads(), c.numKeyValueHeads(), c.vocabSize(), c.maxPositionEmbeddings(), c.parameterCount(),
                perToken / 1e6, attentionFlopsPerKey(c) / 1e3));
        report.add(String.format("%-7s %-6s | %12s %9s %7s | %12s %9s %7s", "prompt", "batch", "prefill tok/s", "GFLOP/s",
                "of peak", "decode tok/s", "GFLOP/s", "of peak"));
        try (Policy policy = Policy.initialize(c, null, 42);
                GenerationEngine engine = new GenerationEngine(policy.model(), null,
                        params.withMaxRows(Math.max(params.maxRows(), max(batches))).withMaxBatchTokens(Math.max(
                                params.maxBatchTokens(), max(batches) * (max(prompts) + newTokens))))) {
            measure(engine, c, 4, Math.min(64, prompts[0]), 8, 1); // warm-up: JIT, allocator, cache buffers
            for (int length : prompts) {
                for (int b : batches) {
                    Map<String, Double> r = measure(engine, c, b, length, newTokens, 2);
                    double prefillFlops = r.get("prefill_tps") * (perToken + attentionFlopsPerKey(c) * (length + 1) / 2.0);
                    double decodeFlops = r.get("decode_tps") * (perToken + attentionFlopsPerKey(c) * (length + newTokens / 2.0));
                    report.add(String.format("|%-7d %-6d | %12.0f %9.1f %%6.1f%%%% | %12.0f %9.1f %%6.1f%%%%", length, b,
                            r.get("prefill_tps"), prefillFlops / 1e9, r.get("decode_tps"), decodeFlops / 1e9));
                    flops.add(new double[] {prefillFlops / 1e9, decodeFlops / 1e9});
                }
            }
        }
    }

    /** Prefill and decode tokens/s of b distinct prompts of the given length; the better of `rounds`. */
    static Map<String, Double> measure(GenerationEngine engine, LlamaConfig c, int b, int length, int newTokens, int rounds) {
        double prefill = 0;
        double decode = 0;
        for (int round = 0; round < rounds; round++) {
            SplittableRandom rng = new SplittableRandom(1000 * round + b);
            List<int[]> ps = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                int[] p = new int[length];
                p[0] = c.bosTokenId();
                for (int t = 1; t < length; t++) {
                    p[t] = 3 + rng.nextInt(c.vocabSize() - 3);
                }
                ps.add(p);
            }
            // prefill: one token each, sampled from the prompt's logits
            for (int[] p : ps) {
                engine.submit(new GenerationRequest(p, SamplingParams.greedy(1)));
            }
            long prefillNanos = engine.drain().prefillNanos();
            // decode: exactly newTokens each
            List<CompletableFuture<Completion>> futures = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                futures.add(engine.submit(new GenerationRequest(ps.get(i),
                        SamplingParams.sample(0.8, 0.95, newTokens, i).withMinNewTokens(newTokens))));
            }
            GenerationEngine.Step decoding = engine.drain();
            prefill = Math.max(prefill, (double) b * length / (prefillNanos / 1e9));
            decode = Math.max(decode, decoding.decodeRows() / (decoding.decodeNanos() / 1e9));
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("prefill_tps", prefill);
        out.put("decode_tps", decode);
        return out;
    }

    /** 2 FLOP per weight of every matrix a token goes through (the embedding is a lookup). */
    static double matmulFlopsPerToken(LlamaConfig c) {
        long d = c.hiddenSize();
        long qkv = d * (long) (c.numAttentionHeads() + 2 * c.numKeyValueHeads()) * c.headDim();
        long o = (long) c.numAttentionHeads() * c.headDim() * d;
        long mlp = 3 * d * c.intermediateSize();
        return 2.0 * (c.numHiddenLayers() * (qkv + o + mlp) + d * c.vocabSize());
    }

    /** Q K^T and the weighted sum of V: 4 H D FLOP per key, every layer. */
    static double attentionFlopsPerKey(LlamaConfig c) {
        return 4.0 * c.numHiddenLayers() * c.numAttentionHeads() * c.headDim();
    }

    private static int max(int[] a) {
        int m = 0;
        for (int x : a) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static int[] ints(String csv) {
        String[] parts = csv.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Integer.parseInt(parts[i].strip());
        }
        return out;
    }
}
