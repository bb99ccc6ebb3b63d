package io.rlrf.model.train;

/**
 * What one preference step measured (means over the batch's pairs unless said otherwise).
 *
 * @param step             optimiser steps taken, this one included
 * @param lr               learning rate used
 * @param loss             the objective: preferenceLoss + nll weight x nllLoss + reflection weight x
 *                         reflectionNll
 * @param preferenceLoss   the DPO term alone (ln 2 when the policy equals the reference; 0 without pairs)
 * @param nllLoss          the chosen answers' mean per-token negative log-likelihood over the whole
 *                         answer (measured whether or not its weight is 0; 0 without pairs)
 * @param gradNorm         global gradient norm before clipping
 * @param rewardAccuracy   share of pairs whose chosen implicit reward exceeds the rejected one
 * @param rewardMargin     mean r_w - r_l
 * @param chosenReward     mean r_w
 * @param rejectedReward   mean r_l
 * @param chosenLogProb    mean log pi(y_w|x) over the whole chosen answer (watch it for likelihood
 *                         displacement)
 * @param tokens           tokens processed (both answers with their prompts, only the chosen ones at beta 0;
 *                         reflection sequences)
 * @param reflectionNll    the reflection sequences' per-token NLL over all of the batch's reflection
 *                         tokens (measured whether or not its weight is 0; 0 without them)
 * @param pairs            pairs in the batch
 * @param reflections      reflection sequences in the batch
 */
public record DpoStats(int step, double lr, double loss, double preferenceLoss, double nllLoss, double gradNorm,
        double rewardAccuracy, double rewardMargin, double chosenReward, double rejectedReward, double chosenLogProb,
        long tokens, double reflectionNll, int pairs, int reflections) {
}
