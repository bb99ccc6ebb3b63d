package io.rlrf.reward.service;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.JudgeKind;
import io.rlrf.api.reward.v1.Outcome;
import io.rlrf.api.reward.v1.VerifiableOutcome;
import io.rlrf.reward.config.RewardConfig;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierAspect;
import io.rlrf.tasks.verify.VerifierJudges;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The math verifier (tasks module's {@link MathVerifier}) as a judge for GSM8K-format answers: the
 * arith world, GSM8K and SVAMP. Needs a reference with a final answer. One instance per verifier judge
 * id ({@link VerifierJudges}): the configured settings, and the ablation without right values.
 */
public class VerifierJudge implements Judge {

    public static final String ID = VerifierJudges.VERIFIER;
    public static final String RUBRIC_VERSION = VerifierJudges.RUBRIC_VERSION;

    private static final List<String> ASPECTS = Arrays.stream(VerifierAspect.values()).map(VerifierAspect::aspectName)
            .toList();

    private final String id;
    private final MathVerifier verifier;
    private final String fingerprint;

    /** Every verifier judge, the default first, with the settings of {@code rlrf.reward.verifier.*}. */
    public static List<VerifierJudge> all(RewardConfig config) {
        VerifierParams configured = configured(config);
        return VerifierJudges.IDS.stream()
                .map(id -> new VerifierJudge(id, VerifierJudges.params(id, configured).orElseThrow())).toList();
    }

    /** The settings of {@code rlrf.reward.verifier.*}. */
    static VerifierParams configured(RewardConfig config) {
        RewardConfig.Verifier v = config.verifier();
        return new VerifierParams(v.lengthRatio(), v.minLengthBound(), v.maxCritiqueItems(), v.revealReferenceAnswer(),
                v.chainedCorrections(), true, v.compactExpressions(), v.correctedLines(), v.referenceSteps());
    }

    VerifierJudge(String id, VerifierParams params) {
        this.id = id;
        this.verifier = new MathVerifier(params);
        // The settings change the ratings, so they are part of the identity of the feedback.
        this.fingerprint = VerifierJudges.fingerprint(id, params);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public JudgeKind kind() {
        return JudgeKind.JUDGE_KIND_VERIFIER;
    }

    @Override
    public String rubricVersion() {
        return RUBRIC_VERSION;
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public List<String> ratableAspects() {
        return ASPECTS;
    }

    @Override
    public List<String> defaultAspects() {
        return ASPECTS;
    }

    @Override
    public boolean needsReference() {
        return true;
    }

    @Override
    public Optional<String> referenceProblem(String reference) {
        return MathVerifier.referenceAnswer(reference).isPresent() ? Optional.empty()
                : Optional.of("has no final answer; end it with a line '#### N'");
    }

    @Override
    public String description() {
        return (id.equals(VerifierJudges.VERIFIER_NO_VALUES)
                ? "Ablation: as " + VerifierJudges.VERIFIER + ", but critiques name the faulty line without its right value. "
                : "") + "Recomputes every <<expr=value>> annotation and every plain 'a op b = c' of a GSM8K-format answer and "
                + "compares its '#### N' final answer with the reference's; critiques name the line and the error.";
    }

    @Override
    public Feedback.Builder judge(EvaluationItem item, List<String> aspects) {
        List<VerifierAspect> asked = (aspects.isEmpty() ? ASPECTS : aspects).stream()
                .map(a -> VerifierAspect.byName(a).orElseThrow()).toList();
        Verdict verdict = verifier.verify(item.getPrompt(), item.getAnswer(), item.getReference(), asked);
        Feedback.Builder feedback = Feedback.newBuilder().setStatus(FeedbackStatus.FEEDBACK_STATUS_OK)
                .setScore(verdict.score())
                .setOutcome(VerifiableOutcome.newBuilder().setOutcome(outcome(verdict.outcome()))
                        .setExtractedAnswer(verdict.extractedAnswer()).setReferenceAnswer(verdict.referenceAnswer()));
        for (Verdict.Rating r : verdict.ratings()) {
            feedback.addAspects(AspectFeedback.newBuilder().setAspect(r.aspect().aspectName()).setRating(r.rating())
                    .setCritique(r.critique()));
        }
        return feedback;
    }

    private static Outcome outcome(Verdict.Outcome outcome) {
        return switch (outcome) {
            case CORRECT -> Outcome.OUTCOME_CORRECT;
            case INCORRECT -> Outcome.OUTCOME_INCORRECT;
            case NO_ANSWER -> Outcome.OUTCOME_NO_ANSWER;
        };
    }
}
