package io.rlrf.model.train;

import java.util.Objects;

/**
 * Preference-update settings.
 *
 * @param beta             strength of the KL anchor to the reference (method default 0.1); 0 turns the
 *                         preference term off ({@link #preferenceOff()})
 * @param nllWeight        weight of an NLL term on the chosen answers, mean per token (RPO, Pang et
 *                         al. 2024), the known remedy for likelihood displacement; 0 = plain DPO
 * @param loss             where the contrast sits ({@link PreferenceLoss}); the paper's whole-answer
 *                         DPO by default
 * @param reflectionWeight weight of the NLL term on {@link ReflectionExample}s, mean per token over
 *                         the batch's reflection tokens; 0 by default (a batch without reflection
 *                         examples ignores it)
 */
public record DpoParams(double beta, double nllWeight, PreferenceLoss loss, double reflectionWeight) {

    public DpoParams {
        if (!(beta >= 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("beta must be >= 0, got " + beta);
        }
        if (!(nllWeight >= 0) || !Double.isFinite(nllWeight)) {
            throw new IllegalArgumentException("nll weight must be >= 0, got " + nllWeight);
        }
        if (beta == 0 && nllWeight == 0) {
            throw new IllegalArgumentException("beta 0 turns the preference term off; with nll weight 0 too nothing trains");
        }
        Objects.requireNonNull(loss, "loss");
        if (!(reflectionWeight >= 0) || !Double.isFinite(reflectionWeight)) {
            throw new IllegalArgumentException("reflection weight must be >= 0, got " + reflectionWeight);
        }
    }

    /**
     * Whether the preference term is off: at beta 0 every implicit reward is 0, so the DPO loss is ln 2
     * at any weights and has no gradient. The trainer then leaves out what only that term needs (the
     * rejected answers' pass and the reference's log-probabilities), and the update is the NLL term on
     * the chosen answers (rejection-sampling fine-tuning) plus the reflection term.
     */
    public boolean preferenceOff() {
        return beta == 0;
    }

    /** Whole-answer DPO with an optional NLL term on the chosen answers, no reflection term. */
    public DpoParams(double beta, double nllWeight) {
        this(beta, nllWeight, new PreferenceLoss.WholeAnswer(), 0);
    }
}
