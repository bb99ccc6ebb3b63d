package io.rlrf.model.train;

/**
 * DPO settings.
 *
 * @param beta      strength of the KL anchor to the reference (method default 0.1)
 * @param nllWeight weight of an NLL term on the chosen answers, mean per token (RPO, Pang et al.
 *                  2024), the known remedy for likelihood displacement; 0 = plain DPO
 */
public record DpoParams(double beta, double nllWeight) {

    public DpoParams {
        if (!(beta > 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("beta must be > 0, got " + beta);
        }
        if (!(nllWeight >= 0) || !Double.isFinite(nllWeight)) {
            throw new IllegalArgumentException("nll weight must be >= 0, got " + nllWeight);
        }
    }
}
