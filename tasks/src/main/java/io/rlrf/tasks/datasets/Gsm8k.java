package io.rlrf.tasks.datasets;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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

/**
 * GSM8K (Cobbe et al. 2021) from {@code <datasets root>/gsm8k/{train,test}.jsonl}: one JSON object
 * per line, {@code {"question", "answer"}}, the answer in GSM8K format. Ids are
 * {@code gsm8k-<split>-<line number, 5 digits>}.
 */
public final class Gsm8k {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Gsm8k() {
    }

    /** The train (7473) or test (1319) problems; GSM8K has no dev split. */
    public static List<MathProblem> load(Path datasetsRoot, Split split) {
        if (split == Split.DEV) {
            throw new IllegalArgumentException("GSM8K has train and test splits only");
        }
        Path file = datasetsRoot.resolve("gsm8k").resolve(split.label() + ".jsonl");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("GSM8K file not found: " + file + " (set " + DatasetsRoot.PROPERTY
                    + " or " + DatasetsRoot.ENV + " to the datasets folder)");
        }
        List<MathProblem> problems = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                int lineNumber = number;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode row = JSON.readTree(line);
                String question = text(row, "question", file, number);
                String answer = text(row, "answer", file, number);
                String finalAnswer = FinalAnswer.extract(answer).map(FinalAnswer.Extracted::value)
                        .orElseThrow(() -> new IllegalArgumentException(file + ":" + lineNumber + " has no final answer"));
                problems.add(new MathProblem(String.format(Locale.ROOT, "gsm8k-%s-%05d", split.label(), number), "gsm8k",
                        split, question, answer, finalAnswer, 0));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return problems;
    }

    private static String text(JsonNode row, String field, Path file, int line) {
        JsonNode value = row.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException(file + ":" + line + " has no text field '" + field + "'");
        }
        return value.asText();
    }
}
