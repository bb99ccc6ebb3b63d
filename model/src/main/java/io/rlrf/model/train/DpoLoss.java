package io.rlrf.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

import io.rlrf.model.Tensors;

/**
 * The DPO objective (Rafailov et al. 2023, eq. 7), sigmoid form:
 * <pre>
 *   r_w = beta (log pi(y_w|x) - log pi_ref(y_w|x))       implicit reward of the chosen answer
 *   r_l = beta (log pi(y_l|x) - log pi_ref(y_l|x))       implicit reward of the rejected answer
 *   L   = -log sigmoid(r_w - r_l) = softplus(-(r_w - r_l))
 * </pre>
 * A pure function: it returns values; callers record them. With pi = pi_ref every reward is 0 and
 * L = ln 2.
 */
public final class DpoLoss {

    private DpoLoss() {
    }

    /** Per-pair values, each (B). */
    public record Result(NDArray losses, NDArray chosenRewards, NDArray rejectedRewards, NDArray margins) {

        /** Mean loss over the pairs, a scalar. */
        public NDArray meanLoss() {
            return losses.mean();
        }
    }

    /**
     * @param policyChosen   (B) log pi(y_w|x), summed over completion tokens
     * @param policyRejected (B) log pi(y_l|x)
     * @param refChosen      (B) log pi_ref(y_w|x), no gradient
     * @param refRejected    (B) log pi_ref(y_l|x), no gradient
     */
    public static Result compute(NDArray policyChosen, NDArray policyRejected, NDArray refChosen,
            NDArray refRejected, double beta) {
        if (!(beta > 0)) {
            throw new IllegalArgumentException("beta must be > 0, got " + beta);
        }
        NDArray b = Tensors.scalar(policyChosen.getManager(), (float) beta); // float32, owned by libtorch
        NDArray chosen = policyChosen.sub(refChosen).mul(b); // (B)
        NDArray rejected = policyRejected.sub(refRejected).mul(b); // (B)
        NDArray margins = chosen.sub(rejected); // (B)
        NDArray losses = Activation.softPlus(margins.neg()); // (B) -log sigmoid(margin)
        return new Result(losses, chosen, rejected, margins);
    }
}
