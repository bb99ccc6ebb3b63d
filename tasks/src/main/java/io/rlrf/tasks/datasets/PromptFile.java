package io.rlrf.tasks.datasets;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.rlrf.tasks.FinalAnswer;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;

/**
 * A prompt set from a JSON Lines file, one prompt per line: {@code "question"} (or {@code "prompt"}),
 * {@code "answer"} (the reference solution in GSM8K format, ending with {@code #### N}), and an
 * optional {@code "id"} (default {@code <file name>-<line>}). Blank lines are skipped. A bad line is an
 * {@link IllegalArgumentException} naming the line and what is wrong. For open-ended prompts (judged
 * by a model judge, {@link #readOpen}), {@code "answer"} is optional and free text: a reference the
 * judge may be shown, not a final answer to check.
 */
public final class PromptFile {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PromptFile() {
    }

    /** The prompts of {@code file}, as problems of {@code split}; each needs a GSM8K-format answer. */
    public static List<MathProblem> read(Path file, Split split) {
        return read(file, split, true);
    }

    /**
     * The open-ended prompts of {@code file}, as problems of {@code split}: the answer is optional
     * (an empty solution and final answer when absent) and any non-empty text when present.
     */
    public static List<MathProblem> readOpen(Path file, Split split) {
        return read(file, split, false);
    }

    private static List<MathProblem> read(Path file, Split split, boolean mathAnswers) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no such file");
        }
        String name = file.getFileName().toString().replaceFirst("\\.jsonl?$", "");
        List<MathProblem> problems = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                String at = "line " + number + ": ";
                JsonNode row;
                try {
                    row = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(at + "is not JSON");
                }
                if (row == null || !row.isObject()) {
                    throw new IllegalArgumentException(at + "is not a JSON object");
                }
                if (!row.has("question") && !row.has("prompt")) {
                    throw new IllegalArgumentException(at + "\"question\" (or \"prompt\") is missing");
                }
                String question = text(row, row.has("question") ? "question" : "prompt", at);
                String answer = !mathAnswers && (row.get("answer") == null || row.get("answer").isNull()) ? ""
                        : text(row, "answer", at);
                String finalAnswer = !mathAnswers ? FinalAnswer.extract(answer).map(FinalAnswer.Extracted::value).orElse("")
                        : FinalAnswer.extract(answer).map(FinalAnswer.Extracted::value)
                        .orElseThrow(() -> new IllegalArgumentException(at + "\"answer\" has no final answer (a last line '#### N')"));
                String id = row.path("id").asText("");
                problems.add(new MathProblem(id.isEmpty() ? name + "-" + number : id, mathAnswers ? "file" : "open", split,
                        question, answer, finalAnswer, 0));
            }
        } catch (MalformedInputException e) {
            throw new IllegalArgumentException("is not UTF-8 text");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("holds no prompts");
        }
        return problems;
    }

    private static String text(JsonNode row, String field, String at) {
        JsonNode v = row.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException(at + "\"" + field + "\" is missing");
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException(at + "\"" + field + "\" must be a non-empty string");
        }
        return v.asText();
    }
}
