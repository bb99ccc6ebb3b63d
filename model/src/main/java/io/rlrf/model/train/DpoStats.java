package io.rlrf.model.train;

/**
 * What one preference step measured (means over the batch's pairs unless said otherwise).
 *
 * @param step             optimiser steps taken, this one included
 * @param lr               learning rate used
 * @param loss             the objective: preference + nllWeight x nll + reflectionWeight x reflectionNll
 * @param gradNorm         global gradient norm before clipping
 * @param rewardAccuracy   share of pairs whose chosen implicit reward exceeds the rejected one
 * @param rewardMargin     mean r_w - r_l
 * @param chosenReward     mean r_w
 * @param rejectedReward   mean r_l
 * @param chosenLogProb    mean log pi(y_w|x) over the whole chosen answer (watch it for likelihood
 *                         displacement)
 * @param tokens           tokens processed (both answers with their prompts, reflection sequences)
 * @param preference       the preference part: mean DPO loss over the pairs (0 without pairs)
 * @param nll              the chosen answers' mean per-token NLL, unweighted (0 without pairs)
 * @param reflectionNll    the reflection sequences' per-token NLL, unweighted (0 without them)
 * @param pairs            pairs in the batch
 * @param reflections      reflection sequences in the batch
 */
public record DpoStats(int step, double lr, double loss, double gradNorm, double rewardAccuracy, double rewardMargin,
        double chosenReward, double rejectedReward, double chosenLogProb, long tokens, double preference, double nll,
        double reflectionNll, int pairs, int reflections) {
}
