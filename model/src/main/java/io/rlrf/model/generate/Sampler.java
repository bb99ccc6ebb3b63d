package io.rlrf.model.generate;

import java.util.random.RandomGenerator;

/** Picks the next token from one row of logits; randomness is injected, so a seed reproduces a draw. */
public sealed interface Sampler permits GreedySampler, NucleusSampler {

    /**
     * @param logits a buffer holding the row at {@code [offset, offset + vocab)}
     * @return the chosen token id in {@code [0, vocab)}
     */
    int sample(float[] logits, int offset, int vocab, RandomGenerator rng);

    /** The sampler {@code params} ask for: greedy at temperature 0, otherwise nucleus sampling. */
    static Sampler of(SamplingParams params) {
        return params.isGreedy() ? new GreedySampler()
                : new NucleusSampler(params.temperature(), params.topK(), params.topP());
    }

    /**
     * Log-probability of {@code token} under softmax(logits) (temperature 1, no truncation), in
     * double precision.
     */
    static float logProb(float[] logits, int offset, int vocab, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        return (float) (logits[offset + token] - max - Math.log(sum));
    }
}
