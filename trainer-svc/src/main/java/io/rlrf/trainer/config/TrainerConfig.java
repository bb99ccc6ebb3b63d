package io.rlrf.trainer.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Typed configuration of trainer-svc (prefix {@code rlrf.trainer}). The run defaults are the
 * method's defaults from {@code method.md} (n = 8, k = 2, m = 8, delta = 0.25, beta = 0.1, sampling
 * temperature 0.8 and top-p 0.95, reflection temperature 0.7); a StartRun call overrides any of them.
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

    /** Values for the RunConfig fields a StartRun call leaves unset. */
    RunDefaults defaults();

    /** Where runs and checkpoints live. */
    Storage storage();

    /** How the loop talks to the task and the policy ([ours] choices the method leaves open). */
    Loop loop();

    /** generator-svc calls (Generate, LoadCheckpoint). */
    GeneratorPeer generator();

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
        @WithDefault("Question:\n{question}\nAnswer:\n")
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
    }

    /** generator-svc: a peer whose LoadCheckpoint may be guarded by an access token. */
    interface GeneratorPeer extends Peer {
        /**
         * The token trainer-svc sends with LoadCheckpoint ({@code authorization: Bearer <token>}):
         * generator-svc's {@code rlrf.generator.access-token}, when that is set. No default (none sent).
         */
        Optional<String> accessToken();
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

        /**
         * Reflection template, identical to reflector-svc's {@code rlrf.reflector.template.text}
         * default (ReflectorConfig.Template#text): the revision examples must look exactly like the
         * prompts the reflector builds at run time. Change both together.
         */
        @WithDefault("Question:\n{prompt}\nPrevious answer:\n{answer}\nFeedback:\n{critiques}\n"
                + "Revised answer (fix every problem the feedback names):\n")
        String reflectionTemplate();
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

        /** Largest {@code dpo.epochs} and {@code sft.epochs}. Default 100. */
        @WithDefault("100")
        int maxEpochs();

        /** Largest {@code dpo.batch_size} and {@code sft.batch_size}. Default 1024. */
        @WithDefault("1024")
        int maxBatchSize();

        /** Largest {@code dpo.grad_accumulation}. Default 256. */
        @WithDefault("256")
        int maxGradAccumulation();

        /** Largest {@code dpo.batch_size} x {@code dpo.grad_accumulation} (pairs per optimiser step). Default 4096. */
        @WithDefault("4096")
        int maxPairsPerStep();

        /** Largest {@code pairing.pairs_per_prompt}. Default 32. */
        @WithDefault("32")
        int maxPairsPerPrompt();

        /**
         * Most answers generated for training per iteration: {@code train_prompts} x
         * ({@code sampling.n} + {@code reflection.m} when reflecting). Default 6400000, what the
         * per-field limits allow at most; it bounds the product when those are raised.
         */
        @WithDefault("6400000")
        long maxAnswersPerIteration();

        /**
         * Most training examples processed per iteration, each epoch counted: {@code train_prompts} x
         * {@code pairs_per_prompt} x {@code dpo.epochs} (DPO) and {@code train_prompts} x
         * {@code sft.epochs} (MODE_SFT). Default 10000000.
         */
        @WithDefault("10000000")
        long maxTrainingExamples();

        /** Longest label key or value, in characters. Default 256. */
        @WithDefault("256")
        int maxLabelChars();
    }

    interface RunDefaults {
        /** Default "arith", the built-in task world. */
        @WithDefault("arith")
        String task();

        /** Default 1234. */
        @WithDefault("1234")
        long seed();

        /** Default 2 (the paper's setting). */
        @WithDefault("2")
        int iterations();

        Data data();

        Sampling sampling();

        Reflection reflection();

        Pairing pairing();

        Dpo dpo();

        Sft sft();

        Eval eval();
    }

    interface Data {
        /** Default 256. */
        @WithDefault("256")
        int trainPrompts();

        /** Default 200. */
        @WithDefault("200")
        int evalPrompts();

        /** Default "train". */
        @WithDefault("train")
        String trainSplit();

        /** Default "test". */
        @WithDefault("test")
        String evalSplit();

        /**
         * Difficulty levels of the built-in arith task a run draws its prompts from, when its config
         * names none. Default 1: the levels the built-in base policy is bootstrapped on
         * ({@code bootstrap.levels}), where it is imperfect but not hopeless.
         */
        @WithDefault("1")
        List<Integer> difficultyLevels();
    }

    interface Sampling {
        /** Default 8. */
        @WithDefault("8")
        int n();

        /** Default 0.8. */
        @WithDefault("0.8")
        float temperature();

        /** Default 0.95. */
        @WithDefault("0.95")
        float topP();

        /** Default 0 (off). */
        @WithDefault("0")
        int topK();

        /** Default 160 (a built-in answer is about 35 tokens; longer ones ramble). */
        @WithDefault("160")
        int maxNewTokens();
    }

    interface Reflection {
        /** Default 2. */
        @WithDefault("2")
        int k();

        /** Default 8 (4 rewrites for each of the k answers). */
        @WithDefault("8")
        int m();

        /** Default 0.7. */
        @WithDefault("0.7")
        float temperature();

        /** Default 0.95. */
        @WithDefault("0.95")
        float topP();

        /** Default 160 (a built-in answer is about 35 tokens; longer ones ramble). */
        @WithDefault("160")
        int maxNewTokens();
    }

    interface Pairing {
        /** Default 0.25 on the normalised score. */
        @WithDefault("0.25")
        double delta();

        /** Default 1. */
        @WithDefault("1")
        int pairsPerPrompt();

        /**
         * [ours] The rejected answer comes from the initial samples only (the method's "or an initial
         * answer worse than chosen"). Default true: in the built-in experiment, with the worst of all
         * candidates, 144 of 161 rejected answers were rewrites, whose low likelihood under the plain
         * prompt made an easy contrast (DPO loss 0.57 against reward-only's 0.90) that taught little.
         */
        @WithDefault("true")
        boolean rejectedFromSamples();
    }

    interface Dpo {
        /** Default 0.1. */
        @WithDefault("0.1")
        double beta();

        /**
         * Default 1e-3 (small models need more than the 1e-5 of LLM recipes; the built-in base was
         * trained with SFT at 2e-3, and 5e-4 over 2 epochs left its accuracy unchanged).
         */
        @WithDefault("1e-3")
        double learningRate();

        /** Default 3. */
        @WithDefault("3")
        int epochs();

        /** Default 8 pairs. */
        @WithDefault("8")
        int batchSize();

        /** Default 1. */
        @WithDefault("1")
        int gradAccumulation();

        /** Default 0.1. */
        @WithDefault("0.1")
        double warmupRatio();

        /** Default 1.0. */
        @WithDefault("1.0")
        double maxGradNorm();

        /** Default 0. */
        @WithDefault("0")
        double weightDecay();

        /**
         * Default 1.0: the RPO-style NLL term on the chosen answers, against likelihood displacement
         * (the chosen answer's log-probability falling while the margin grows), which method.md
         * names as the known failure of DPO on small models.
         */
        @WithDefault("1.0")
        double nllWeight();
    }

    interface Sft {
        /** Default 1e-3. */
        @WithDefault("1e-3")
        double learningRate();

        /** Default 1. */
        @WithDefault("1")
        int epochs();

        /** Default 16. */
        @WithDefault("16")
        int batchSize();
    }

    interface Eval {
        /** Default 0 (greedy). */
        @WithDefault("0")
        float temperature();

        /** Default 160 (a built-in answer is about 35 tokens; longer ones ramble). */
        @WithDefault("160")
        int maxNewTokens();
    }
}
