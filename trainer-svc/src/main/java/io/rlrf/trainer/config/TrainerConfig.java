package io.rlrf.trainer.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import io.rlrf.common.client.PeerCall;
import io.rlrf.loop.LoopSettings;
import io.rlrf.loop.bootstrap.BootstrapSpec;
import io.rlrf.loop.plan.RunLimits;
import io.rlrf.tasks.prompt.AnswerPrompt;

/**
 * Typed configuration of trainer-svc (prefix {@code rlrf.trainer}). The defaults of a run's own
 * settings are not here: they are the loop library's {@code run-defaults.textproto} (see
 * {@link #runDefaultsFile()}), and a StartRun call overrides any of them.
 */
@ConfigMapping(prefix = "rlrf.trainer")
public interface TrainerConfig {

    String PREFIX = "rlrf.trainer";

    /** Limits a run configuration must respect; above one, StartRun gets RESOURCE_EXHAUSTED. */
    Limits limits();

    /**
     * Shared access token: when set, the RPCs that change state (StartRun, CancelRun, ResumeRun) need
     * the metadata {@code authorization: Bearer <token>}, else UNAUTHENTICATED; reads (GetRun,
     * ListRuns, WatchRun, ListCheckpoints), health and reflection stay open. No default (no check).
     */
    Optional<String> accessToken();

    /**
     * A RunConfig in protobuf text format whose set fields replace the built-in run defaults (the loop
     * library's {@code io/rlrf/loop/plan/run-defaults.textproto}, which documents every value). No
     * default: the built-in defaults.
     */
    Optional<String> runDefaultsFile();

    /** Where runs and checkpoints live. */
    Storage storage();

    /** How the loop talks to the task and the policy ([ours] choices the method leaves open). */
    Loop loop();

    /** generator-svc calls (Generate, LoadCheckpoint). */
    Peer generator();

    /** reward-svc calls (Evaluate). */
    Peer reward();

    /** reflector-svc calls (Refine). */
    Peer reflector();

    /** The built-in base policy: SFT on the arith world, cached in the model store. */
    Bootstrap bootstrap();

    interface Storage {
        /**
         * Model store root, shared with generator-svc ({@code rlrf.generator.store.root}): base
         * checkpoints and every published iteration live here as store-relative versions. Default
         * {@code models}.
         */
        @WithDefault("models")
        String modelStore();

        /** Run root: one directory per run with its config, state, events and stage outputs. Default {@code runs}. */
        @WithDefault("runs")
        String runRoot();
    }

    interface Loop {
        /**
         * [ours] Prompt the policy answers, {@code {question}} replaced by the task's question. The
         * chosen answers are trained as answers to exactly this prompt (no feedback in context).
         * Default {@code Question:\n{question}\nAnswer:\n}.
         */
        @WithDefault(AnswerPrompt.DEFAULT_TEMPLATE)
        String answerTemplate();

        /** Prompts per Generate call (generator-svc's max-batch-prompts is 64). Default 16. */
        @WithDefault("16")
        int generateBatchPrompts();

        /** Items per Evaluate call (reward-svc's max-batch is 256). Default 64. */
        @WithDefault("64")
        int judgeBatchItems();

        /**
         * Items per Refine call (reflector-svc's max-items is 64). Default 64: with m/k rewrites each,
         * generator-svc gets batches as full as the sampling stage's.
         */
        @WithDefault("64")
        int refineBatchItems();

        /** Stop strings passed with every Generate and Refine call. Default none. */
        Optional<List<String>> stop();

        /** Sequences per reference-scoring batch before DPO. Default 8. */
        @WithDefault("8")
        int scoreBatchSize();

        /**
         * [ours] Step 3 selects the top k among the answers the judge faulted (some aspect rated below
         * 3); a prompt whose answers are all flawless gets no rewrites. The method says "the most
         * promising answers"; an answer with no critique gives the reflection nothing to fix, and with
         * top-k over all answers the budget went to rewriting answers that were already right.
         * Default true.
         */
        @WithDefault("true")
        boolean reflectFaultedOnly();

        /** Evaluate the starting policy before iteration 1 (Run.base_eval_accuracy). Default true. */
        @WithDefault("true")
        boolean evaluateBase();

        /** These settings as the loop library takes them. */
        default LoopSettings settings() {
            return new LoopSettings(new AnswerPrompt(answerTemplate()), generateBatchPrompts(), judgeBatchItems(),
                    refineBatchItems(), stop().orElse(List.of()), scoreBatchSize(), reflectFaultedOnly(), evaluateBase());
        }
    }

    interface Peer {
        /** Deadline of every call. Default 120s (a batch of long generations on 2 cores). */
        @WithDefault("120s")
        Duration deadline();

        /** Attempts per call; only UNAVAILABLE and DEADLINE_EXCEEDED are retried. Default 3. */
        @WithDefault("3")
        int maxAttempts();

        /** Pause before the first retry, doubled for each later one. Default 500ms. */
        @WithDefault("500ms")
        Duration retryBackoff();

        default PeerCall.Policy policy() {
            return new PeerCall.Policy(deadline(), maxAttempts(), retryBackoff());
        }
    }

    interface Bootstrap {
        /**
         * Model-store folder of the cached built-in base policies: each is saved at
         * {@code <directory>/<hash>}, the hash (12 hex digits of a SHA-256) covering every bootstrap
         * setting below, the answer and reflection templates and the seed, so a changed setting trains
         * a new base and an unchanged one is reused. Default {@code bootstrap}.
         */
        @WithDefault("bootstrap")
        String directory();

        /**
         * Seed of the bootstrap (data, initial weights, batch order). Default: none, the run's seed
         * (each seed of the comparison gets its own base, trained once and cached).
         */
        Optional<Long> seed();

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
         * SFT optimiser steps; few on purpose, so the base stays imperfect (the learning rate decays to
         * its floor by the last step). Default 400.
         */
        @WithDefault("400")
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

        /** These settings as the loop library takes them. */
        default BootstrapSpec spec() {
            return new BootstrapSpec(directory(), seed().map(OptionalLong::of).orElse(OptionalLong.empty()),
                    answerExamplesPerLevel(), revisionExamplesPerLevel(), levels(), steps(), batchSize(),
                    microBatchSize(), learningRate(), warmupSteps(), hiddenSize(), layers(), heads(), maxPositions(),
                    devProblemsPerLevel(), devMaxNewTokens(), logEvery());
        }
    }

    interface Limits {
        /** Most iterations per run. Default 20. */
        @WithDefault("20")
        int maxIterations();

        /** Most samples per prompt (n). Default 32, generator-svc's default max-n. */
        @WithDefault("32")
        int maxN();

        /** Most rewrites per prompt (m, spread over k answers). Default 32. */
        @WithDefault("32")
        int maxM();

        /** Most training or evaluation prompts per iteration. Default 100000. */
        @WithDefault("100000")
        int maxPrompts();

        /**
         * Largest max_new_tokens for sampling, reflection and evaluation. Default 512, what
         * generator-svc and reflector-svc accept by default; raise them together.
         */
        @WithDefault("512")
        int maxNewTokens();

        /** Most labels on a run. Default 32. */
        @WithDefault("32")
        int maxLabels();

        /** Largest ListRuns page. Default 100. */
        @WithDefault("100")
        int maxPageSize();

        /** The limits on a run's config, as the loop library's validator takes them. */
        default RunLimits runLimits() {
            return new RunLimits(PREFIX + ".limits.", maxIterations(), maxN(), maxM(), maxPrompts(), maxNewTokens(),
                    maxLabels());
        }
    }
}
