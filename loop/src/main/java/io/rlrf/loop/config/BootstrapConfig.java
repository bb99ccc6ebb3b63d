package io.rlrf.loop.config;

import java.util.List;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

import io.smallrye.config.WithDefault;

import io.rlrf.loop.bootstrap.BootstrapSpec;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The built-in base policy: SFT on the arith world, cached in the model store
 * ({@code rlrf.trainer.bootstrap.*}): the one home of these settings and their defaults, mapped by
 * trainer-svc's config and by the CLI's in-process runs alike.
 */
public interface BootstrapConfig {

    /**
     * Model-store folder of the cached built-in base policies: each is saved at
     * {@code <directory>/<hash>}, the hash (12 hex digits of a SHA-256) covering every bootstrap
     * setting below, the answer and reflection templates and the seed, so a changed setting trains
     * a new base and an unchanged one is reused. Default {@code bootstrap}.
     */
    @WithDefault("bootstrap")
    String directory();

    /**
     * Seed of the bootstrap (data, initial weights, batch order). One base for every run seed, so that
     * an experiment's seeds vary the runs, not their starting point (issue 14). Default 1234.
     */
    @WithDefault("1234")
    long seed();

    /** Answering examples (reference solutions) per difficulty level. Default 3000. */
    @WithDefault("3000")
    int answerExamplesPerLevel();

    /**
     * [ours] Revision examples (draft with an injected error, the verifier's critique, the fix)
     * per difficulty level; with {@link #answerExamplesPerLevel()} it sets the mix. Default 1500.
     */
    @WithDefault("1500")
    int revisionExamplesPerLevel();

    /**
     * Difficulty levels the bootstrap trains on. Default 1: one- and two-step addition and
     * subtraction, which a model this small learns in part within the step budget (level 2 and up
     * stay near zero accuracy at this size and budget, so a run there has nothing to improve from).
     */
    @WithDefault("1")
    List<Integer> levels();

    /**
     * SFT optimiser steps (the learning rate decays to its floor by the last step). [ours] 400 steps
     * left a base that had learned the format but not the arithmetic (11% of its lines right, issue
     * 14); the default base is trained 3x longer once and shipped in {@code models}, so runs do not
     * pay for it. Default 1200.
     */
    @WithDefault("1200")
    int steps();

    /** Sequences per SFT step. Default 32. */
    @WithDefault("32")
    int batchSize();

    /**
     * Sequences per forward/backward pass within a step (gradient accumulation below batch-size);
     * each step's sequences are sorted by length first, so a micro-batch pads little. Default 8.
     */
    @WithDefault("8")
    int microBatchSize();

    /** Peak learning rate (warm-up, then cosine decay). Default 2e-3. */
    @WithDefault("2e-3")
    double learningRate();

    /** Warm-up steps. Default 30. */
    @WithDefault("30")
    int warmupSteps();

    /** Hidden size of the built-in char-level policy. Default 128. */
    @WithDefault("128")
    int hiddenSize();

    /** Layers of the built-in policy. Default 4. */
    @WithDefault("4")
    int layers();

    /** Attention heads (K/V heads: half). Default 4. */
    @WithDefault("4")
    int heads();

    /**
     * Context length in characters; longer examples are left out of the SFT set. Default 1024:
     * a reflection prompt holds the question, a previous answer of up to max-new-tokens, the
     * critiques, and room for the rewrite.
     */
    @WithDefault("1024")
    int maxPositions();

    /** Dev-split problems per level for the greedy accuracy measured after training (0: none). Default 50. */
    @WithDefault("50")
    int devProblemsPerLevel();

    /** Most new tokens of a dev answer. Default 160. */
    @WithDefault("160")
    int devMaxNewTokens();

    /** Log the SFT loss every this many steps. Default 25. */
    @WithDefault("25")
    int logEvery();

    /**
     * A model store of bases made beforehand, read only: when the base these settings describe is
     * there (same content key), it is copied into the model store instead of trained. The
     * repository ships the default base in {@code models} (see {@code models/README.md}); a relative
     * path is resolved against the working directory, and a missing folder is ignored; set to the
     * empty string for none. Default {@code models}.
     */
    @WithDefault("models")
    Optional<String> shippedStore();

    /** The base of task {@code facts} ({@code rlrf.trainer.bootstrap.facts.*}). */
    Facts facts();

    /**
     * [ours] The factuality world's base: the same shape, optimiser and seed as above, trained on
     * every entity's description and on revisions of descriptions with one wrong value. Its own key
     * in the model store (the task and these settings are in it).
     */
    interface Facts {
        /**
         * SFT steps. Few on purpose: the base learns the format and most facts but confuses some, so
         * a run has precision to gain. Default 300 (12.4 minutes measured on the shared 2-core
         * development machine under a load of about 7; the result ships in {@code models}, see
         * {@code models/README.md}).
         */
        @WithDefault("300")
        int steps();

        /** Revision examples (a description with one wrong value, the verifier's critique, the fix) per entity. Default 1. */
        @WithDefault("1")
        int revisionsPerEntity();
    }

    /** The arith base's refine phase ({@code rlrf.trainer.bootstrap.refine.*}). */
    Refine refine();

    /**
     * [ours] The arith base's second phase (the loop library's {@code BootstrapSpec.Refine} says what it
     * is for): SFT continued from the first phase's weights on answering examples and revision examples
     * with slipped drafts and critiques in the form the judge serves. Its own key in the model store (the
     * first phase's key and every setting below are in it); the first phase's base is kept beside it.
     */
    interface Refine {
        /**
         * SFT steps; 0 turns the phase off (the base is the first phase's, as before this phase
         * existed). Default 300 (about 6 minutes on the 2-core development machine; the result ships in
         * {@code models}, see {@code models/README.md}).
         */
        @WithDefault("300")
        int steps();

        /** Answering examples per level. Default 3000 (two answering examples per revision one keep answering's share). */
        @WithDefault("3000")
        int answerExamplesPerLevel();

        /** Revision examples per level. Default 1500. */
        @WithDefault("1500")
        int revisionExamplesPerLevel();

        /** Per-step probability that a draft's step slips (at least one does). Default 0.35. */
        @WithDefault("0.35")
        double slipRate();

        /** Peak learning rate (warm-up, then cosine to a tenth of it). Default 1e-3. */
        @WithDefault("1e-3")
        double learningRate();

        /** Warm-up steps. Default 30. */
        @WithDefault("30")
        int warmupSteps();

        /**
         * The critiques' form: chained corrections. Keep it equal to reward-svc's
         * {@code rlrf.reward.verifier.chained-corrections} (both default to
         * {@code VerifierParams.SERVED_CHAINED_CORRECTIONS}, true).
         */
        @WithDefault(VerifierParams.SERVED_CHAINED_CORRECTIONS)
        boolean chainedCorrections();

        /**
         * The critiques' form: corrected lines. Keep it equal to reward-svc's
         * {@code rlrf.reward.verifier.corrected-lines} (both default to
         * {@code VerifierParams.SERVED_CORRECTED_LINES}, true).
         */
        @WithDefault(VerifierParams.SERVED_CORRECTED_LINES)
        boolean correctedLines();
    }

    /** The arith base's target phase ({@code rlrf.trainer.bootstrap.target.*}). */
    Target target();

    /**
     * [ours] The arith base's third phase (the loop library's {@code BootstrapSpec.Target} says what it is
     * for): SFT continued from the refined base on answering and revision examples of the levels runs target,
     * the critiques in the refine phase's form. Its own key in the model store (the refined base's key and
     * every setting below are in it); the bases before it are kept beside it.
     */
    interface Target {
        /** SFT steps; 0 turns the phase off (the base is the refined one). Default 0. */
        @WithDefault("0")
        int steps();

        /** The levels of its examples. Default 5. */
        @WithDefault("5")
        List<Integer> levels();

        /** Answering examples per level. Default 3000. */
        @WithDefault("3000")
        int answerExamplesPerLevel();

        /** Revision examples per level. Default 3000. */
        @WithDefault("3000")
        int revisionExamplesPerLevel();

        /** Per-step probability that a draft's step slips (at least one does). Default 0.35. */
        @WithDefault("0.35")
        double slipRate();

        /** Peak learning rate (warm-up, then cosine to a tenth of it). Default 1e-3. */
        @WithDefault("1e-3")
        double learningRate();

        /** Warm-up steps. Default 30. */
        @WithDefault("30")
        int warmupSteps();

        /** Seed of the phase's draw of examples (the batch order's is this plus 101). Default 1. */
        @WithDefault("1")
        long dataSeed();

        /**
         * [ours] Share of the drafts' slips that are slips of the step itself (left out, operation turned,
         * amount off) rather than of its result: the errors a small policy makes on level 5. Default 0.75.
         */
        @WithDefault("0.75")
        double structuralSlipShare();

        /**
         * Whether the revision examples' critiques compare the draft's steps with the reference's. Keep it
         * equal to reward-svc's {@code rlrf.reward.verifier.reference-steps} (both default to
         * {@code VerifierParams.SERVED_REFERENCE_STEPS}, false).
         */
        @WithDefault(VerifierParams.SERVED_REFERENCE_STEPS)
        boolean referenceSteps();
    }

    /** These settings as the loop library takes them. */
    default BootstrapSpec spec() {
        return new BootstrapSpec(directory(), OptionalLong.of(seed()),
                answerExamplesPerLevel(), revisionExamplesPerLevel(), levels(), steps(), batchSize(),
                microBatchSize(), learningRate(), warmupSteps(), hiddenSize(), layers(), heads(), maxPositions(),
                devProblemsPerLevel(), devMaxNewTokens(), logEvery(),
                shippedStore().filter(s -> !s.isBlank()).map(Path::of),
                new BootstrapSpec.Facts(facts().steps(), facts().revisionsPerEntity()),
                new BootstrapSpec.Refine(refine().steps(), refine().answerExamplesPerLevel(),
                        refine().revisionExamplesPerLevel(), refine().slipRate(), refine().learningRate(),
                        refine().warmupSteps(), refine().chainedCorrections(), refine().correctedLines()),
                new BootstrapSpec.Target(target().steps(), target().levels(), target().answerExamplesPerLevel(),
                        target().revisionExamplesPerLevel(), target().slipRate(), target().learningRate(),
                        target().warmupSteps(), target().dataSeed(), target().structuralSlipShare(),
                        target().referenceSteps()));
    }
}
