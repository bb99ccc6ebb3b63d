package io.rlrf.loop.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.trainer.v1.ScoreKind;
import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.loop.plan.RunPlan.PairingRule;
import io.rlrf.loop.run.Records.Candidate;

/** Steps 3 and 6 (Ranking, Pairing) as pure functions, on hand-made candidates whose order is known. */
class PairingTest {

    private static final ScoreKind FINE = ScoreKind.SCORE_KIND_FINE_GRAINED;
    private static final Truncation DROP = Truncation.TRUNCATION_DROP;

    static Candidate sample(String id, double score, int outcome) {
        return new Candidate(id, "text of " + id, score, outcome, true, "", "f-" + id, List.of(), "FINISH_REASON_STOP", "v", null);
    }

    static Candidate rewrite(String id, double score, int outcome, String source) {
        return new Candidate(id, "text of " + id, score, outcome, false, source, "f-" + id, List.of("logical_robustness"),
                "FINISH_REASON_STOP", "v", null);
    }

    /** Samples s1 (0.75, wrong) and s2 (0.5, wrong); rewrites: r1 of s1 correct (1.0), r2 of s2 degenerate (0.0). */
    static List<Candidate> candidates() {
        return List.of(sample("s1", 0.75, 2), sample("s2", 0.5, 2), rewrite("r1", 1.0, 3, "s1"), rewrite("r2", 0.0, 1, "s2"));
    }

    @Test
    void theRejectedAnswerComesFromTheSamplesWhenAskedEvenIfARewriteIsWorse() {
        List<Pairing.Choice> pairs = Pairing.pairs(candidates(), new PairingRule(0.25, 1, FINE, true, DROP));
        assertEquals(1, pairs.size());
        assertEquals("r1", pairs.get(0).chosen().id()); // the refined answer is chosen...
        assertEquals("s2", pairs.get(0).rejected().id()); // ...against the worst on-policy sample, not r2
    }

    @Test
    void otherwiseTheRejectedAnswerIsTheWorstOfAllCandidates() {
        List<Pairing.Choice> pairs = Pairing.pairs(candidates(), new PairingRule(0.25, 1, FINE, false, DROP));
        assertEquals("r1", pairs.get(0).chosen().id());
        assertEquals("r2", pairs.get(0).rejected().id());
    }

    @Test
    void aPairBelowDeltaOrWithIdenticalTextsIsNotBuilt() {
        assertTrue(Pairing.pairs(List.of(sample("a", 0.75, 2), sample("b", 0.6, 2)), new PairingRule(0.25, 1, FINE, true, DROP)).isEmpty());
        Candidate same1 = new Candidate("x", "same", 1.0, 3, true, "", "f", List.of(), null, null, null);
        Candidate same2 = new Candidate("y", "same", 0.5, 2, true, "", "f", List.of(), null, null, null);
        assertTrue(Pairing.pairs(List.of(same1, same2), new PairingRule(0.25, 1, FINE, true, DROP)).isEmpty());
        // A chosen answer that is itself the worst sample is never paired with itself.
        assertTrue(Pairing.pairs(List.of(sample("only", 1.0, 3), rewrite("r", 0.0, 1, "only")), new PairingRule(0.0, 1, FINE, true, DROP))
                .isEmpty());
    }

    @Test
    void aChosenAnswerBelowTheLeastChosenScoreBuildsNoPair() {
        // Samples only, the best wrong (0.75): at 0 it is chosen, at 1 the prompt is skipped.
        List<Candidate> wrongOnly = List.of(sample("s1", 0.75, 2), sample("s2", 0.25, 2));
        assertEquals("s1", Pairing.pairs(wrongOnly, new PairingRule(0.25, 1, FINE, true, DROP, 0.0)).get(0).chosen().id());
        assertTrue(Pairing.pairs(wrongOnly, new PairingRule(0.25, 1, FINE, true, DROP, 1.0)).isEmpty());
        // With the right rewrite r1 (1.0) among them: r1 is chosen at 1; a second pair would take s1 (0.75) and is not built.
        List<Pairing.Choice> right = Pairing.pairs(candidates(), new PairingRule(0.25, 2, FINE, false, DROP, 1.0));
        assertEquals(1, right.size());
        assertEquals("r1", right.get(0).chosen().id());
        assertEquals("r2", right.get(0).rejected().id());
        // At 0.75 both pairs are built, as at 0.
        assertEquals(Pairing.pairs(candidates(), new PairingRule(0.25, 2, FINE, false, DROP, 0.0)),
                Pairing.pairs(candidates(), new PairingRule(0.25, 2, FINE, false, DROP, 0.75)));
        assertEquals(2, Pairing.pairs(candidates(), new PairingRule(0.25, 2, FINE, false, DROP, 0.75)).size());
    }

    /** A sample cut at its token cap (finish LENGTH). */
    static Candidate cut(String id, double score, int outcome) {
        return new Candidate(id, "text of " + id, score, outcome, true, "", "f-" + id, List.of(), "FINISH_REASON_LENGTH",
                "v", null);
    }

    @Test
    void underDropATruncatedAnswerIsNeitherChosenNorRejected() {
        // The truncated answers are the best (0.9) and the worst (0.0): dropped, the pair is s1 against s2.
        List<Candidate> all = List.of(cut("best-but-cut", 0.9, 3), sample("s1", 0.75, 3), sample("s2", 0.25, 1),
                cut("worst-and-cut", 0.0, 1));
        List<Pairing.Choice> dropped = Pairing.pairs(all, new PairingRule(0.25, 2, FINE, true, DROP));
        assertEquals(1, dropped.size(), "two answers left: one pair");
        assertEquals("s1", dropped.get(0).chosen().id());
        assertEquals("s2", dropped.get(0).rejected().id());
        List<Pairing.Choice> kept = Pairing.pairs(all, new PairingRule(0.25, 1, FINE, true, Truncation.TRUNCATION_UNFINISHED));
        assertEquals("best-but-cut", kept.get(0).chosen().id(), "UNFINISHED pairs them like any answer");
        assertEquals("worst-and-cut", kept.get(0).rejected().id());
        // Only truncated answers: the prompt is skipped.
        assertTrue(Pairing.pairs(List.of(cut("a", 1.0, 3), cut("b", 0.0, 1)), new PairingRule(0.25, 1, FINE, true, DROP))
                .isEmpty());
    }

    @Test
    void fineGrainedTiesAreBrokenByTheVerifiedOutcomeAndScalarTiesAreNot() {
        Candidate right = sample("b-right", 0.75, 3);
        Candidate wrong = sample("a-wrong", 0.75, 2);
        assertEquals("b-right", Ranking.topK(List.of(wrong, right), 1, FINE).get(0).id());
        assertEquals("a-wrong", Ranking.topK(List.of(wrong, right), 1, ScoreKind.SCORE_KIND_SCALAR).get(0).id());
    }

    static Candidate sampleWithText(String id, String text, double score, int outcome) {
        return new Candidate(id, text, score, outcome, true, "", "f-" + id, List.of(), "FINISH_REASON_STOP", "v", null);
    }

    @Test
    void distinctSourcesPassOverLaterCopiesOfATextAlreadyTaken() {
        List<Candidate> pool = List.of(sampleWithText("a", "7-2=4", 0.75, 2), sampleWithText("b", "7-2=4", 0.75, 2),
                sampleWithText("c", "7-2=6", 0.5, 2), sampleWithText("d", "7+2=9", 0.25, 2));
        assertEquals(List.of("a", "b"), Ranking.topK(pool, 2, FINE, false).stream().map(Candidate::id).toList());
        assertEquals(List.of("a", "c"), Ranking.topK(pool, 2, FINE, true).stream().map(Candidate::id).toList());
        // fewer than k when fewer texts differ
        assertEquals(List.of("a", "c", "d"), Ranking.topK(pool, 4, FINE, true).stream().map(Candidate::id).toList());
    }

    @Test
    void aPromptIsSolvedOnlyWhenAnAnswerHasTheTopScoreAndThenRewritesCannotChangeItsPair() {
        assertFalse(Ranking.solved(List.of(sample("s1", 0.75, 3), sample("s2", 0.5, 2))));
        List<Candidate> solvedPool = List.of(sample("s1", 1.0, 3), sample("s2", 0.5, 2));
        assertTrue(Ranking.solved(solvedPool));
        // a top score that a float sum left a bit short (ten tenths: 0.9999999999999999) still solves; 0.75 does not
        double summed = 0;
        for (int i = 0; i < 10; i++) {
            summed += 0.1;
        }
        assertTrue(summed < 1.0, "the example must fall short of 1.0 in floating point");
        assertTrue(Ranking.solves(summed));
        assertTrue(Ranking.solved(List.of(sample("s1", summed, 3))));
        assertFalse(Ranking.solves(0.75));
        // what unsolved_only relies on: a rewrite at the top score ties with the sample, and the sample is chosen
        List<Candidate> withRewrite = List.of(sample("s1", 1.0, 3), sample("s2", 0.5, 2), rewrite("r1", 1.0, 3, "s2"));
        PairingRule rule = new PairingRule(0.25, 1, FINE, true, DROP);
        assertEquals(Pairing.pairs(solvedPool, rule).stream().map(p -> p.chosen().id() + ">" + p.rejected().id()).toList(),
                Pairing.pairs(withRewrite, rule).stream().map(p -> p.chosen().id() + ">" + p.rejected().id()).toList());
        assertEquals("s1", Pairing.pairs(withRewrite, rule).get(0).chosen().id());
    }

    @Test
    void onlyAnAnswerRatedBelowThreeOnSomeAspectHasACritiqueToActOn() {
        Feedback flawless = Feedback.newBuilder().addAspects(AspectFeedback.newBuilder().setAspect("completeness").setRating(3))
                .build();
        Feedback faulted = flawless.toBuilder().addAspects(AspectFeedback.newBuilder().setAspect("logical_correctness")
                .setRating(1).setCritique("line 1: 3 - 1 = 1 is wrong; 3 - 1 = 2")).build();
        assertFalse(Ranking.hasCritique(flawless));
        assertTrue(Ranking.hasCritique(faulted));
        assertFalse(Ranking.hasCritique(null));
    }
}
