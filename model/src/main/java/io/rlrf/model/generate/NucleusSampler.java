package io.rlrf.model.generate;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Temperature sampling with optional top-k and nucleus (top-p; Holtzman et al. 2020) truncation:
 * <ol>
 *   <li>divide the logits by the temperature;</li>
 *   <li>rank tokens by logit, keep the top k (all when k = 0);</li>
 *   <li>softmax over the kept tokens;</li>
 *   <li>keep the smallest prefix of the ranking whose probability reaches p (the nucleus; always at
 *       least one token);</li>
 *   <li>draw from the kept tokens in proportion to their probabilities.</li>
 * </ol>
 */
public record NucleusSampler(double temperature, int topK, double topP) implements Sampler {

    public NucleusSampler {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be > 0 for sampling, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
    }

    @Override
    public int sample(float[] logits, int offset, int vocab, RandomGenerator rng) {
        int[] ranked = rank(logits, offset, vocab);
        int kept = topK == 0 ? vocab : Math.min(topK, vocab);
        double[] probs = softmax(logits, offset, ranked, kept, temperature);
        kept = nucleusSize(probs, kept, topP);
        double total = 0;
        for (int i = 0; i < kept; i++) {
            total += probs[i];
        }
        double u = rng.nextDouble() * total;
        double acc = 0;
        for (int i = 0; i < kept; i++) {
            acc += probs[i];
            if (u < acc) {
                return ranked[i];
            }
        }
        return ranked[kept - 1]; // u landed on the rounding edge
    }

    /** Token ids sorted by logit, highest first (ties: lower id first). */
    static int[] rank(float[] logits, int offset, int vocab) {
        long[] keys = new long[vocab];
        for (int i = 0; i < vocab; i++) {
            // order-preserving int of -logit in the high word, the id in the low word
            int bits = Float.floatToIntBits(-logits[offset + i]);
            int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
            keys[i] = ((long) sortable << 32) | i;
        }
        Arrays.sort(keys);
        int[] ids = new int[vocab];
        for (int i = 0; i < vocab; i++) {
            ids[i] = (int) keys[i];
        }
        return ids;
    }

    /** Softmax at {@code temperature} over the first {@code kept} ranked tokens, in rank order. */
    static double[] softmax(float[] logits, int offset, int[] ranked, int kept, double temperature) {
        double[] p = new double[kept];
        double max = logits[offset + ranked[0]] / temperature;
        double sum = 0;
        for (int i = 0; i < kept; i++) {
            p[i] = Math.exp(logits[offset + ranked[i]] / temperature - max);
            sum += p[i];
        }
        for (int i = 0; i < kept; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /**
     * Size of the nucleus: the smallest n such that the n most likely tokens (probabilities in
     * descending order) hold at least {@code topP} of the mass. At least 1.
     */
    public static int nucleusSize(double[] descendingProbs, int kept, double topP) {
        if (topP >= 1) {
            return kept;
        }
        double acc = 0;
        for (int i = 0; i < kept; i++) {
            acc += descendingProbs[i];
            if (acc >= topP) {
                return i + 1;
            }
        }
        return kept;
    }
}
