package io.rlrf.model.train;

/**
 * What one DPO step measured (means over the batch's pairs).
 *
 * @param step             optimiser steps taken, this one included
 * @param lr               learning rate used
 * @param loss             the objective: preferenceLoss + nll weight x nllLoss
 * @param preferenceLoss   the DPO term alone (ln 2 when the policy equals the reference)
 * @param nllLoss          the chosen answers' mean per-token negative log-likelihood (measured whether or
 *                         not its weight is 0)
 * @param gradNorm         global gradient norm before clipping
 * @param rewardAccuracy   share of pairs whose chosen implicit reward exceeds the rejected one
 * @param rewardMargin     mean r_w - r_l
 * @param chosenReward     mean r_w
 * @param rejectedReward   mean r_l
 * @param chosenLogProb    mean log pi(y_w|x) (watch it for likelihood displacement)
 * @param tokens           tokens processed (both answers with their prompts)
 */
public record DpoStats(int step, double lr, double loss, double preferenceLoss, double nllLoss, double gradNorm, double rewardAccuracy, double rewardMargin,
        double chosenReward, double rejectedReward, double chosenLogProb, long tokens) {
}
