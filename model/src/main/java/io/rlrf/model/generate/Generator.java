package io.rlrf.model.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import io.rlrf.model.GradMode;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.nn.AttentionMask;
import io.rlrf.model.nn.LlamaModel;
import io.rlrf.model.tokenizer.Tokenizer;

import io.rlrf.model.Tensors;

/**
 * Generates completions for a list of requests. With the KV cache (the default) the work goes to a
 * {@link GenerationEngine}: each distinct prompt is prefilled once, in chunks, and the requests are
 * decoded with continuous batching (a finished row leaves and a waiting one takes its slot); the
 * engine and its buffers are kept and re-used across calls. Without the cache, every step re-runs
 * the whole left-padded sequence: the plain reference the engine is tested and benchmarked against.
 *
 * <p>Sampling happens on the host, per row, with that row's own seeded random stream, so a
 * completion depends only on its prompt, its parameters and its seed, not on its batch neighbours.
 *
 * <p>Thread-safe: calls are served one at a time (the engine has one KV cache).
 */
public final class Generator implements AutoCloseable {

    private final LlamaModel model;
    private final Tokenizer tokenizer; // null: id-only, stop strings unsupported
    private final StopTokens eos;
    private final GenerationEngine engine; // null: no KV cache

    /** The engine with {@link EngineParams#defaults()}, stopping on the config's EOS id. */
    public Generator(LlamaModel model, Tokenizer tokenizer) {
        this(model, tokenizer, EngineParams.defaults());
    }

    /** {@code useKvCache = false}: the plain full-recompute reference path. */
    public Generator(LlamaModel model, Tokenizer tokenizer, boolean useKvCache) {
        this(model, tokenizer, useKvCache ? EngineParams.defaults() : null);
    }

    /** The engine with the given batching parameters (null: the plain path), stopping on the config's EOS id. */
    public Generator(LlamaModel model, Tokenizer tokenizer, EngineParams params) {
        this(model, tokenizer, StopTokens.of(model.config()), params);
    }

    /**
     * @param eos    the ids that end a completion ({@link io.rlrf.model.Policy#stopTokens()})
     * @param params the engine's batching parameters, or null for the plain full-recompute path
     */
    public Generator(LlamaModel model, Tokenizer tokenizer, StopTokens eos, EngineParams params) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.eos = eos;
        this.engine = params == null ? null : new GenerationEngine(model, tokenizer, eos, params);
    }

    /** Generates one completion per request, in request order. */
    public synchronized List<Completion> generate(List<GenerationRequest> requests) {
        if (requests.isEmpty()) {
            return List.of();
        }
        if (engine == null) {
            return generatePlain(requests);
        }
        for (int i = 0; i < requests.size(); i++) {
            engine.check(requests.get(i), "request " + i); // all or nothing
        }
        List<CompletableFuture<Completion>> results = new ArrayList<>(requests.size());
        for (GenerationRequest r : requests) {
            results.add(engine.submit(r));
        }
        engine.drain();
        List<Completion> out = new ArrayList<>(results.size());
        for (CompletableFuture<Completion> r : results) {
            out.add(r.join());
        }
        return out;
    }

    /** Frees the engine's buffers (they are also freed with the model's manager). */
    @Override
    public synchronized void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private List<Completion> generatePlain(List<GenerationRequest> requests) {
        LlamaConfig config = model.config();
        int maxPrompt = 0;
        int maxNew = 0;
        for (int i = 0; i < requests.size(); i++) {
            GenerationRequest r = requests.get(i);
            int need = r.prompt().length + r.params().maxNewTokens();
            if (need > config.maxPositionEmbeddings()) {
                throw new IllegalArgumentException("request " + i + ": prompt (" + r.prompt().length
                        + " tokens) + max_new_tokens (" + r.params().maxNewTokens() + ") exceeds the model's "
                        + config.maxPositionEmbeddings() + " positions");
            }
            for (int id : r.prompt()) {
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("request " + i + ": token id " + id
                            + " is outside the vocabulary [0, " + config.vocabSize() + ")");
                }
            }
            if (!r.params().stop().isEmpty() && tokenizer == null) {
                throw new IllegalArgumentException("request " + i + ": stop strings need a tokenizer; this "
                        + "checkpoint works on token ids only");
            }
            maxPrompt = Math.max(maxPrompt, r.prompt().length);
            maxNew = Math.max(maxNew, r.params().maxNewTokens());
        }
        int tp = maxPrompt;
        int capacity = tp + maxNew - 1; // the last sampled token is never fed back
        return GradMode.withoutGradients(() -> run(requests, tp, Math.max(capacity, tp)));
    }

    /** The reference: every step re-runs each row's whole left-padded sequence (no cache). */
    private List<Completion> run(List<GenerationRequest> requests, int tp, int capacity) {
        LlamaConfig config = model.config();
        int b = requests.size();
        int vocab = config.vocabSize();
        Row[] rows = new Row[b];
        long[] tokens = new long[b * tp]; // (B, Tp), left-padded
        boolean[][] real = new boolean[b][capacity + 1]; // which slots hold real tokens
        for (int i = 0; i < b; i++) {
            GenerationRequest r = requests.get(i);
            rows[i] = new Row(r, tokenizer);
            int pad = tp - r.prompt().length;
            for (int t = 0; t < tp; t++) {
                boolean isReal = t >= pad;
                real[i][t] = isReal;
                tokens[i * tp + t] = isReal ? r.prompt()[t - pad] : config.eosTokenId();
            }
        }
        NDManager manager = model.weights().manager();
        List<long[]> fed = new ArrayList<>(); // tokens fed back, one column per step
        for (int width = tp; ; width++) {
            // 1. the whole sequence so far, logits of the last column
            float[] logits;
            try (NDScope step = new NDScope()) {
                step.suppressNotUsedWarning();
                long[] all = new long[b * width];
                long[] pos = new long[b * width];
                for (int i = 0; i < b; i++) {
                    int pad = tp - rows[i].request.prompt().length;
                    for (int c = 0; c < width; c++) {
                        all[i * width + c] = c < tp ? tokens[i * tp + c] : fed.get(c - tp)[i];
                        pos[i * width + c] = Math.max(0, c - pad);
                    }
                }
                logits = model.forward(Tensors.of(manager, all, new Shape(b, width)), Tensors.of(manager, pos, new Shape(b, width)),
                        AttentionMask.bias(manager, slice(real, width), 0, width), null, 0, true).toFloatArray(); // (B, 1, V)
            }
            // 2. sample one token per unfinished row, on the host
            boolean anyLeft = false;
            long[] next = new long[b];
            for (int i = 0; i < b; i++) {
                Row row = rows[i];
                if (!row.finished()) {
                    row.step(logits, i * vocab, vocab, eos, tokenizer);
                }
                anyLeft |= !row.finished();
                next[i] = row.finished() ? config.eosTokenId() : row.lastToken();
                real[i][width] = true;
            }
            if (!anyLeft) {
                break;
            }
            // 3. feed the sampled tokens back as one new column
            fed.add(next);
        }
        List<Completion> out = new ArrayList<>(b);
        for (Row row : rows) {
            out.add(row.toCompletion(tokenizer));
        }
        return out;
    }

    private static boolean[][] slice(boolean[][] real, int width) {
        boolean[][] out = new boolean[real.length][];
        for (int i = 0; i < real.length; i++) {
            out[i] = Arrays.copyOf(real[i], width);
        }
        return out;
    }

    /** The decoding state of one request. */
    private static final class Row {
        final GenerationRequest request;
        final Sampler sampler;
        final SplittableRandom rng;
        final StopStrings stops;
        final List<Integer> generated = new ArrayList<>();
        final List<Float> logprobs = new ArrayList<>();
        FinishReason reason;
        String text;

        Row(GenerationRequest request, Tokenizer tokenizer) {
            this.request = request;
            this.sampler = Sampler.of(request.params());
            this.rng = new SplittableRandom(request.params().seed());
            this.stops = StopStrings.of(request.params().stop(), tokenizer);
        }

        boolean finished() {
            return reason != null;
        }

        int lastToken() {
            return generated.get(generated.size() - 1);
        }

        void step(float[] logits, int offset, int vocab, StopTokens eos, Tokenizer tokenizer) {
            if (request.cancelled().getAsBoolean()) {
                reason = FinishReason.CANCELLED;
                return;
            }
            int token;
            if (generated.size() < request.params().minNewTokens()) {
                float[] masked = Arrays.copyOfRange(logits, offset, offset + vocab); // EOS ids left out until the minimum
                eos.mask(masked, 0);
                token = sampler.sample(masked, 0, vocab, rng);
            } else {
                token = sampler.sample(logits, offset, vocab, rng);
            }
            generated.add(token);
            if (request.params().logprobs()) {
                logprobs.add(Sampler.logProb(logits, offset, vocab, token));
            }
            if (eos.isEos(token)) {
                reason = FinishReason.EOS;
                return;
            }
            if (stops.tokens().contains(token)) { // an added-token stop string, matched by id
                text = tokenizer.decode(Arrays.copyOf(ids(), generated.size() - 1));
                reason = FinishReason.STOP_STRING;
                return;
            }
            if (!stops.text().isEmpty()) {
                String t = tokenizer.decode(ids());
                int cut = -1;
                for (String s : stops.text()) {
                    int at = t.indexOf(s);
                    if (at >= 0 && (cut < 0 || at < cut)) {
                        cut = at;
                    }
                }
                if (cut >= 0) {
                    text = t.substring(0, cut);
                    reason = FinishReason.STOP_STRING;
                    return;
                }
            }
            if (generated.size() >= request.params().maxNewTokens()) {
                reason = FinishReason.LENGTH;
            }
        }

        int[] ids() {
            return generated.stream().mapToInt(Integer::intValue).toArray();
        }

        Completion toCompletion(Tokenizer tokenizer) {
            int[] ids = ids();
            String t = text;
            if (t == null && tokenizer != null) {
                int[] body = reason == FinishReason.EOS ? Arrays.copyOf(ids, ids.length - 1) : ids;
                t = tokenizer.decode(body);
            }
            float[] lp = null;
            if (request.params().logprobs()) {
                lp = new float[logprobs.size()];
                for (int i = 0; i < lp.length; i++) {
                    lp[i] = logprobs.get(i);
                }
            }
            return new Completion(ids, t, lp, reason, request.prompt().length);
        }
    }
}
