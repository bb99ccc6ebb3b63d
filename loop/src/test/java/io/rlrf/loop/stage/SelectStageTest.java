package io.rlrf.loop.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.trainer.v1.ScoreKind;
import io.rlrf.loop.plan.RunPlan.ReflectionPlan;
import io.rlrf.loop.run.Records.Candidate;
import io.rlrf.loop.stage.SelectStage.Skip;
import io.rlrf.model.generate.SamplingParams;

/** Step 3 per prompt: which samples become reflection sources under each setting, and why a prompt gets none. */
class SelectStageTest {

    private static final ScoreKind FINE = ScoreKind.SCORE_KIND_FINE_GRAINED;

    static ReflectionPlan plan(int k, boolean distinct, boolean unsolvedOnly) {
        return new ReflectionPlan(true, k, 2 * k, new SamplingParams(0.7, 0.95, 0, 160, List.of(), 0, false), distinct,
                unsolvedOnly);
    }

    static Candidate sample(String id, String text, double score) {
        return new Candidate(id, text, score, score >= 1 ? 3 : 2, true, "", "f-" + id, List.of(), "FINISH_REASON_STOP", "v",
                null);
    }

    /** Feedback faulting every answer but those named flawless. */
    static Map<String, Feedback> faultedBut(List<Candidate> pool, String... flawless) {
        Feedback ok = Feedback.newBuilder().addAspects(AspectFeedback.newBuilder().setAspect("logical_correctness").setRating(3))
                .build();
        Feedback faulted = Feedback.newBuilder().addAspects(AspectFeedback.newBuilder().setAspect("logical_correctness")
                .setRating(1).setCritique("line 1: 7 - 2 = 4 is wrong; 7 - 2 = 5")).build();
        List<String> clean = List.of(flawless);
        return pool.stream().collect(java.util.stream.Collectors.toMap(Candidate::id, c -> clean.contains(c.id()) ? ok : faulted));
    }

    static List<String> ids(SelectStage.Choice c) {
        return c.sources().stream().map(Candidate::id).toList();
    }

    /** One right sample and three wrong ones, two of them the same text. */
    static final List<Candidate> SOLVED_POOL = List.of(sample("right", "7-2=<<7-2=5>>5", 1.0),
            sample("w1", "7-2=<<7-2=4>>4", 0.75), sample("w2", "7-2=<<7-2=4>>4", 0.75), sample("w3", "7+2=<<7+2=9>>9", 0.5));

    @Test
    void aSolvedPromptIsReflectedByTheMethodAndSkippedWhenUnsolvedOnly() {
        Map<String, Feedback> fb = faultedBut(SOLVED_POOL, "right");
        SelectStage.Choice method = SelectStage.choose(SOLVED_POOL, fb, plan(2, false, false), FINE, true);
        assertEquals(Skip.NONE, method.skipped());
        assertEquals(List.of("w1", "w2"), ids(method)); // the best faulted answers, copies included
        SelectStage.Choice skipped = SelectStage.choose(SOLVED_POOL, fb, plan(2, false, true), FINE, true);
        assertEquals(Skip.SOLVED, skipped.skipped());
        assertEquals(List.of(), ids(skipped));
    }

    @Test
    void anUnsolvedPromptIsReflectedEvenWhenUnsolvedOnlyAndDistinctSourcesSkipCopies() {
        List<Candidate> unsolved = SOLVED_POOL.subList(1, 4);
        Map<String, Feedback> fb = faultedBut(unsolved);
        assertEquals(List.of("w1", "w2"), ids(SelectStage.choose(unsolved, fb, plan(2, false, true), FINE, true)));
        assertEquals(List.of("w1", "w3"), ids(SelectStage.choose(unsolved, fb, plan(2, true, true), FINE, true)));
        assertEquals(List.of("w1", "w3"), ids(SelectStage.choose(unsolved, fb, plan(4, true, true), FINE, true)));
    }

    @Test
    void withFaultedOnlyAPromptWhoseAnswersHaveNoCritiqueGetsNoSources() {
        List<Candidate> unfaulted = List.of(sample("a", "x", 0.75), sample("b", "y", 0.5));
        Map<String, Feedback> fb = faultedBut(unfaulted, "a", "b");
        assertEquals(Skip.NO_FAULT, SelectStage.choose(unfaulted, fb, plan(2, false, false), FINE, true).skipped());
        // without the filter the best answers are taken whatever their critique
        assertEquals(List.of("a", "b"), ids(SelectStage.choose(unfaulted, fb, plan(2, false, false), FINE, false)));
    }
}
