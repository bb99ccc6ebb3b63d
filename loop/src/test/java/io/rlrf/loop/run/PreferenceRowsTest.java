package io.rlrf.loop.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.trainer.v1.PreferenceRow;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.loop.run.Records.Pair;
import io.rlrf.tasks.prompt.AnswerPrompt;

/**
 * The export rows of a recorded run (trainer-svc's RecordedRunTest wrote these files through the
 * services) carry exactly the run's pairs: chosen and rejected texts, the templated prompt, lineage
 * and scores, and the judge's ratings where the iteration's feedback holds them.
 */
class PreferenceRowsTest {

    private static final Path RECORDED = Path.of("src/test/resources/recorded");

    @TempDir
    Path dir;

    private RunLayout recorded(String id) throws Exception {
        RunLayout layout = new RunLayout(dir.resolve(id), id, "tiny/v1");
        Files.createDirectories(layout.iterDir(1));
        Files.copy(RECORDED.resolve(id).resolve(RunLayout.PAIRS), layout.file(1, RunLayout.PAIRS));
        Files.writeString(layout.marker(1, Stage.STAGE_PAIR), "");
        return layout;
    }

    @Test
    void rowsOfARecordedRunAreItsPairsUnderTheAnswerTemplate() throws Exception {
        RunLayout layout = recorded("rec-rlrf");
        List<Pair> pairs = RunFiles.readRecords(layout.file(1, RunLayout.PAIRS), Pair.class);
        AnswerPrompt template = new AnswerPrompt("Q: {question}\nA:");

        List<PreferenceRow> rows = PreferenceRows.of(layout, 1, template);

        assertEquals(3, pairs.size());
        assertEquals(pairs.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Pair p = pairs.get(i);
            PreferenceRow r = rows.get(i);
            assertEquals("Q: " + p.question() + "\nA:", r.getPrompt());
            assertEquals(p.chosen().text(), r.getChosen());
            assertEquals(p.rejected().text(), r.getRejected());
            assertEquals("rec-rlrf", r.getRunId());
            assertEquals(1, r.getIteration());
            assertEquals(p.id(), r.getPairId());
            assertEquals(p.promptId(), r.getPromptId());
            assertEquals(p.chosen().id(), r.getChosenCandidate().getId());
            assertEquals(p.rejected().id(), r.getRejectedCandidate().getId());
            assertEquals(p.chosen().score(), r.getChosenCandidate().getScore());
            assertEquals(p.rejected().outcomeRank(), r.getRejectedCandidate().getOutcomeRank());
            assertEquals(p.chosen().initial() ? "sample" : "rewrite", r.getChosenCandidate().getOrigin());
            assertEquals(p.chosen().feedbackId(), r.getChosenCandidate().getFeedbackId());
        }
    }

    @Test
    void ratingsComeFromTheIterationsFeedbackAndRewritesKeepTheirSource() throws Exception {
        RunLayout layout = recorded("rec-rlrf");
        Pair first = RunFiles.readRecords(layout.file(1, RunLayout.PAIRS), Pair.class).get(0);
        RunFiles.writeMessages(layout.file(1, RunLayout.FEEDBACK), List.of(Feedback.newBuilder()
                .setItemId(first.chosen().id()).setScore(0.75)
                .addAspects(AspectFeedback.newBuilder().setAspect("factuality").setRating(3))
                .addAspects(AspectFeedback.newBuilder().setAspect("logical_robustness").setRating(2)).build()));

        List<PreferenceRow> rows = PreferenceRows.of(layout, 1, AnswerPrompt.DEFAULT);

        assertEquals(Map.of("factuality", 3, "logical_robustness", 2), rows.get(0).getChosenCandidate().getRatingsMap());
        assertTrue(rows.get(0).getRejectedCandidate().getRatingsMap().isEmpty(), "no feedback recorded for it");
        // Every rewrite names the sample it rewrote; every sample names none.
        for (PreferenceRow r : rows) {
            for (var c : List.of(r.getChosenCandidate(), r.getRejectedCandidate())) {
                assertEquals(c.getOrigin().equals("rewrite"), !c.getSourceAnswerId().isEmpty(), c.getId());
            }
        }
    }

    @Test
    void anIterationIsPairedOnlyOnceItsPairStageFinished() throws Exception {
        RunLayout layout = recorded("rec-reward-only");
        assertTrue(PreferenceRows.paired(layout, 1));
        assertFalse(PreferenceRows.paired(layout, 2));
        Files.delete(layout.marker(1, Stage.STAGE_PAIR));
        assertFalse(PreferenceRows.paired(layout, 1));
    }
}
