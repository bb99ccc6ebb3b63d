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
import io.rlrf.tasks.facts.FactAspect;
import io.rlrf.tasks.facts.FactsVerdict;
import io.rlrf.tasks.facts.FactsVerifier;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierAspect;
import io.rlrf.tasks.verify.VerifierJudges;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The judges in this process: the tasks library's verifiers under reward-svc's verifier judge ids
 * ({@link VerifierJudges}): {@link MathVerifier} for arith, GSM8K and SVAMP, {@link FactsVerifier} for
 * the facts world (the request's judge, else the task's default), on every item, all aspects, no
 * cache. Feedback ids are content keys of the judge, task, prompt, answer and reference, as
 * reward-svc's are; scores, outcomes, ratings and critiques are the ones reward-svc's judges give.
 */
public final class LocalReward implements RewardPeer {

    /** One judge: what it rates, its fingerprint, and the feedback of one item (null: the reference is unusable). */
    private record LocalJudge(String aspects, String fingerprint, String rubricVersion,
            java.util.function.Function<EvaluationItem, Feedback.Builder> judge) {
    }

    private final Map<String, LocalJudge> judges = new LinkedHashMap<>();

    /** @param params the settings of the default judge (reward-svc's {@code rlrf.reward.verifier.*}) */
    public LocalReward(VerifierParams params) {
        String mathAspects = String.join(",",
                java.util.Arrays.stream(VerifierAspect.values()).map(VerifierAspect::aspectName).toList());
        for (String id : VerifierJudges.IDS) {
            VerifierParams own = VerifierJudges.params(id, params).orElseThrow();
            MathVerifier verifier = new MathVerifier(own);
            judges.put(id, new LocalJudge(mathAspects, VerifierJudges.fingerprint(id, own), VerifierJudges.RUBRIC_VERSION,
                    item -> MathVerifier.referenceAnswer(item.getReference()).isEmpty() ? null
                            : math(verifier.verify(item.getPrompt(), item.getAnswer(), item.getReference()))));
        }
        String factsAspects = String.join(",",
                java.util.Arrays.stream(FactAspect.values()).map(FactAspect::aspectName).toList());
        for (String id : VerifierJudges.FACTS_IDS) {
            VerifierParams own = VerifierJudges.params(id, params).orElseThrow();
            FactsVerifier verifier = new FactsVerifier(own);
            judges.put(id, new LocalJudge(factsAspects, VerifierJudges.fingerprint(id, own),
                    VerifierJudges.FACTS_RUBRIC_VERSION, item -> FactsVerifier.record(item.getReference()).isEmpty() ? null
                            : facts(verifier.verify(item.getAnswer(), item.getReference()))));
        }
    }

    @Override
    public EvaluateResponse evaluate(EvaluateRequest request) {
        if (request.getTask().equals(RunProblems.OPEN)) {
            throw ServiceException.failedPrecondition("task open is judged by a model judge, and the in-process judges "
                    + "are the verifiers only; run it through reward-svc with rlrf.reward.model-judge.backend set");
        }
        if (!RunProblems.KNOWN.contains(request.getTask())) {
            throw ServiceException.invalidArgument("task", "the in-process judge knows the tasks "
                    + RunProblems.KNOWN.stream().filter(t -> !t.equals(RunProblems.OPEN)).toList() + " (each judged by a verifier), got " + Echo.of(request.getTask()));
        }
        String judgeId = request.getJudge().isEmpty() ? VerifierJudges.defaultFor(request.getTask()) : request.getJudge();
        LocalJudge judge = judges.get(judgeId);
        if (judge == null) {
            throw ServiceException.invalidArgument("judge", "'" + judgeId + "' is not a known judge; valid judges: "
                    + String.join(", ", judges.keySet()));
        }
        EvaluateResponse.Builder response = EvaluateResponse.newBuilder();
        for (int i = 0; i < request.getItemsCount(); i++) {
            EvaluationItem item = request.getItems(i);
            Feedback.Builder f = judge.judge().apply(item);
            if (f == null) {
                throw ServiceException.invalidArgument("items[" + i + "].reference", "judge " + judgeId
                        + " cannot judge against this reference (task " + request.getTask() + ")");
            }
            f.setId(ContentKey.of("rlrf-feedback-v1", List.of(judge.fingerprint(), request.getTask(), judge.aspects(),
                    item.getPrompt(), item.getAnswer(), item.getReference())))
                    .setItemId(item.getId()).setJudgeId(judgeId).setRubricVersion(judge.rubricVersion())
                    .setTask(request.getTask());
            response.addFeedback(f);
        }
        return response.build();
    }

    private static Outcome outcome(Verdict.Outcome outcome) {
        return switch (outcome) {
            case CORRECT -> Outcome.OUTCOME_CORRECT;
            case INCORRECT -> Outcome.OUTCOME_INCORRECT;
            case NO_ANSWER -> Outcome.OUTCOME_NO_ANSWER;
        };
    }

    private static Feedback.Builder math(Verdict verdict) {
        Feedback.Builder f = Feedback.newBuilder().setStatus(FeedbackStatus.FEEDBACK_STATUS_OK).setScore(verdict.score())
                .setOutcome(VerifiableOutcome.newBuilder().setOutcome(outcome(verdict.outcome()))
                        .setExtractedAnswer(verdict.extractedAnswer()).setReferenceAnswer(verdict.referenceAnswer()));
        for (Verdict.Rating r : verdict.ratings()) {
            f.addAspects(AspectFeedback.newBuilder().setAspect(r.aspect().aspectName()).setRating(r.rating())
                    .setCritique(r.critique()));
        }
        return f;
    }

    /** As reward-svc's FactsJudge maps a facts verdict. */
    private static Feedback.Builder facts(FactsVerdict verdict) {
        Feedback.Builder f = Feedback.newBuilder().setStatus(FeedbackStatus.FEEDBACK_STATUS_OK).setScore(verdict.score())
                .setOutcome(VerifiableOutcome.newBuilder().setOutcome(outcome(verdict.outcome()))
                        .setExtractedAnswer(verdict.supported() + "/" + verdict.claims().size())
                        .setReferenceAnswer(verdict.facts() + "/" + verdict.facts()));
        for (FactsVerdict.Rating r : verdict.ratings()) {
            f.addAspects(AspectFeedback.newBuilder().setAspect(r.aspect().aspectName()).setRating(r.rating())
                    .setCritique(r.critique()));
        }
        return f;
    }
}
