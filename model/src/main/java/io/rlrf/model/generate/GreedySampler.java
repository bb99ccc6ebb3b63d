package io.rlrf.model.generate;

import java.util.random.RandomGenerator;

/** Temperature 0: the most likely token (the lowest id on a tie). Uses no randomness. */
public record GreedySampler() implements Sampler {

    @Override
    public int sample(float[] logits, int offset, int vocab, RandomGenerator rng) {
        int best = 0;
        float bestValue = logits[offset];
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > bestValue) {
                bestValue = logits[offset + i];
                best = i;
            }
        }
        return best;
    }
}
