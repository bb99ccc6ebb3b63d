package io.rlrf.loop.config;

import java.util.List;
import java.util.Optional;

import io.smallrye.config.WithDefault;

import io.rlrf.loop.LoopSettings;
import io.rlrf.model.Compute;
import io.rlrf.model.checkpoint.Dtype;
import io.rlrf.model.checkpoint.SaveOptions;
import io.rlrf.tasks.prompt.AnswerPrompt;

/**
 * How the loop talks to its peers and the task ({@code rlrf.trainer.loop.*}; [ours] choices the method
 * leaves open): the one home of these settings and their defaults, mapped by trainer-svc's config and
 * by the CLI's in-process runs alike.
 */
public interface LoopConfig {

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

    /**
     * Stored dtype of the checkpoints a run writes: {@code float32}, {@code bfloat16} or {@code float16}
     * ({@code torch_dtype} names). Unset: the base checkpoint's {@code torch_dtype} (float32 for a base
     * without one). Computation is float32 on CPU either way.
     */
    Optional<String> checkpointDtype();

    /**
     * Above this many bytes of tensor data a checkpoint is written as
     * {@code model-0000i-of-0000N.safetensors} shards with {@code model.safetensors.index.json}.
     * Default 5000000000 (5 GB, transformers' default).
     */
    @WithDefault("5000000000")
    long checkpointMaxShardBytes();

    /**
     * [ours] SFT and DPO steps keep only each decoder block's input and recompute the block in the
     * backward pass (gradient checkpointing): the same gradients, activations of about one block
     * instead of all of them, one more forward pass of compute (model/README, "Memory that fits").
     * Default false.
     */
    @WithDefault("false")
    boolean activationCheckpointing();

    /**
     * [ours] Generate and Refine calls a stage keeps in flight at once (sampling, evaluation and
     * reflection), at least 1. While one call's last rows still decode, the next calls' rows are
     * already in generator-svc's continuous batching (and in its other batching lanes), so a call's
     * tail no longer runs with most decode slots idle. Answers are consumed in call order and every
     * call's seed depends only on its index, so the run files are the same for any value. Measured on
     * the main job (2 cores, 2 generator lanes): sampling 6.0 s with 2, 5.3 s with 4; 1 keeps calls one
     * at a time. Default 4.
     */
    @WithDefault("" + LoopSettings.DEFAULT_CALLS_IN_FLIGHT)
    int callsInFlight();

    /** These settings as the loop library takes them. */
    default LoopSettings settings() {
        SaveOptions checkpoints;
        try {
            checkpoints = new SaveOptions(checkpointDtype().map(Dtype::ofTorchName).orElse(null), checkpointMaxShardBytes());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rlrf.trainer.loop.checkpoint-*: " + e.getMessage(), e);
        }
        return new LoopSettings(new AnswerPrompt(answerTemplate()), generateBatchPrompts(), judgeBatchItems(),
                refineBatchItems(), stop().orElse(List.of()), scoreBatchSize(), reflectFaultedOnly(), evaluateBase(),
                checkpoints, activationCheckpointing(), Compute.CPU, callsInFlight());
    }
}
