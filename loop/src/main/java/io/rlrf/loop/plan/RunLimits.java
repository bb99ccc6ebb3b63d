package io.rlrf.loop.plan;

/**
 * Limits a run configuration must respect (trainer-svc's {@code rlrf.trainer.limits.*}, documented in
 * the loop's {@code RunLimitsConfig}); above one, StartRun gets RESOURCE_EXHAUSTED naming the property.
 *
 * @param property the prefix of the properties that set them, for messages ({@code rlrf.trainer.limits.})
 */
public record RunLimits(String property, int maxIterations, int maxN, int maxM, int maxPrompts, int maxNewTokens,
        int maxLabels, int maxEpochs, int maxBatchSize, int maxGradAccumulation, int maxPairsPerStep,
        int maxPairsPerPrompt, long maxAnswersPerIteration, long maxTrainingExamples, int maxLabelChars) {

    public RunLimits {
        if (maxIterations < 1 || maxN < 1 || maxM < 1 || maxPrompts < 1 || maxNewTokens < 1 || maxLabels < 0
                || maxEpochs < 1 || maxBatchSize < 1 || maxGradAccumulation < 1 || maxPairsPerStep < 1
                || maxPairsPerPrompt < 1 || maxAnswersPerIteration < 1 || maxTrainingExamples < 1 || maxLabelChars < 1) {
            throw new IllegalArgumentException("run limits must be positive: " + this);
        }
    }
}
