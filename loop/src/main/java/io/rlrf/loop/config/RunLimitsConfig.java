package io.rlrf.loop.config;

import io.smallrye.config.WithDefault;

import io.rlrf.loop.plan.RunLimits;

/**
 * Limits a run configuration must respect ({@code rlrf.trainer.limits.*}); above one, a run is refused
 * with RESOURCE_EXHAUSTED naming the property.
 */
public interface RunLimitsConfig {

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

    /**
     * Largest prompt-set file ({@code data.train_file}, {@code data.eval_file}), in bytes. The file is
     * read whole at StartRun and by the stages. Default 67108864 (64 MiB; GSM8K's train split is 4 MiB).
     */
    @WithDefault("67108864")
    long maxPromptFileBytes();

    /** Most prompts (non-blank lines) in a prompt-set file. Default 1000000. */
    @WithDefault("1000000")
    int maxPromptFileLines();

    /**
     * Largest preference file of an offline DPO run ({@code data.pairs_file}), in bytes. The file is
     * read whole at StartRun and by the PAIR stage. Default 268435456 (256 MiB).
     */
    @WithDefault("268435456")
    long maxPairsFileBytes();

    /** Most rows (non-blank lines, one pair each) in a preference file. Default 1000000. */
    @WithDefault("1000000")
    int maxPairsFileRows();

    /** These limits as the validator takes them. */
    default RunLimits runLimits() {
        return new RunLimits("rlrf.trainer.limits.", maxIterations(), maxN(), maxM(), maxPrompts(), maxNewTokens(),
                maxLabels(), maxEpochs(), maxBatchSize(), maxGradAccumulation(), maxPairsPerStep(), maxPairsPerPrompt(),
                maxAnswersPerIteration(), maxTrainingExamples(), maxLabelChars(), maxPromptFileBytes(),
                maxPromptFileLines(), maxPairsFileBytes(), maxPairsFileRows());
    }
}
