package io.rlrf.model;

/**
 * How a checkpoint stretches rotary position embeddings beyond its training length, {@code config.json}'s
 * {@code rope_scaling}. Each variant rescales RoPE's inverse frequencies {@code theta^(-2j/D)}; the
 * attention scale stays 1 for all of them (as in Hugging Face's {@code rope_init_fn}s of these types).
 */
public sealed interface RopeScaling {

    /** Plain RoPE ({@code rope_scaling: null} or {@code rope_type: default}). */
    RopeScaling NONE = new None();

    /**
     * Rescales the inverse frequencies in place.
     *
     * @param invFreq (D/2) inverse frequencies of plain RoPE
     * @return {@code invFreq}, rescaled
     */
    double[] apply(double[] invFreq);

    /** Plain RoPE. */
    record None() implements RopeScaling {
        @Override
        public double[] apply(double[] invFreq) {
            return invFreq;
        }
    }

    /**
     * Position interpolation (Chen et al. 2023, "Extending Context Window of Large Language Models via
     * Positional Interpolation"): every position divided by {@code factor}, i.e. every frequency.
     */
    record Linear(double factor) implements RopeScaling {
        public Linear {
            if (!(factor > 0)) {
                throw new IllegalArgumentException("rope_scaling.factor must be > 0, got " + factor);
            }
        }

        @Override
        public double[] apply(double[] invFreq) {
            for (int j = 0; j < invFreq.length; j++) {
                invFreq[j] /= factor;
            }
            return invFreq;
        }
    }

    /**
     * Llama 3.1's frequency-dependent scaling (Hugging Face's {@code _compute_llama3_parameters}): with
     * wavelength {@code w = 2 pi / f}, the short wavelengths ({@code w < L / high_freq_factor}, L the
     * original context) keep their frequency, the long ones ({@code w > L / low_freq_factor}) are divided by
     * {@code factor}, and those in between interpolate with
     * {@code s = (L / w - low_freq_factor) / (high_freq_factor - low_freq_factor)}:
     * {@code f' = (1 - s) f / factor + s f}.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings)
            implements RopeScaling {
        public Llama3 {
            if (!(factor > 0)) {
                throw new IllegalArgumentException("rope_scaling.factor must be > 0, got " + factor);
            }
            if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor)) {
                throw new IllegalArgumentException("rope_scaling needs 0 < low_freq_factor < high_freq_factor, got "
                        + lowFreqFactor + " and " + highFreqFactor);
            }
            if (originalMaxPositionEmbeddings <= 0) {
                throw new IllegalArgumentException("rope_scaling.original_max_position_embeddings must be > 0, got "
                        + originalMaxPositionEmbeddings);
            }
        }

        @Override
        public double[] apply(double[] invFreq) {
            double lowFreqWavelen = originalMaxPositionEmbeddings / lowFreqFactor; // longer: scaled by 1/factor
            double highFreqWavelen = originalMaxPositionEmbeddings / highFreqFactor; // shorter: unchanged
            for (int j = 0; j < invFreq.length; j++) {
                double f = invFreq[j];
                double wavelen = 2 * Math.PI / f;
                if (wavelen > lowFreqWavelen) {
                    invFreq[j] = f / factor;
                } else if (wavelen >= highFreqWavelen) {
                    double s = (originalMaxPositionEmbeddings / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                    invFreq[j] = (1 - s) * f / factor + s * f;
                }
            }
            return invFreq;
        }
    }
}
