package io.rlrf.loop.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.rlrf.common.validation.Check;
import io.rlrf.common.validation.Limit;

/**
 * Limits a run configuration must respect (trainer-svc's {@code rlrf.trainer.limits.*}, documented in
 * the loop's {@code RunLimitsConfig}); above one, StartRun gets RESOURCE_EXHAUSTED naming the property.
 *
 * @param property the prefix of the properties that set them, for messages ({@code rlrf.trainer.limits.})
 */
public record RunLimits(String property, int maxIterations, int maxN, int maxM, int maxPrompts, int maxNewTokens,
        int maxLabels, int maxEpochs, int maxBatchSize, int maxGradAccumulation, int maxPairsPerStep,
        int maxPairsPerPrompt, long maxAnswersPerIteration, long maxTrainingExamples, int maxLabelChars,
        long maxPromptFileBytes, int maxPromptFileLines, long maxPairsFileBytes, int maxPairsFileRows) {

    public RunLimits {
        if (maxIterations < 1 || maxN < 1 || maxM < 1 || maxPrompts < 1 || maxNewTokens < 1 || maxLabels < 0
                || maxEpochs < 1 || maxBatchSize < 1 || maxGradAccumulation < 1 || maxPairsPerStep < 1
                || maxPairsPerPrompt < 1 || maxAnswersPerIteration < 1 || maxTrainingExamples < 1 || maxLabelChars < 1
                || maxPromptFileBytes < 1 || maxPromptFileLines < 1 || maxPairsFileBytes < 1 || maxPairsFileRows < 1) {
            throw new IllegalArgumentException("run limits must be positive: " + this);
        }
    }

    /** {@code property} with its prefix, e.g. {@code rlrf.trainer.limits.max-pairs-file-rows}, and its value. */
    public Limit limit(String name, long value) {
        return new Limit(property + name, value);
    }

    /**
     * A file's size must not exceed {@code limit}: RESOURCE_EXHAUSTED naming {@code field} (as
     * "FIELD (bytes)"), the limit and the setting. A file whose size cannot be read passes, for its
     * reader to refuse with the reason.
     */
    public static void fileSizeWithinLimit(String field, Path file, Limit limit) {
        long bytes;
        try {
            bytes = Files.size(file);
        } catch (IOException e) {
            return;
        }
        Check.withinLimit(field + " (bytes)", bytes, limit);
    }
}
