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
import io.rlrf.tasks.facts.FactAspect;
import io.rlrf.tasks.facts.FactsVerdict;
import io.rlrf.tasks.facts.FactsVerifier;
import io.rlrf.tasks.verify.VerifierJudges;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The facts verifier (tasks module's {@link FactsVerifier}) as a judge for the factuality world:
 * rates factuality (claim precision) and completeness (attribute coverage) on 1-3 with critiques
 * naming each unsupported claim and its right value; the score is the verdict's
 * {@link FactsVerdict#score() precision with a claim floor}; the outcome is CORRECT when every claim
 * is supported and every attribute stated, and its extracted / reference answers are
 * {@code supported/claims} and {@code facts/facts}. One instance per facts judge id
 * ({@link VerifierJudges#FACTS_IDS}).
 */
public class FactsJudge implements Judge {

    public static final String ID = VerifierJudges.FACTS;

    private static final List<String> ASPECTS = Arrays.stream(FactAspect.values()).map(FactAspect::aspectName).toList();

    private final String id;
    private final FactsVerifier verifier;
    private final String fingerprint;

    /** Every facts judge, the default first, with {@code rlrf.reward.verifier.max-critique-items}. */
    public static List<FactsJudge> all(RewardConfig config) {
        VerifierParams configured = VerifierJudge.configured(config);
        return VerifierJudges.FACTS_IDS.stream()
                .map(id -> new FactsJudge(id, VerifierJudges.params(id, configured).orElseThrow())).toList();
    }

    FactsJudge(String id, VerifierParams params) {
        this.id = id;
        this.verifier = new FactsVerifier(params);
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
        return VerifierJudges.FACTS_RUBRIC_VERSION;
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
        return FactsVerifier.record(reference).isPresent() ? Optional.empty()
                : Optional.of("is not an entity's description in the facts world's claim patterns, e.g. "
                        + "'Mara Voss was born in 1862. She came from Tellan. She was a painter.'");
    }

    @Override
    public String description() {
        return (id.equals(VerifierJudges.FACTS_NO_VALUES)
                ? "Ablation: as " + VerifierJudges.FACTS + ", but critiques name the unsupported claim without its right value. "
                : "") + "FactScore-style: splits the answer into claims (one per sentence), checks each against the "
                + "entity's record (the reference); rates factuality (claim precision) and completeness (attributes "
                + "stated); score = supported / max(claims, the entity's attributes).";
    }

    @Override
    public Feedback.Builder judge(EvaluationItem item, List<String> aspects) {
        List<FactAspect> asked = (aspects.isEmpty() ? ASPECTS : aspects).stream()
                .map(a -> FactAspect.byName(a).orElseThrow()).toList();
        return feedback(verifier.verify(item.getAnswer(), item.getReference(), asked));
    }

    /** A facts verdict as feedback: status OK, score, outcome and one aspect per rating. */
    public static Feedback.Builder feedback(FactsVerdict verdict) {
        Feedback.Builder feedback = Feedback.newBuilder().setStatus(FeedbackStatus.FEEDBACK_STATUS_OK)
                .setScore(verdict.score())
                .setOutcome(VerifiableOutcome.newBuilder().setOutcome(switch (verdict.outcome()) {
                    case CORRECT -> Outcome.OUTCOME_CORRECT;
                    case INCORRECT -> Outcome.OUTCOME_INCORRECT;
                    case NO_ANSWER -> Outcome.OUTCOME_NO_ANSWER;
                }).setExtractedAnswer(verdict.supported() + "/" + verdict.claims().size())
                        .setReferenceAnswer(verdict.facts() + "/" + verdict.facts()));
        for (FactsVerdict.Rating r : verdict.ratings()) {
            feedback.addAspects(AspectFeedback.newBuilder().setAspect(r.aspect().aspectName()).setRating(r.rating())
                    .setCritique(r.critique()));
        }
        return feedback;
    }
}
