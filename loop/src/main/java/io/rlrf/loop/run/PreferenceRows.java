package io.rlrf.loop.run;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.rlrf.api.generator.v1.FinishReason;
import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.PairCandidate;
import io.rlrf.api.trainer.v1.PreferenceRow;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.common.error.Echo;
import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.Check;
import io.rlrf.loop.plan.RunLimits;
import io.rlrf.loop.run.Records.Candidate;
import io.rlrf.loop.run.Records.Pair;
import io.rlrf.tasks.prompt.AnswerPrompt;

/**
 * A run's preference pairs as TRL/OpenRLHF preference rows: {@code prompt} (the answer prompt the
 * policy was trained under, so a DPO trainer that reads the file trains on what this run trained on),
 * {@code chosen}, {@code rejected}, and the pair's lineage and scores as extra columns. The pairs are
 * an iteration's {@code pairs.jsonl} in file order; the per-aspect ratings come from the iteration's
 * {@code feedback.jsonl} (samples) and {@code refinement-feedback.jsonl} (rewrites) when present.
 */
public final class PreferenceRows {

    /** {@link PairCandidate#getOrigin()} of one of the n initial answers (Y0). */
    public static final String SAMPLE = "sample";
    /** {@link PairCandidate#getOrigin()} of a reflection's rewrite (Y1). */
    public static final String REWRITE = "rewrite";

    private PreferenceRows() {
    }

    /**
     * The rows of iteration {@code t} of the run laid out in {@code layout}; the iteration's PAIR stage
     * must have finished ({@link #paired}).
     */
    public static List<PreferenceRow> of(RunLayout layout, int t, AnswerPrompt answerPrompt) {
        List<Pair> pairs = RunFiles.readRecords(layout.file(t, RunLayout.PAIRS), Pair.class);
        Map<String, Feedback> feedback = new HashMap<>();
        for (String name : List.of(RunLayout.FEEDBACK, RunLayout.REFINEMENT_FEEDBACK)) {
            Path file = layout.file(t, name);
            if (Files.exists(file)) {
                for (Feedback f : RunFiles.<Feedback>readMessages(file, Feedback::newBuilder)) {
                    feedback.put(f.getItemId(), f);
                }
            }
        }
        List<PreferenceRow> rows = new ArrayList<>();
        for (Pair p : pairs) {
            rows.add(PreferenceRow.newBuilder()
                    .setPrompt(answerPrompt.render(p.question()))
                    .setChosen(p.chosen().text())
                    .setRejected(p.rejected().text())
                    .setRunId(layout.runId())
                    .setIteration(t)
                    .setPairId(p.id())
                    .setPromptId(p.promptId())
                    .setQuestion(p.question())
                    .setChosenCandidate(candidate(p.chosen(), feedback))
                    .setRejectedCandidate(candidate(p.rejected(), feedback))
                    .build());
        }
        return rows;
    }

    /** Whether iteration {@code t}'s PAIR stage has finished, so that its pairs can be exported. */
    public static boolean paired(RunLayout layout, int t) {
        return Files.exists(layout.marker(t, io.rlrf.api.trainer.v1.Stage.STAGE_PAIR))
                && Files.exists(layout.file(t, RunLayout.PAIRS));
    }

    /**
     * The pairs of a preference file (JSON Lines, one row per line as {@link #of} makes them and TRL/OpenRLHF
     * read them) as the run's pair records: each row's {@code prompt} must be {@code answerPrompt} around a
     * question (the policy trains under that template), {@code chosen} and {@code rejected} non-empty,
     * different strings; {@code pair_id}, {@code prompt_id} and the candidates' id, origin, score and outcome
     * rank are kept when present, and made up from the line number when not.
     *
     * @throws IllegalArgumentException naming the file's line and what is wrong with it, or an empty file
     */
    public static List<Pair> read(Path file, AnswerPrompt answerPrompt) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new IllegalArgumentException("is not UTF-8 text");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot be read: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
        int split = answerPrompt.template().indexOf("{question}");
        String before = answerPrompt.template().substring(0, split);
        String after = answerPrompt.template().substring(split + "{question}".length());
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String at = "line " + (i + 1) + ": ";
            JsonNode row;
            try {
                row = RunFiles.JSON.readTree(line);
            } catch (JsonProcessingException e) {
                // The parser's reason quotes the bad token; a short prefix of it is enough.
                String why = e.getOriginalMessage().lines().findFirst().orElse("");
                throw new IllegalArgumentException(at + "is not JSON (" + (why.length() <= 120 ? why : why.substring(0, 117) + "...")
                        + ")");
            }
            if (row == null || !row.isObject()) {
                throw new IllegalArgumentException(at + "is not a JSON object");
            }
            String prompt = text(row, "prompt", at);
            String chosen = text(row, "chosen", at);
            String rejected = text(row, "rejected", at);
            String question = prompt.length() < before.length() + after.length() ? null
                    : prompt.substring(before.length(), prompt.length() - after.length());
            // Rendering the question back must give the prompt (a template may hold {question} more than once).
            if (question == null || !answerPrompt.render(question).equals(prompt)) {
                throw new IllegalArgumentException(at + "\"prompt\" is not a question under this trainer's answer template "
                        + RunFiles.JSON.valueToTree(answerPrompt.template()) + " (export the pairs from a trainer with the "
                        + "same rlrf.trainer.loop.answer-template)");
            }
            if (chosen.equals(rejected)) {
                throw new IllegalArgumentException(at + "\"chosen\" and \"rejected\" are the same text; a pair needs two answers");
            }
            String pairId = row.path("pair_id").asText("");
            pairs.add(new Pair(pairId.isEmpty() ? "l" + (i + 1) : pairId, pairs.size(), row.path("prompt_id").asText(""),
                    question, imported(row.path("chosen_candidate"), chosen, "l" + (i + 1) + "-chosen", at),
                    imported(row.path("rejected_candidate"), rejected, "l" + (i + 1) + "-rejected", at), null, null));
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("holds no pairs");
        }
        return pairs;
    }

    /**
     * A MODE_DPO_OFFLINE config's preference file, read as its run will read it, when the run is
     * started: a missing file or a bad line is refused there rather than when the run reaches its PAIR stage.
     *
     * @throws ServiceException INVALID_ARGUMENT naming {@code config.data.pairs_file}, the line and what is wrong;
     *         RESOURCE_EXHAUSTED when the file has more bytes or rows than {@code limits} allow
     */
    public static void validate(RunConfig resolved, AnswerPrompt answerPrompt, RunLimits limits) {
        String file = resolved.getData().getPairsFile();
        if (resolved.getMode() != Mode.MODE_DPO_OFFLINE || file.isEmpty()) {
            return;
        }
        if (!Files.isRegularFile(Path.of(file))) {
            throw ServiceException.invalidArgument("config.data.pairs_file", Echo.of(file)
                    + " is not a file trainer-svc can read");
        }
        RunLimits.fileSizeWithinLimit("config.data.pairs_file", Path.of(file),
                limits.limit("max-pairs-file-bytes", limits.maxPairsFileBytes()));
        List<Pair> pairs;
        try {
            pairs = read(Path.of(file), answerPrompt);
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalidArgument("config.data.pairs_file", Echo.of(file) + " " + e.getMessage());
        }
        Check.withinLimit("config.data.pairs_file (rows)", pairs.size(),
                limits.limit("max-pairs-file-rows", limits.maxPairsFileRows()));
    }

    private static String text(JsonNode row, String field, String at) {
        JsonNode v = row.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException(at + "\"" + field + "\" is missing");
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(at + "\"" + field + "\" must be a string, found " + v.getNodeType());
        }
        if (v.asText().isEmpty()) {
            throw new IllegalArgumentException(at + "\"" + field + "\" is empty");
        }
        return v.asText();
    }

    /**
     * A candidate of an imported pair: ExportPairs's lineage columns and finish reason when present. A
     * file holds text, not token ids (the ids belong to the policy that sampled them, and an offline run
     * may train another), so the text is what is trained.
     */
    private static Candidate imported(JsonNode c, String text, String fallbackId, String at) {
        String id = c.path("id").asText("");
        String finish = c.path("finish_reason").asText("");
        if (!finish.isEmpty() && !finish.equals(FinishReason.FINISH_REASON_STOP.name())
                && !finish.equals(FinishReason.FINISH_REASON_LENGTH.name())) {
            throw new IllegalArgumentException(at + "\"finish_reason\" must be " + FinishReason.FINISH_REASON_STOP.name()
                    + ", " + FinishReason.FINISH_REASON_LENGTH.name() + " or empty, found " + Echo.of(finish));
        }
        return new Candidate(id.isEmpty() ? fallbackId : id, text, c.path("score").asDouble(0),
                c.path("outcome_rank").asInt(0), !REWRITE.equals(c.path("origin").asText(SAMPLE)),
                c.path("source_answer_id").asText(""), c.path("feedback_id").asText(""), List.of(),
                finish.isEmpty() ? null : finish, null, null);
    }

    private static PairCandidate candidate(Candidate c, Map<String, Feedback> feedback) {
        PairCandidate.Builder b = PairCandidate.newBuilder()
                .setId(c.id())
                .setOrigin(c.initial() ? SAMPLE : REWRITE)
                .setSourceAnswerId(c.sourceAnswerId() == null ? "" : c.sourceAnswerId())
                .setFeedbackId(c.feedbackId() == null ? "" : c.feedbackId())
                .setScore(c.score())
                .setOutcomeRank(c.outcomeRank())
                .setFinishReason(c.finishReason() == null ? "" : c.finishReason());
        Feedback f = feedback.get(c.id());
        if (f != null) {
            for (AspectFeedback a : f.getAspectsList()) {
                b.putRatings(a.getAspect(), a.getRating());
            }
        }
        return b.build();
    }
}
