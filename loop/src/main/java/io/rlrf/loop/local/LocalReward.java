package io.rlrf.loop.local;

import java.util.List;

import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluateResponse;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.Outcome;
import io.rlrf.api.reward.v1.VerifiableOutcome;
import io.rlrf.common.error.ServiceException;
import io.rlrf.core.ContentKey;
import io.rlrf.loop.peer.RewardPeer;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierAspect;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The judge in this process: the tasks library's {@link MathVerifier} (the verifier reward-svc serves
 * for arith, GSM8K and SVAMP) on every item, all four aspects, no cache. Feedback ids are content
 * keys of the judge, task, prompt, answer and reference, as reward-svc's are.
 */
public final class LocalReward implements RewardPeer {

    /** reward-svc's id of this judge and the version of its rating rules. */
    static final String JUDGE_ID = "verifier-gsm8k";
    static final String RUBRIC_VERSION = "verifier-gsm8k-v1";

    /** Every aspect the verifier rates, as reward-svc resolves a request that names none. */
    private static final String ASPECTS = String.join(",",
            java.util.Arrays.stream(VerifierAspect.values()).map(VerifierAspect::aspectName).toList());

    private final MathVerifier verifier;
    private final String fingerprint;

    public LocalReward(VerifierParams params) {
        this.verifier = new MathVerifier(params);
        this.fingerprint = JUDGE_ID + "|" + RUBRIC_VERSION + "|" + params;
    }

    @Override
    public EvaluateResponse evaluate(EvaluateRequest request) {
        if (!request.getTask().equals("arith")) {
            throw ServiceException.invalidArgument("task", "the in-process judge knows task 'arith' only, got '"
                    + request.getTask() + "'");
        }
        EvaluateResponse.Builder response = EvaluateResponse.newBuilder();
        for (EvaluationItem item : request.getItemsList()) {
            Verdict verdict = verifier.verify(item.getPrompt(), item.getAnswer(), item.getReference());
            Feedback.Builder f = Feedback.newBuilder()
                    .setId(ContentKey.of("rlrf-feedback-v1", List.of(fingerprint, request.getTask(), ASPECTS, item.getPrompt(),
                            item.getAnswer(), item.getReference())))
                    .setItemId(item.getId()).setStatus(FeedbackStatus.FEEDBACK_STATUS_OK).setScore(verdict.score())
                    .setJudgeId(JUDGE_ID).setRubricVersion(RUBRIC_VERSION).setTask(request.getTask())
                    .setOutcome(VerifiableOutcome.newBuilder().setOutcome(switch (verdict.outcome()) {
                        case CORRECT -> Outcome.OUTCOME_CORRECT;
                        case INCORRECT -> Outcome.OUTCOME_INCORRECT;
                        case NO_ANSWER -> Outcome.OUTCOME_NO_ANSWER;
                    }).setExtractedAnswer(verdict.extractedAnswer()).setReferenceAnswer(verdict.referenceAnswer()));
            for (Verdict.Rating r : verdict.ratings()) {
                f.addAspects(AspectFeedback.newBuilder().setAspect(r.aspect().aspectName()).setRating(r.rating())
                        .setCritique(r.critique()));
            }
            response.addFeedback(f);
        }
        return response.build();
    }
}
