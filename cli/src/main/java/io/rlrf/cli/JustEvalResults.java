package io.rlrf.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.tasks.datasets.JustEval;

/**
 * What a Just-Eval evaluation found: per item and aspect, a rating (1-3) with its critique or a judge
 * failure with its reason; per aspect, the mean over the rated items. A judge failure is counted, never
 * scored: it is in no mean. Prints the per-aspect table and writes the JSON report.
 */
final class JustEvalResults {

    /** The scale caveat, printed under every table and written in every report. */
    static final String SCALE_NOTE = "Ratings are on this project's 1-3 scale (1 = a clear failure on the aspect, "
            + "2 = partly satisfied, 3 = fully satisfied), not Just-Eval's 1-5: do not compare these means with the "
            + "paper's tables.";

    /** One item's answer and what the judge said about it. */
    static final class ItemResult {
        final JustEval.Item item;
        final String answer;
        final Map<String, Feedback> feedback = new LinkedHashMap<>();

        ItemResult(JustEval.Item item, String answer) {
            this.item = item;
            this.answer = answer;
        }

        /** Whether there was an answer to judge; an empty one is not sent to the judge. */
        boolean answered() {
            return !answer.isBlank();
        }
    }

    /** One row of the table: an aspect's mean rating over the items rated, and its judge failures. */
    record Row(String aspect, double mean, int rated, int judgeFailures) {
    }

    private final List<ItemResult> items = new ArrayList<>();
    private String judgeId = "";
    private String rubricVersion = "";

    ItemResult add(JustEval.Item item, String answer) {
        ItemResult result = new ItemResult(item, answer);
        items.add(result);
        return result;
    }

    /** Records the judge's feedback on one aspect of one item (a request that listed only that aspect). */
    void record(ItemResult item, String aspect, Feedback feedback) {
        if (feedback.getStatus() == FeedbackStatus.FEEDBACK_STATUS_OK
                && (feedback.getAspectsCount() != 1 || !feedback.getAspects(0).getAspect().equals(aspect))) {
            throw new Cli.Failure("the judge answered item " + item.item.id() + " with aspects "
                    + feedback.getAspectsList().stream().map(a -> a.getAspect()).toList() + ", not [" + aspect + "]");
        }
        item.feedback.put(aspect, feedback);
        if (!feedback.getJudgeId().isEmpty()) {
            judgeId = feedback.getJudgeId();
            rubricVersion = feedback.getRubricVersion();
        }
    }

    /** The table's rows, in Just-Eval's order; safety only when a safety item was asked for. */
    List<Row> rows() {
        List<String> aspects = new ArrayList<>(JustEval.ASPECTS);
        if (items.stream().anyMatch(i -> i.item.category() == JustEval.Category.SAFETY)) {
            aspects.add(JustEval.SAFETY_ASPECT);
        }
        List<Row> rows = new ArrayList<>();
        for (String aspect : aspects) {
            int rated = 0;
            int failures = 0;
            long sum = 0;
            for (ItemResult item : items) {
                Feedback f = item.feedback.get(aspect);
                if (f == null) {
                    continue;
                }
                if (f.getStatus() == FeedbackStatus.FEEDBACK_STATUS_OK) {
                    rated++;
                    sum += f.getAspects(0).getRating();
                } else {
                    failures++;
                }
            }
            rows.add(new Row(aspect, rated == 0 ? Double.NaN : (double) sum / rated, rated, failures));
        }
        return rows;
    }

    int items() {
        return items.size();
    }

    long count(JustEval.Category category) {
        return items.stream().filter(i -> i.item.category() == category).count();
    }

    long unanswered() {
        return items.stream().filter(i -> !i.answered()).count();
    }

    String judgeId() {
        return judgeId;
    }

    String rubricVersion() {
        return rubricVersion;
    }

    /** The per-aspect table, then the scale note. */
    void printTable(PrintStream out) {
        out.printf("%-12s %5s %6s %15s%n", "ASPECT", "MEAN", "RATED", "JUDGE FAILURES");
        for (Row row : rows()) {
            out.printf("%-12s %5s %6d %15d%n", row.aspect(), mean(row.mean()), row.rated(), row.judgeFailures());
        }
        out.println(SCALE_NOTE);
    }

    static String mean(double mean) {
        return Double.isNaN(mean) ? "-" : String.format(Locale.ROOT, "%.2f", mean);
    }

    /** The JSON report: the run's description, the table, and every item with its ratings, critiques and failures. */
    String json(Map<String, String> about) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("benchmark", "just-eval");
        root.put("scale", "1-3");
        root.put("scale_note", SCALE_NOTE);
        about.forEach(root::put);
        root.put("judge", judgeId);
        root.put("rubric_version", rubricVersion);
        root.put("items", items.size());
        root.put("unanswered", unanswered());
        ArrayNode table = root.putArray("aspects");
        for (Row row : rows()) {
            ObjectNode r = table.addObject().put("aspect", row.aspect());
            if (Double.isNaN(row.mean())) {
                r.putNull("mean");
            } else {
                r.put("mean", row.mean());
            }
            r.put("rated", row.rated()).put("judge_failures", row.judgeFailures());
        }
        ArrayNode results = root.putArray("results");
        for (ItemResult item : items) {
            ObjectNode r = results.addObject().put("id", item.item.id())
                    .put("category", item.item.category().wireName()).put("dataset", item.item.dataset())
                    .put("source_id", item.item.sourceId()).put("instruction", item.item.instruction())
                    .put("output", item.answer);
            ObjectNode ratings = r.putObject("ratings");
            ObjectNode failures = r.putObject("judge_failures");
            item.feedback.forEach((aspect, f) -> {
                if (f.getStatus() == FeedbackStatus.FEEDBACK_STATUS_OK) {
                    ratings.putObject(aspect).put("rating", f.getAspects(0).getRating())
                            .put("critique", f.getAspects(0).getCritique());
                } else {
                    failures.put(aspect, f.getFailureReason());
                }
            });
        }
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
