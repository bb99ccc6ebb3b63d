package io.rlrf.tasks.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.rlrf.tasks.FinalAnswer;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.verify.Arithmetic;

/**
 * SVAMP (Patel et al. 2021) from {@code <datasets root>/svamp/SVAMP.json}: a JSON list of
 * {@code {ID, Body, Question, Equation, Answer, Type}}. Each item becomes a problem whose question
 * is the body and the question joined into one text, and whose reference solution is the equation
 * written as one GSM8K step: {@code ( 76.0 - 25.0 )} with answer {@code 51.0} gives
 * <pre>
 * 76 - 25 = &lt;&lt;76-25=51&gt;&gt;51
 * #### 51
 * </pre>
 * Ids are {@code svamp-<ID>}; the split is {@link Split#TEST} (SVAMP is an evaluation set).
 */
public final class Svamp {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Svamp() {
    }

    /**
     * All 1000 problems, from the datasets root when it holds {@code svamp/SVAMP.json}, else from the
     * copy shipped in this jar (MIT, {@code io/rlrf/tasks/datasets/svamp/LICENSE}).
     */
    public static List<MathProblem> load(Path datasetsRoot) {
        Path file = datasetsRoot.resolve("svamp").resolve("SVAMP.json");
        JsonNode rows;
        String source;
        if (Files.isRegularFile(file)) {
            source = file.toString();
            try {
                rows = JSON.readTree(file.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        } else {
            source = "the shipped SVAMP set";
            rows = Shipped.read("svamp/SVAMP.json", JSON::readTree);
        }
        if (!rows.isArray()) {
            throw new IllegalArgumentException(source + " is not a JSON list");
        }
        List<MathProblem> problems = new ArrayList<>(rows.size());
        for (JsonNode row : rows) {
            String id = row.path("ID").asText();
            String body = row.path("Body").asText().strip();
            String question = row.path("Question").asText().strip();
            BigDecimal answer = row.path("Answer").decimalValue();
            String equation = row.path("Equation").asText();
            String answerText = FinalAnswer.format(answer);
            problems.add(new MathProblem("svamp-" + id, "svamp", Split.TEST, join(body, question),
                    solution(equation, answerText), answerText, 0));
        }
        return problems;
    }

    /** Body and question as one prompt: "..., how much ...?" when the body has no full stop. */
    static String join(String body, String question) {
        if (body.isEmpty()) {
            return question;
        }
        if (body.endsWith(".") || body.endsWith("?") || body.endsWith("!")) {
            return body + " " + question;
        }
        return body + ", " + question.substring(0, 1).toLowerCase(Locale.ROOT) + question.substring(1);
    }

    /** The equation as one annotated step, numbers without a needless ".0". */
    static String solution(String equation, String answer) {
        String expr = stripOuterParens(normaliseNumbers(equation).replaceAll("\\s+", " ").strip());
        String compact = expr.replace(" ", "");
        if (Arithmetic.evaluate(compact).isEmpty()) {
            return "#### " + answer;
        }
        return expr + " = <<" + compact + "=" + answer + ">>" + answer + "\n#### " + answer;
    }

    private static String normaliseNumbers(String text) {
        return java.util.regex.Pattern.compile("\\d+\\.\\d+").matcher(text)
                .replaceAll(m -> FinalAnswer.format(new BigDecimal(m.group())));
    }

    private static String stripOuterParens(String expr) {
        String e = expr;
        while (e.startsWith("(") && e.endsWith(")") && Arithmetic.evaluate(e.substring(1, e.length() - 1)).isPresent()) {
            e = e.substring(1, e.length() - 1).strip();
        }
        return e;
    }
}
