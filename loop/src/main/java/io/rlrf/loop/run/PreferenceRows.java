package io.rlrf.loop.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.trainer.v1.PairCandidate;
import io.rlrf.api.trainer.v1.PreferenceRow;
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

    private static PairCandidate candidate(Candidate c, Map<String, Feedback> feedback) {
        PairCandidate.Builder b = PairCandidate.newBuilder()
                .setId(c.id())
                .setOrigin(c.initial() ? SAMPLE : REWRITE)
                .setSourceAnswerId(c.sourceAnswerId() == null ? "" : c.sourceAnswerId())
                .setFeedbackId(c.feedbackId() == null ? "" : c.feedbackId())
                .setScore(c.score())
                .setOutcomeRank(c.outcomeRank());
        Feedback f = feedback.get(c.id());
        if (f != null) {
            for (AspectFeedback a : f.getAspectsList()) {
                b.putRatings(a.getAspect(), a.getRating());
            }
        }
        return b.build();
    }
}
