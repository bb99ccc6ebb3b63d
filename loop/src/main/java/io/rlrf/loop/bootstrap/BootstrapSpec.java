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
 * @param facts         how the base of task {@code facts} differs (same shape, its own data and steps)
 */
public record BootstrapSpec(String directory, OptionalLong seed, int answerExamplesPerLevel,
        int revisionExamplesPerLevel, List<Integer> levels, int steps, int batchSize, int microBatchSize,
        double learningRate, int warmupSteps, int hiddenSize, int layers, int heads, int maxPositions,
        int devProblemsPerLevel, int devMaxNewTokens, int logEvery, Optional<Path> shippedStore, Facts facts) {

    /**
     * The base of the factuality world: SFT on every entity's description (answering) and on
     * revisions of descriptions with one wrong value, with the arith base's shape and optimiser.
     *
     * @param steps              SFT steps (few, so that the base confuses some facts)
     * @param revisionsPerEntity revision examples per entity
     */
    public record Facts(int steps, int revisionsPerEntity) {
        /** rlrf.trainer.bootstrap.facts.* defaults. */
        public static final Facts DEFAULTS = new Facts(300, 1);

        public Facts {
            if (steps < 1 || revisionsPerEntity < 0) {
                throw new IllegalArgumentException("inconsistent facts bootstrap settings: steps " + steps
                        + " (>= 1), revisions per entity " + revisionsPerEntity + " (>= 0)");
            }
        }
    }

    /** Settings with the default facts bootstrap. */
    public BootstrapSpec(String directory, OptionalLong seed, int answerExamplesPerLevel, int revisionExamplesPerLevel,
            List<Integer> levels, int steps, int batchSize, int microBatchSize, double learningRate, int warmupSteps,
            int hiddenSize, int layers, int heads, int maxPositions, int devProblemsPerLevel, int devMaxNewTokens,
            int logEvery, Optional<Path> shippedStore) {
        this(directory, seed, answerExamplesPerLevel, revisionExamplesPerLevel, levels, steps, batchSize, microBatchSize,
                learningRate, warmupSteps, hiddenSize, layers, heads, maxPositions, devProblemsPerLevel, devMaxNewTokens,
                logEvery, shippedStore, Facts.DEFAULTS);
    }

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
        java.util.Objects.requireNonNull(facts, "facts");
        if (directory.isBlank() || levels.isEmpty() || steps < 1 || batchSize < 1 || microBatchSize < 1
                || !(learningRate > 0) || warmupSteps < 0 || hiddenSize < 1 || layers < 1 || heads < 1
                || hiddenSize % heads != 0 || maxPositions < 2 || answerExamplesPerLevel < 0
                || revisionExamplesPerLevel < 0 || devProblemsPerLevel < 0 || devMaxNewTokens < 1) {
            throw new IllegalArgumentException("inconsistent bootstrap settings: " + this);
        }
    }
}
