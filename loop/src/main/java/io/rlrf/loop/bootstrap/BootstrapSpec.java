package io.rlrf.loop.bootstrap;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import io.rlrf.tasks.verify.VerifierParams;

/**
 * How the built-in base policy is made (trainer-svc's {@code rlrf.trainer.bootstrap.*}; each value's
 * meaning and default is documented there).
 *
 * @param directory     model-store folder of the cached bases
 * @param seed          seed of the bootstrap; empty: the run's seed
 * @param shippedStore  a read-only model store of bases made beforehand (the repository's
 *                      {@code models}): a base whose key is there is copied, not trained; empty: none
 * @param facts         how the base of task {@code facts} differs (same shape, its own data and steps)
 * @param refine        the arith base's second phase: more SFT on revision examples whose critiques are in
 *                      the form the judge serves ({@link Refine#NONE}: none)
 * @param target        the arith base's third phase: more SFT on the levels runs target ({@link Target#NONE}:
 *                      none)
 */
public record BootstrapSpec(String directory, OptionalLong seed, int answerExamplesPerLevel,
        int revisionExamplesPerLevel, List<Integer> levels, int steps, int batchSize, int microBatchSize,
        double learningRate, int warmupSteps, int hiddenSize, int layers, int heads, int maxPositions,
        int devProblemsPerLevel, int devMaxNewTokens, int logEvery, Optional<Path> shippedStore, Facts facts,
        Refine refine, Target target) {

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

    /**
     * [ours] The arith base's refine phase: SFT continued from the first phase's weights on answering
     * examples and revision examples whose drafts have the slips a small policy makes
     * ({@link SlipDrafts}) and whose critiques are written in the form the judge serves (corrected lines
     * with chained corrections by default). The first phase's critiques are sentences that repeat the
     * wrong value, and a base trained on them alone copies the critique's right value into 6% of its
     * rewrites; this phase teaches it to use the form it will be shown (loop/README.md, "Copy study").
     * Batch size, micro-batch size and seed are the first phase's.
     *
     * @param steps              SFT steps (0: no refine phase, the base is the first phase's)
     * @param answersPerLevel    answering examples per level
     * @param revisionsPerLevel  revision examples per level
     * @param slipRate           per-step slip probability of the drafts
     * @param learningRate       peak learning rate (warm-up, then cosine to a tenth of it)
     * @param warmupSteps        warm-up steps
     * @param chainedCorrections the critiques' form: chained corrections ({@link VerifierParams})
     * @param correctedLines     the critiques' form: corrected lines ({@link VerifierParams})
     */
    public record Refine(int steps, int answersPerLevel, int revisionsPerLevel, double slipRate, double learningRate,
            int warmupSteps, boolean chainedCorrections, boolean correctedLines) {
        /** No refine phase. */
        public static final Refine NONE = new Refine(0, 0, 0, 0.35, 1e-3, 0, false, false);

        public Refine {
            if (steps < 0 || answersPerLevel < 0 || revisionsPerLevel < 0 || !(slipRate > 0 && slipRate <= 1)
                    || !(learningRate > 0) || warmupSteps < 0 || (steps > 0 && answersPerLevel + revisionsPerLevel == 0)) {
                throw new IllegalArgumentException("inconsistent bootstrap refine settings: steps " + steps + " (>= 0), "
                        + "answers " + answersPerLevel + " and revisions " + revisionsPerLevel
                        + " per level (>= 0, not both 0 when steps > 0), slip rate " + slipRate + " (in (0, 1]), "
                        + "learning rate " + learningRate + " (> 0), warm-up " + warmupSteps + " (>= 0)");
            }
        }

        /** Whether the phase runs. */
        public boolean enabled() {
            return steps > 0;
        }

        /** The critiques' form as verifier settings. */
        public VerifierParams critiqueForm() {
            return VerifierParams.DEFAULTS.withChainedCorrections(chainedCorrections)
                    .withCorrectedLines(correctedLines);
        }
    }

    /**
     * [ours] The arith base's target phase: SFT continued from the refined base (or the first phase's, without a
     * refine phase) on answering and revision examples of other levels, the critiques in the refine phase's
     * form. The first two phases teach level 1, where sampling already finds a right answer for most prompts;
     * this one teaches the levels a run targets, where few samples are right but a rewrite under the critique
     * often is (issue 14). Batch and micro-batch sizes are the first phase's.
     *
     * @param steps             SFT steps (0: no target phase)
     * @param levels            the levels of its examples
     * @param answersPerLevel   answering examples per level
     * @param revisionsPerLevel revision examples per level
     * @param slipRate          per-step slip probability of the drafts
     * @param learningRate      peak learning rate (warm-up, then cosine to a tenth of it)
     * @param warmupSteps       warm-up steps
     * @param dataSeed          seed of its draw of examples; the batch order's is this plus 101
     * @param structuralShare   the share of the drafts' slips that are slips of the step itself (left out, its
     *                          operation turned, its amount off) rather than of its result ({@link SlipDrafts})
     * @param referenceSteps    whether its critiques compare the draft's steps with the reference's
     *                          ({@link VerifierParams#referenceSteps()}), on top of the refine phase's form
     */
    public record Target(int steps, List<Integer> levels, int answersPerLevel, int revisionsPerLevel, double slipRate,
            double learningRate, int warmupSteps, long dataSeed, double structuralShare, boolean referenceSteps) {
        /** No target phase. */
        public static final Target NONE = new Target(0, List.of(), 0, 0, 0.35, 1e-3, 0, 1, 0, false);

        public Target {
            levels = List.copyOf(levels);
            if (!(structuralShare >= 0 && structuralShare <= 1)) {
                throw new IllegalArgumentException("bootstrap target structural slip share must be in [0, 1], got "
                        + structuralShare);
            }
            if (steps < 0 || answersPerLevel < 0 || revisionsPerLevel < 0 || !(slipRate > 0 && slipRate <= 1)
                    || !(learningRate > 0) || warmupSteps < 0
                    || (steps > 0 && (levels.isEmpty() || answersPerLevel + revisionsPerLevel == 0))) {
                throw new IllegalArgumentException("inconsistent bootstrap target settings: steps " + steps + " (>= 0), "
                        + "levels " + levels + " (not empty when steps > 0), answers " + answersPerLevel + " and revisions "
                        + revisionsPerLevel + " per level (>= 0, not both 0 when steps > 0), slip rate " + slipRate
                        + " (in (0, 1]), learning rate " + learningRate + " (> 0), warm-up " + warmupSteps + " (>= 0)");
            }
        }

        /** Whether the phase runs. */
        public boolean enabled() {
            return steps > 0;
        }
    }

    /** Settings without a target phase. */
    public BootstrapSpec(String directory, OptionalLong seed, int answerExamplesPerLevel, int revisionExamplesPerLevel,
            List<Integer> levels, int steps, int batchSize, int microBatchSize, double learningRate, int warmupSteps,
            int hiddenSize, int layers, int heads, int maxPositions, int devProblemsPerLevel, int devMaxNewTokens,
            int logEvery, Optional<Path> shippedStore, Facts facts, Refine refine) {
        this(directory, seed, answerExamplesPerLevel, revisionExamplesPerLevel, levels, steps, batchSize, microBatchSize,
                learningRate, warmupSteps, hiddenSize, layers, heads, maxPositions, devProblemsPerLevel, devMaxNewTokens,
                logEvery, shippedStore, facts, refine, Target.NONE);
    }

    /** Settings without a refine phase. */
    public BootstrapSpec(String directory, OptionalLong seed, int answerExamplesPerLevel, int revisionExamplesPerLevel,
            List<Integer> levels, int steps, int batchSize, int microBatchSize, double learningRate, int warmupSteps,
            int hiddenSize, int layers, int heads, int maxPositions, int devProblemsPerLevel, int devMaxNewTokens,
            int logEvery, Optional<Path> shippedStore, Facts facts) {
        this(directory, seed, answerExamplesPerLevel, revisionExamplesPerLevel, levels, steps, batchSize, microBatchSize,
                learningRate, warmupSteps, hiddenSize, layers, heads, maxPositions, devProblemsPerLevel, devMaxNewTokens,
                logEvery, shippedStore, facts, Refine.NONE);
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
        java.util.Objects.requireNonNull(refine, "refine");
        java.util.Objects.requireNonNull(target, "target");
        if (directory.isBlank() || levels.isEmpty() || steps < 1 || batchSize < 1 || microBatchSize < 1
                || !(learningRate > 0) || warmupSteps < 0 || hiddenSize < 1 || layers < 1 || heads < 1
                || hiddenSize % heads != 0 || maxPositions < 2 || answerExamplesPerLevel < 0
                || revisionExamplesPerLevel < 0 || devProblemsPerLevel < 0 || devMaxNewTokens < 1) {
            throw new IllegalArgumentException("inconsistent bootstrap settings: " + this);
        }
    }
}
