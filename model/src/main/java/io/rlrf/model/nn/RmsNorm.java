package io.rlrf.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

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
        if (x.getDataType() != DataType.FLOAT32) {
            // half-precision compute: the mean of squares in fp32, as transformers' LlamaRMSNorm does, then back
            NDArray y = apply(x.toType(DataType.FLOAT32, false), weight.toType(DataType.FLOAT32, false), eps);
            return y.toType(x.getDataType(), false); // (..., C)
        }
        NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt(); // (..., 1)
        return x.div(rms).mul(weight); // (..., C); add(eps) saves no scalar for backward, pow(-0.5) would
    }
}
