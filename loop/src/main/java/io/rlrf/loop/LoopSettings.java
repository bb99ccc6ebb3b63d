package io.rlrf.loop;

import java.util.List;
import java.util.Objects;

import io.rlrf.model.Compute;
import io.rlrf.model.checkpoint.SaveOptions;
import io.rlrf.tasks.prompt.AnswerPrompt;

/**
 * How the loop talks to its peers and the task, the same for every run of a trainer ([ours]
 * choices the method leaves open; trainer-svc's {@code rlrf.trainer.loop.*}).
 *
 * @param answerPrompt         the prompt the policy answers under, in sampling, evaluation and training
 * @param generateBatchPrompts prompts per Generate call
 * @param judgeBatchItems      items per Evaluate call
 * @param refineBatchItems     answers per Refine call
 * @param stop                 stop strings of every generation
 * @param scoreBatchSize       pairs per reference-scoring batch before DPO
 * @param reflectFaultedOnly   step 3 selects among the answers the judge faulted only
 * @param evaluateBase         evaluate the starting policy before iteration 1
 * @param checkpoints          how iteration checkpoints are written (stored dtype, shard size)
 * @param activationCheckpointing the training stages recompute each block's activations in the
 *                             backward pass instead of keeping them (less memory, one more forward pass)
 * @param compute              where the training stages load the policy (trainer-svc's
 *                             {@code rlrf.trainer.device}); fp32 on the CPU by default
 * @param callsInFlight        Generate and Refine calls a stage keeps in flight at once (answers are
 *                             still consumed in call order)
 */
public record LoopSettings(AnswerPrompt answerPrompt, int generateBatchPrompts, int judgeBatchItems,
        int refineBatchItems, List<String> stop, int scoreBatchSize, boolean reflectFaultedOnly, boolean evaluateBase,
        SaveOptions checkpoints, boolean activationCheckpointing, Compute compute, int callsInFlight) {

    public LoopSettings {
        Objects.requireNonNull(answerPrompt, "answerPrompt");
        Objects.requireNonNull(checkpoints, "checkpoints");
        Objects.requireNonNull(compute, "compute");
        stop = List.copyOf(stop);
        if (generateBatchPrompts < 1 || judgeBatchItems < 1 || refineBatchItems < 1 || scoreBatchSize < 1) {
            throw new IllegalArgumentException("loop batch sizes must be at least 1");
        }
        if (callsInFlight < 1) {
            throw new IllegalArgumentException("rlrf.trainer.loop.calls-in-flight must be at least 1, got " + callsInFlight);
        }
    }

    /** Default of {@code rlrf.trainer.loop.calls-in-flight} (see {@link io.rlrf.loop.config.LoopConfig#callsInFlight}). */
    public static final int DEFAULT_CALLS_IN_FLIGHT = 4;

    /** These settings with {@code calls} Generate and Refine calls in flight per stage. */
    public LoopSettings withCallsInFlight(int calls) {
        return new LoopSettings(answerPrompt, generateBatchPrompts, judgeBatchItems, refineBatchItems, stop,
                scoreBatchSize, reflectFaultedOnly, evaluateBase, checkpoints, activationCheckpointing, compute, calls);
    }

    /** The defaults of {@code rlrf.trainer.loop.*}. */
    public static LoopSettings defaults() {
        return new LoopSettings(AnswerPrompt.DEFAULT, 16, 64, 64, List.of(), 8, true, true, SaveOptions.DEFAULT,
                false, Compute.CPU, DEFAULT_CALLS_IN_FLIGHT);
    }

    /** These settings with the training stages' policy on {@code compute}. */
    public LoopSettings withCompute(Compute compute) {
        return new LoopSettings(answerPrompt, generateBatchPrompts, judgeBatchItems, refineBatchItems, stop,
                scoreBatchSize, reflectFaultedOnly, evaluateBase, checkpoints, activationCheckpointing, compute,
                callsInFlight);
    }
}
