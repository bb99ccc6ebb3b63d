package io.rlrf.loop.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The one codec between typed figures and the StageCompleted event's metrics. */
class StageFiguresTest {

    @Test
    void everyFlatFigureRoundTripsThroughTheEventsMetrics() {
        List<StageFigures> all = List.of(new StageFigures.Bootstrap(true, 12, 3, 0.5, 0.25),
                new StageFigures.Sample(3, 24), new StageFigures.Judge(24, 1, 0.375), new StageFigures.Select(6, 1, 2),
                new StageFigures.Reflect(24, 6, 0), new StageFigures.Pair(5, 1, 0.25, 2, 0.125, 0.5, 0.375, 3, 1),
                new StageFigures.Dpo(6, 5, 0.9, 0.7, 0.4, 0.1, 0.8, -12.5), new StageFigures.Sft(4, 0.3),
                new StageFigures.Publish(26));
        for (StageFigures f : all) {
            assertEquals(f, StageFigures.read(f.metrics(), f.getClass()), f.toString());
        }
    }

    @Test
    void namesOnTheWireAreSnakeCaseAndBooleansAreZeroOrOne() {
        assertEquals(Map.of("pairs", 5.0, "prompts_skipped", 1.0, "refine_acceptance_rate", 0.25, "chosen_refined", 2.0,
                "sample_accuracy", 0.125, "rewrite_accuracy", 0.5, "reflection_yield", 0.375, "truncated_candidates", 3.0,
                "truncated_paired", 1.0),
                new StageFigures.Pair(5, 1, 0.25, 2, 0.125, 0.5, 0.375, 3, 1).metrics());
        assertEquals(1.0, new StageFigures.Bootstrap(true, 1, 1, 0, 0).metrics().get("cached"));
    }

    @Test
    void evaluationFlattensItsAspectsIntoRatingNames() {
        Map<String, Double> aspects = new LinkedHashMap<>();
        aspects.put("completeness", 2.5);
        Map<String, Double> expected = new LinkedHashMap<>(Map.of("accuracy", 0.5, "mean_answer_tokens", 30.0,
                "judge_failures", 0.0, "fact_accuracy", 0.75, "annotation_mismatches", 2.0, "distinct_answers", 9.0,
                "constant_answer_accuracy", 0.1, "internalisation", 0.0));
        expected.put("mean_score", 0.625);
        expected.put("rating_completeness", 2.5);
        assertEquals(expected, new StageFigures.Evaluate(0.5, 30, 0, aspects, 0.75, 2, 9, 0.1, 0, 0.625).metrics());
    }
}
