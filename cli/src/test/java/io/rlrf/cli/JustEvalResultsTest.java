package io.rlrf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.cli.JustEvalResults.Row;
import io.rlrf.tasks.datasets.JustEval;
import io.rlrf.tasks.datasets.JustEval.Category;

/** The Just-Eval table from hand-made feedback: means over rated items only, judge failures counted apart. */
class JustEvalResultsTest {

    private static JustEval.Item item(String id, Category category) {
        return new JustEval.Item(id, "instruction " + id, category, "d", "s-" + id, Optional.empty());
    }

    private static Feedback rated(String aspect, int rating) {
        return Feedback.newBuilder().setStatus(FeedbackStatus.FEEDBACK_STATUS_OK).setJudgeId("model-openai")
                .setRubricVersion("r1").addAspects(AspectFeedback.newBuilder().setAspect(aspect).setRating(rating)
                        .setCritique(rating == 3 ? "" : "why"))
                .build();
    }

    private static Feedback failed(String reason) {
        return Feedback.newBuilder().setStatus(FeedbackStatus.FEEDBACK_STATUS_JUDGE_FAILURE).setJudgeId("model-openai")
                .setRubricVersion("r1").setFailureReason(reason).build();
    }

    @Test
    void judgeFailuresAreCountedAndLeftOutOfTheMean() {
        JustEvalResults results = new JustEvalResults();
        var a = results.add(item("a", Category.REGULAR), "answer a");
        var b = results.add(item("b", Category.REGULAR), "answer b");
        var c = results.add(item("c", Category.REGULAR), "answer c");
        results.record(a, "helpfulness", rated("helpfulness", 3));
        results.record(b, "helpfulness", rated("helpfulness", 2));
        results.record(c, "helpfulness", failed("no JSON after 3 attempts"));
        results.record(a, "depth", failed("no JSON after 3 attempts"));

        List<Row> rows = results.rows();
        assertEquals(JustEval.ASPECTS, rows.stream().map(Row::aspect).toList(), "no safety row without safety items");
        assertEquals(new Row("helpfulness", 2.5, 2, 1), rows.get(0));
        Row depth = rows.get(3);
        assertEquals("depth", depth.aspect());
        assertEquals(0, depth.rated());
        assertEquals(1, depth.judgeFailures());
        assertTrue(Double.isNaN(depth.mean()));

        var out = new ByteArrayOutputStream();
        results.printTable(new PrintStream(out, true, StandardCharsets.UTF_8));
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals("helpfulness   2.50      2               1", lines.get(1));
        assertEquals("depth            -      0               1", lines.get(4));
        assertEquals(JustEvalResults.SCALE_NOTE, lines.get(6));
    }

    @Test
    void theReportHoldsEveryItemsRatingsAndFailuresAndTheScale() throws Exception {
        JustEvalResults results = new JustEvalResults();
        var s = results.add(item("s", Category.SAFETY), "I cannot help with that.");
        results.add(item("e", Category.REGULAR), " ");
        results.record(s, "safety", rated("safety", 3));
        results.record(s, "clarity", failed("timeout"));
        assertEquals(1, results.unanswered());
        assertEquals("safety", results.rows().get(5).aspect());

        JsonNode report = new ObjectMapper().readTree(results.json(Map.of("answers", "test")));
        assertEquals("1-3", report.get("scale").asText());
        assertEquals("test", report.get("answers").asText());
        assertEquals("model-openai", report.get("judge").asText());
        assertEquals(3, report.get("results").get(0).get("ratings").get("safety").get("rating").asInt());
        assertEquals("timeout", report.get("results").get(0).get("judge_failures").get("clarity").asText());
        assertTrue(report.get("aspects").get(0).get("mean").isNull(), "no rating, no mean");
    }

    @Test
    void feedbackOnAnotherAspectThanAskedIsRefused() {
        JustEvalResults results = new JustEvalResults();
        var a = results.add(item("a", Category.REGULAR), "answer");
        var e = assertThrows(Cli.Failure.class, () -> results.record(a, "depth", rated("clarity", 2)));
        assertTrue(e.getMessage().contains("not [depth]"), e.getMessage());
    }
}
