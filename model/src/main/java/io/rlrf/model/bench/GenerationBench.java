package io.rlrf.model.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

import io.rlrf.model.Engines;
import io.rlrf.model.GradMode;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.Tensors;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.EngineParams;
import io.rlrf.model.generate.GenerationEngine;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.SamplingParams;
import io.rlrf.model.nn.AttentionMask;
import io.rlrf.model.nn.KvCache;
import io.rlrf.model.nn.LlamaModel;
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
 * {@code --new-tokens 64}, {@code --threads N} (default: every processor), the engine's
 * {@code --prefill-chunk N} and {@code --prefill-batch-tokens N} (default: {@link EngineParams#defaults}),
 * and {@code --verify-widths 1,2,4,8} (default: none), which adds {@link #verifyCost}'s table.
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
        int[] verifyWidths = {};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--models" -> models = List.of(args[++i].split(","));
                case "--batches" -> batches = ints(args[++i]);
                case "--prompts" -> prompts = ints(args[++i]);
                case "--new-tokens" -> newTokens = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--prefill-chunk" -> engine = engine.withPrefillChunk(Integer.parseInt(args[++i]));
                case "--prefill-batch-tokens" -> engine = engine.withPrefillBatchTokens(Integer.parseInt(args[++i]));
                case "--verify-widths" -> {
                    verifyWidths = ints(args[++i]);
                    if (Arrays.stream(verifyWidths).anyMatch(w -> w < 1)) {
                        System.err.println("--verify-widths takes positions per row, each at least 1, got " + args[i]);
                        System.exit(2);
                    }
                }
                default -> {
                    System.err.println("unknown option " + args[i] + "; options: --models builtin,large --batches 1,16,64 "
                            + "--prompts 100,400 --new-tokens N --threads N --prefill-chunk N --prefill-batch-tokens N "
                            + "--verify-widths 1,2,4,8");
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
            if (verifyWidths.length > 0) {
                report.addAll(verifyCost(name, config, max(batches), max(prompts), verifyWidths));
            }
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

    /**
     * What it costs a decoding pass to feed each row w positions instead of 1: the price of verifying
     * w - 1 drafted tokens (speculative or prompt-lookup decoding) in the pass that decodes the row's
     * next token. {@code rows} rows at about {@code columns} columns each (their own lengths, spread
     * over 40 columns, as in a continuous batch) run one pass of w positions through a KV cache, the
     * engine's own scattered writes and per-row causal mask; the better of 12 passes after 3 warm-up
     * passes. Drafting pays only where a pass accepts more tokens per row, on average, than the ratio
     * printed for its width. Widths run in increasing order, w = 1 (the baseline) always first.
     */
    static List<String> verifyCost(String name, LlamaConfig c, int rows, int columns, int[] widths) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        out.add(String.format("%s: a decoding pass that feeds each of %d rows w positions (about %d columns each)", name, rows,
                columns));
        out.add(String.format("%-6s | %9s %10s %17s", "w", "pass ms", "x w = 1", "ms per position"));
        widths = IntStream.concat(IntStream.of(1), Arrays.stream(widths))
                .distinct().sorted().toArray();
        int widest = max(widths);
        try (Policy policy = Policy.initialize(c, null, 42); NDManager manager = Engines.pytorch().newBaseManager();
                KvCache cache = new KvCache(manager, c.numHiddenLayers(), c.numKeyValueHeads(), c.headDim())) {
            cache.ensureCapacity(rows, columns + widest);
            SplittableRandom rng = new SplittableRandom(7);
            int[] starts = new int[rows];
            for (int r = 0; r < rows; r++) {
                starts[r] = Math.max(0, columns - 40 + rng.nextInt(40));
            }
            double single = 0;
            for (int w : widths) {
                long best = Long.MAX_VALUE;
                for (int pass = 0; pass < 15; pass++) {
                    long nanos = GradMode.withoutGradients(() -> onePass(policy.model(), cache, manager, starts, w, rng));
                    if (pass >= 3) {
                        best = Math.min(best, nanos);
                    }
                }
                double ms = best / 1e6;
                if (w == 1) {
                    single = ms;
                }
                out.add(String.format("%-6d | %9.2f %10.2f %17.3f", w, ms, ms / single, ms / rows / w));
            }
        }
        return out;
    }

    /** Nanoseconds of one pass feeding row r positions [starts[r], starts[r] + w) with random tokens. */
    private static long onePass(LlamaModel model, KvCache cache, NDManager manager, int[] starts, int w,
            SplittableRandom rng) {
        int rows = starts.length;
        long[] tokens = new long[rows * w]; // (rows, w)
        long[] positions = new long[rows * w]; // (rows, w)
        int end = 0;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < w; j++) {
                tokens[r * w + j] = 3 + rng.nextInt(model.config().vocabSize() - 3);
                positions[r * w + j] = starts[r] + j;
            }
            end = Math.max(end, starts[r] + w);
        }
        try (NDManager scope = manager.newSubManager()) {
            long t0 = System.nanoTime();
            try (NDScope ignored = new NDScope()) {
                ignored.suppressNotUsedWarning();
                cache.scatter(0, rows, starts, w, end);
                NDArray bias = w == 1 ? AttentionMask.upTo(scope, starts, rows, end)
                        : AttentionMask.causalFrom(scope, starts, w, end); // (rows, 1, 1, [w,] end)
                NDArray hidden = model.hidden(Tensors.of(scope, tokens, new Shape(rows, w)),
                        Tensors.of(scope, positions, new Shape(rows, w)), bias, cache); // (rows, w, C)
                model.logits(hidden).toFloatArray(); // (rows, w, V), read as the engine reads it
            }
            return System.nanoTime() - t0;
        }
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
