package io.rlrf.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * Root-mean-square layer normalisation (Zhang and Sennrich 2019), as in Llama:
 * {@code y = x / sqrt(mean(x^2) + eps) * weight}, over the last axis, no mean subtraction, no bias.
 */
public final class RmsNorm {

    private RmsNorm() {
    }

    /**
     * @param x      (..., C)
     * @param weight (C)
     * @return (..., C)
     */
    public static NDArray apply(NDArray x, NDArray weight, float eps) {
        NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt(); // (..., 1)
        return x.div(rms).mul(weight); // (..., C); add(eps) saves no scalar for backward, pow(-0.5) would
    }
}
