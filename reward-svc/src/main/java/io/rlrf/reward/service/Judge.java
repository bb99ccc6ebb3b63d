package io.rlrf.reward.service;

import java.util.List;
import java.util.Optional;

import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.JudgeKind;

/**
 * A judge: turns one (prompt, answer, reference) item into fine-grained feedback on the given
 * aspects. Implementations: {@link VerifierJudge} (exact, recomputes math), {@link ModelJudge} (a
 * language model prompted with a rubric per aspect).
 */
public interface Judge {

    /** Stable id used in requests and feedback, e.g. {@code verifier-gsm8k}. */
    String id();

    JudgeKind kind();

    /** Version of the rubric (aspect definitions, prompts, rating rules) this judge applies. */
    String rubricVersion();

    /**
     * Everything about the judge that changes its feedback for the same input (id, rubric version,
     * model, sampling): part of the cache key.
     */
    String fingerprint();

    /** Aspects this judge can rate. */
    List<String> ratableAspects();

    /** Aspects rated when a request lists none; empty means the judge selects them per prompt. */
    List<String> defaultAspects();

    /** Whether each item needs a reference (a final answer, or an entity's description for the facts verifier). */
    boolean needsReference();

    /**
     * What is wrong with a non-blank reference for this judge (the end of an INVALID_ARGUMENT message
     * on {@code items[i].reference}); empty when the judge can use it.
     */
    default Optional<String> referenceProblem(String reference) {
        return Optional.empty();
    }

    String description();

    /**
     * How many items of one call this judge may work on at once (the model judge: its
     * {@code max-concurrency}); 1, the default, judges them one after the other in the caller's thread.
     */
    default int parallelism() {
        return 1;
    }

    /**
     * Judges one item. Returns a feedback with status, aspects, score and outcome set (status
     * JUDGE_FAILURE with a reason when the judge could not produce valid feedback); the caller sets
     * ids, judge, task and cache fields.
     *
     * @param aspects the aspects to rate; empty means the judge selects them
     * @throws io.rlrf.common.error.ServiceException UNAVAILABLE when the judge's backend cannot be reached
     */
    Feedback.Builder judge(EvaluationItem item, List<String> aspects);
}
