package io.rlrf.loop.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.loop.bootstrap.Bootstrap;

/**
 * Where a run keeps what its stages wrote: {@code <run>/iter-<t>/<file>} plus one {@code <stage>.done}
 * marker per finished stage, and the store-relative version of each iteration's checkpoint.
 *
 * <p>Iteration 0 holds the base policy: {@code bootstrap.json} (when the run bootstraps it) and its
 * evaluation. Iteration t holds samples, feedback, selections, rewrites and their feedback, pairs and
 * their reference scores, the training result and checkpoint, the publish record and the evaluation.
 */
public record RunLayout(Path runDir, String runId, String baseCheckpoint) {

    public static final String SAMPLES = "samples.jsonl";
    public static final String FEEDBACK = "feedback.jsonl";
    public static final String SELECTED = "selected.jsonl";
    public static final String REFINEMENTS = "refinements.jsonl";
    public static final String REFINEMENT_FEEDBACK = "refinement-feedback.jsonl";
    public static final String PAIRS = "pairs.jsonl";
    /** The pairs with the frozen reference's log-probabilities; not written at {@code dpo.beta} 0, which needs none. */
    public static final String SCORED_PAIRS = "scored-pairs.jsonl";
    public static final String TRAIN = "train.json";
    public static final String CHECKPOINT = "checkpoint";
    /** With LoRA: the iteration's adapter alone, in PEFT's layout, naming the version it was trained on. */
    public static final String ADAPTER = "adapter";
    public static final String PUBLISH = "publish.json";
    public static final String EVAL_ANSWERS = "eval-answers.jsonl";
    public static final String EVAL_FEEDBACK = "eval-feedback.jsonl";
    public static final String EVALUATION = "evaluation.json";
    /** The trained policy's greedy answers to the prompts only a rewrite solved (internalisation). */
    public static final String INTERNALISATION_ANSWERS = "internalisation-answers.jsonl";
    /** The bootstrap stage's output in {@code iter-0}: the base's store version and how it was made. */
    public static final String BOOTSTRAP = "bootstrap.json";

    public Path iterDir(int t) {
        return runDir.resolve("iter-" + t);
    }

    public Path file(int t, String name) {
        return iterDir(t).resolve(name);
    }

    /** {@code <stage>.done} of iteration t, e.g. {@code judge_refinements.done}. */
    public Path marker(int t, Stage s) {
        return iterDir(t).resolve(s.name().substring("STAGE_".length()).toLowerCase(Locale.ROOT) + ".done");
    }

    /** Store-relative version of iteration t's checkpoint (t = 0: the base, given or bootstrapped). */
    public String version(int t) {
        if (t > 0) {
            return "runs/" + runId + "/iter-" + t;
        }
        if (!baseCheckpoint.isEmpty()) {
            return baseCheckpoint;
        }
        Path info = file(0, BOOTSTRAP);
        if (!Files.exists(info)) {
            throw new IllegalStateException("run " + runId + " has no base yet: its BOOTSTRAP stage has not finished");
        }
        return RunFiles.readRecord(info, Bootstrap.Result.class).version();
    }
}
