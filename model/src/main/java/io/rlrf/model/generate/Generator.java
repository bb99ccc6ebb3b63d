package io.rlrf.model.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import io.rlrf.model.GradMode;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.nn.AttentionMask;
import io.rlrf.model.nn.KvCache;
import io.rlrf.model.nn.LlamaModel;
import io.rlrf.model.tokenizer.Tokenizer;

import io.rlrf.model.Tensors;

/**
 * Batched autoregressive generation. Prompts of different lengths share one batch: they are
 * left-padded to a common length, padding is masked out of attention and excluded from positions,
 * so every row computes what it would compute alone. With the KV cache (the default) the prompt is
 * run once (prefill) and each later step feeds one token per row; without it, every step re-runs
 * the whole sequence (kept as the reference the cache is tested and benchmarked against).
 *
 * <p>Sampling happens on the host, per row, with that row's own seeded random stream, so a
 * completion depends only on its prompt, its parameters and its seed, not on its batch neighbours.
 */
public final class Generator {

    private final LlamaModel model;
    private final Tokenizer tokenizer; // null: id-only, stop strings unsupported
    private final boolean useKvCache;

    public Generator(LlamaModel model, Tokenizer tokenizer) {
        this(model, tokenizer, true);
    }

    public Generator(LlamaModel model, Tokenizer tokenizer, boolean useKvCache) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.useKvCache = useKvCache;
    }

    /** Generates one completion per request, in request order. */
    public List<Completion> generate(List<GenerationRequest> requests) {
        if (requests.isEmpty()) {
            return List.of();
        }
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

    private List<Completion> run(List<GenerationRequest> requests, int tp, int capacity) {
        LlamaConfig config = model.config();
        int b = requests.size();
        int vocab = config.vocabSize();
        Row[] rows = new Row[b];
        long[] tokens = new long[b * tp]; // (B, Tp), left-padded
        long[] positions = new long[b * tp]; // (B, Tp)
        boolean[][] real = new boolean[b][capacity]; // which slots hold real tokens
        for (int i = 0; i < b; i++) {
            GenerationRequest r = requests.get(i);
            rows[i] = new Row(r);
            int pad = tp - r.prompt().length;
            for (int t = 0; t < tp; t++) {
                boolean isReal = t >= pad;
                real[i][t] = isReal;
                tokens[i * tp + t] = isReal ? r.prompt()[t - pad] : config.eosTokenId();
                positions[i * tp + t] = isReal ? t - pad : 0;
            }
        }
        NDManager manager = model.weights().manager();
        try (NDScope outer = new NDScope();
                KvCache cache = useKvCache ? new KvCache(manager, config.numHiddenLayers(), b,
                        config.numKeyValueHeads(), config.headDim(), capacity) : null) {
            outer.suppressNotUsedWarning();
            // 1. prefill: run every prompt once, keep the logits of the last column
            float[] logits;
            try (NDScope step = new NDScope()) {
                step.suppressNotUsedWarning();
                NDArray out = model.forward(Tensors.of(manager, tokens, new Shape(b, tp)),
                        Tensors.of(manager, positions, new Shape(b, tp)),
                        AttentionMask.bias(manager, slice(real, tp), 0, tp), cache, 0, true); // (B, 1, V)
                logits = out.toFloatArray();
            }
            // history of fed tokens, needed only without the cache
            List<long[]> fed = new ArrayList<>();
            for (int slot = tp; ; slot++) {
                // 2. sample one token per unfinished row, on the host
                boolean anyLeft = false;
                long[] next = new long[b];
                long[] nextPos = new long[b];
                for (int i = 0; i < b; i++) {
                    Row row = rows[i];
                    if (!row.finished()) {
                        row.step(logits, i * vocab, vocab, config.eosTokenId(), tokenizer);
                    }
                    anyLeft |= !row.finished();
                    next[i] = row.finished() ? config.eosTokenId() : row.lastToken();
                    nextPos[i] = row.request.prompt().length + row.generated.size() - 1;
                    real[i][Math.min(slot, capacity - 1)] = true;
                }
                if (!anyLeft) {
                    break;
                }
                fed.add(next);
                // 3. feed the sampled tokens back: one new column with the cache, the whole sequence without
                try (NDScope step = new NDScope()) {
                    step.suppressNotUsedWarning();
                    NDArray out;
                    if (cache != null) {
                        out = model.forward(Tensors.of(manager, next, new Shape(b, 1)),
                                Tensors.of(manager, nextPos, new Shape(b, 1)),
                                AttentionMask.bias(manager, slice(real, slot + 1), slot, 1), cache, slot, true);
                    } else {
                        int t = slot + 1;
                        long[] all = new long[b * t];
                        long[] pos = new long[b * t];
                        for (int i = 0; i < b; i++) {
                            int pad = tp - rows[i].request.prompt().length;
                            for (int c = 0; c < t; c++) {
                                all[i * t + c] = c < tp ? tokens[i * tp + c] : fed.get(c - tp)[i];
                                pos[i * t + c] = Math.max(0, c - pad);
                            }
                        }
                        out = model.forward(Tensors.of(manager, all, new Shape(b, t)), Tensors.of(manager, pos, new Shape(b, t)),
                                AttentionMask.bias(manager, slice(real, t), 0, t), null, 0, true);
                    }
                    logits = out.toFloatArray(); // (B, 1, V)
                }
            }
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
        final List<Integer> generated = new ArrayList<>();
        final List<Float> logprobs = new ArrayList<>();
        FinishReason reason;
        String text;

        Row(GenerationRequest request) {
            this.request = request;
            this.sampler = Sampler.of(request.params());
            this.rng = new SplittableRandom(request.params().seed());
        }

        boolean finished() {
            return reason != null;
        }

        int lastToken() {
            return generated.get(generated.size() - 1);
        }

        void step(float[] logits, int offset, int vocab, int eos, Tokenizer tokenizer) {
            if (request.cancelled().getAsBoolean()) {
                reason = FinishReason.CANCELLED;
                return;
            }
            int token = sampler.sample(logits, offset, vocab, rng);
            generated.add(token);
            if (request.params().logprobs()) {
                logprobs.add(Sampler.logProb(logits, offset, vocab, token));
            }
            if (token == eos) {
                reason = FinishReason.EOS;
                return;
            }
            List<String> stops = request.params().stop();
            if (!stops.isEmpty()) {
                String t = tokenizer.decode(ids());
                int cut = -1;
                for (String s : stops) {
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
