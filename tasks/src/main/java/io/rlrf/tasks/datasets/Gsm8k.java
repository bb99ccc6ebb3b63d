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

    /**
     * The train (7473) or test (1319) problems; GSM8K has no dev split. The test split is shipped in
     * this jar (MIT, {@code io/rlrf/tasks/datasets/gsm8k/LICENSE}) and read from there when the datasets
     * root does not hold it; the train split must be found under the root.
     */
    public static List<MathProblem> load(Path datasetsRoot, Split split) {
        if (split == Split.DEV) {
            throw new IllegalArgumentException("GSM8K has train and test splits only");
        }
        Path file = datasetsRoot.resolve("gsm8k").resolve(split.label() + ".jsonl");
        if (Files.isRegularFile(file)) {
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                return read(reader, file.toString(), split);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        if (split == Split.TEST) {
            return Shipped.read("gsm8k/test.jsonl", reader -> read(reader, "the shipped GSM8K test split", split));
        }
        throw new IllegalArgumentException("GSM8K file not found: " + file + " (set " + DatasetsRoot.PROPERTY
                + " or " + DatasetsRoot.ENV + " to the datasets folder; only the test split ships with RLRF)");
    }

    private static List<MathProblem> read(BufferedReader reader, String source, Split split) throws IOException {
        List<MathProblem> problems = new ArrayList<>();
        String line;
        int number = 0;
        while ((line = reader.readLine()) != null) {
            number++;
            int lineNumber = number;
            if (line.isBlank()) {
                continue;
            }
            JsonNode row = JSON.readTree(line);
            String question = text(row, "question", source, number);
            String answer = text(row, "answer", source, number);
            String finalAnswer = FinalAnswer.extract(answer).map(FinalAnswer.Extracted::value)
                    .orElseThrow(() -> new IllegalArgumentException(source + ":" + lineNumber + " has no final answer"));
            problems.add(new MathProblem(String.format(Locale.ROOT, "gsm8k-%s-%05d", split.label(), number), "gsm8k",
                    split, question, answer, finalAnswer, 0));
        }
        return problems;
    }

    private static String text(JsonNode row, String field, String source, int line) {
        JsonNode value = row.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException(source + ":" + line + " has no text field '" + field + "'");
        }
        return value.asText();
    }
}
