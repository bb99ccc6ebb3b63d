package io.rlrf.model.generate;

import java.util.List;

/**
 * How to sample one completion. Validated here, once.
 *
 * @param temperature    0 = greedy (argmax); otherwise logits are divided by it before softmax
 * @param topP           nucleus mass in (0, 1]: sample only from the smallest set of most likely
 *                       tokens whose probability reaches topP (1 = no truncation)
 * @param topK           sample only from the topK most likely tokens (0 = no limit)
 * @param maxNewTokens   most tokens to generate, at least 1
 * @param stop           strings that end the completion as soon as its text contains one (needs a
 *                       tokenizer); the stop string is not part of the returned text. A stop string
 *                       that is one of the tokenizer's added tokens ({@code <|im_end|>},
 *                       {@code <|eot_id|>}) ends it when that token is sampled.
 * @param seed           seeds this completion's random draws: the same seed and prompt give the same
 *                       completion, whatever else is in the batch
 * @param logprobs       also return each sampled token's log-probability under the model
 *                       (temperature 1, no truncation: the policy's own distribution)
 * @param minNewTokens   EOS cannot end the completion before this many tokens: it is left out of
 *                       the draw until then (stop strings still end it; log-probabilities stay
 *                       those of the unmodified policy). 0 = no minimum; at most maxNewTokens. With
 *                       minNewTokens = maxNewTokens every completion has exactly that length, which
 *                       is what a throughput benchmark on random weights needs.
 */
public record SamplingParams(double temperature, double topP, int topK, int maxNewTokens, List<String> stop,
        long seed, boolean logprobs, int minNewTokens) {

    public SamplingParams {
        if (!Double.isFinite(temperature) || temperature < 0) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 = no limit), got " + topK);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
        }
        if (minNewTokens < 0 || minNewTokens > maxNewTokens) {
            throw new IllegalArgumentException("min_new_tokens must be in [0, max_new_tokens = " + maxNewTokens
                    + "], got " + minNewTokens);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
    }

    /** No minimum length. */
    public SamplingParams(double temperature, double topP, int topK, int maxNewTokens, List<String> stop, long seed,
            boolean logprobs) {
        this(temperature, topP, topK, maxNewTokens, stop, seed, logprobs, 0);
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens. */
    public static SamplingParams greedy(int maxNewTokens) {
        return new SamplingParams(0, 1, 0, maxNewTokens, List.of(), 0, false);
    }

    /** Sampling at {@code temperature} with top-p, no top-k, no stop strings. */
    public static SamplingParams sample(double temperature, double topP, int maxNewTokens, long seed) {
        return new SamplingParams(temperature, topP, 0, maxNewTokens, List.of(), seed, false);
    }

    public SamplingParams withStop(List<String> strings) {
        return new SamplingParams(temperature, topP, topK, maxNewTokens, strings, seed, logprobs, minNewTokens);
    }

    public SamplingParams withLogprobs(boolean on) {
        return new SamplingParams(temperature, topP, topK, maxNewTokens, stop, seed, on, minNewTokens);
    }

    public SamplingParams withSeed(long newSeed) {
        return new SamplingParams(temperature, topP, topK, maxNewTokens, stop, newSeed, logprobs, minNewTokens);
    }

    public SamplingParams withMaxNewTokens(int n) {
        return new SamplingParams(temperature, topP, topK, n, stop, seed, logprobs, Math.min(minNewTokens, n));
    }

    public SamplingParams withMinNewTokens(int n) {
        return new SamplingParams(temperature, topP, topK, maxNewTokens, stop, seed, logprobs, n);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
