package io.rlrf.loop.bootstrap;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How the built-in base policy is made (trainer-svc's {@code rlrf.trainer.bootstrap.*}; each value's
 * meaning and default is documented there).
 *
 * @param directory     model-store folder of the cached bases
 * @param seed          seed of the bootstrap; empty: the run's seed
 * @param shippedStore  a read-only model store of bases made beforehand (the repository's
 *                      {@code models}): a base whose key is there is copied, not trained; empty: none
 */
public record BootstrapSpec(String directory, OptionalLong seed, int answerExamplesPerLevel,
        int revisionExamplesPerLevel, List<Integer> levels, int steps, int batchSize, int microBatchSize,
        double learningRate, int warmupSteps, int hiddenSize, int layers, int heads, int maxPositions,
        int devProblemsPerLevel, int devMaxNewTokens, int logEvery, Optional<Path> shippedStore) {

    /** Settings without a shipped store. */
    public BootstrapSpec(String directory, OptionalLong seed, int answerExamplesPerLevel, int revisionExamplesPerLevel,
            List<Integer> levels, int steps, int batchSize, int microBatchSize, double learningRate, int warmupSteps,
            int hiddenSize, int layers, int heads, int maxPositions, int devProblemsPerLevel, int devMaxNewTokens,
            int logEvery) {
        this(directory, seed, answerExamplesPerLevel, revisionExamplesPerLevel, levels, steps, batchSize, microBatchSize,
                learningRate, warmupSteps, hiddenSize, layers, heads, maxPositions, devProblemsPerLevel, devMaxNewTokens,
                logEvery, Optional.empty());
    }

    public BootstrapSpec {
        levels = List.copyOf(levels);
        if (directory.isBlank() || levels.isEmpty() || steps < 1 || batchSize < 1 || microBatchSize < 1
                || !(learningRate > 0) || warmupSteps < 0 || hiddenSize < 1 || layers < 1 || heads < 1
                || hiddenSize % heads != 0 || maxPositions < 2 || answerExamplesPerLevel < 0
                || revisionExamplesPerLevel < 0 || devProblemsPerLevel < 0 || devMaxNewTokens < 1) {
            throw new IllegalArgumentException("inconsistent bootstrap settings: " + this);
        }
    }
}
