package io.rlrf.loop.local;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluateResponse;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.Outcome;
import io.rlrf.api.reward.v1.VerifiableOutcome;
import io.rlrf.common.error.Echo;
import io.rlrf.common.error.ServiceException;
import io.rlrf.core.ContentKey;
import io.rlrf.loop.peer.RewardPeer;
import io.rlrf.loop.plan.RunProblems;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierAspect;
import io.rlrf.tasks.verify.VerifierJudges;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The judges in this process: the tasks library's {@link MathVerifier} (the verifier reward-svc serves
 * for arith, GSM8K and SVAMP) under reward-svc's verifier judge ids ({@link VerifierJudges}; the
 * request's judge, else the default), on every item, all four aspects, no cache. Feedback ids are
 * content keys of the judge, task, prompt, answer and reference, as reward-svc's are.
 */
public final class LocalReward implements RewardPeer {

    private record VerifierJudge(MathVerifier verifier, String fingerprint) {
    }

    /** Every aspect the verifier rates, as reward-svc resolves a request that names none. */
    private static final String ASPECTS = String.join(",",
            java.util.Arrays.stream(VerifierAspect.values()).map(VerifierAspect::aspectName).toList());

    private final Map<String, VerifierJudge> judges = new LinkedHashMap<>();

    /** @param params the settings of the default judge (reward-svc's {@code rlrf.reward.verifier.*}) */
    public LocalReward(VerifierParams params) {
        for (String id : VerifierJudges.IDS) {
            VerifierParams own = VerifierJudges.params(id, params).orElseThrow();
            judges.put(id, new VerifierJudge(new MathVerifier(own), id + "|" + VerifierJudges.RUBRIC_VERSION + "|" + own));
        }
    }

    @Override
    public EvaluateResponse evaluate(EvaluateRequest request) {
        if (request.getTask().equals(RunProblems.OPEN)) {
            throw ServiceException.failedPrecondition("task open is judged by a model judge, and the in-process judge "
                    + "is the math verifier only; run it through reward-svc with rlrf.reward.model-judge.backend set");
        }
        if (!RunProblems.VERIFIED.contains(request.getTask())) {
            throw ServiceException.invalidArgument("task", "the in-process judge knows the tasks " + RunProblems.VERIFIED
                    + " (all GSM8K-format, judged by the verifier), got " + Echo.of(request.getTask()));
        }
        String judgeId = request.getJudge().isEmpty() ? VerifierJudges.VERIFIER : request.getJudge();
        VerifierJudge judge = judges.get(judgeId);
        if (judge == null) {
            throw ServiceException.invalidArgument("judge", "'" + judgeId + "' is not a known judge; valid judges: "
                    + String.join(", ", judges.keySet()));
        }
        MathVerifier verifier = judge.verifier();
        String fingerprint = judge.fingerprint();
        EvaluateResponse.Builder response = EvaluateResponse.newBuilder();
        for (EvaluationItem item : request.getItemsList()) {
            Verdict verdict = verifier.verify(item.getPrompt(), item.getAnswer(), item.getReference());
            Feedback.Builder f = Feedback.newBuilder()
                    .setId(ContentKey.of("rlrf-feedback-v1", List.of(fingerprint, request.getTask(), ASPECTS, item.getPrompt(),
                            item.getAnswer(), item.getReference())))
                    .setItemId(item.getId()).setStatus(FeedbackStatus.FEEDBACK_STATUS_OK).setScore(verdict.score())
                    .setJudgeId(judgeId).setRubricVersion(VerifierJudges.RUBRIC_VERSION).setTask(request.getTask())
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
