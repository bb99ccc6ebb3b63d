package io.rlrf.loop.stage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.loop.run.Records.Candidate;
import io.rlrf.loop.run.Records.Rewrite;
import io.rlrf.loop.run.Records.Sample;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunLayout;

/** Reads an iteration's answers and their feedback back as the ranked candidates of steps 3 and 6. */
final class Candidates {

    private Candidates() {
    }

    /** The judged samples (Y0) by prompt index; a judge failure is counted in the judge stage, never scored. */
    static Map<Integer, List<Candidate>> initial(StageContext ctx) {
        Map<String, Feedback> fb = feedbackById(ctx.file(RunLayout.FEEDBACK));
        Map<Integer, List<Candidate>> byPrompt = new TreeMap<>();
        for (Sample s : RunFiles.readRecords(ctx.file(RunLayout.SAMPLES), Sample.class)) {
            Feedback f = fb.get(s.id());
            if (scored(f)) {
                byPrompt.computeIfAbsent(s.promptIndex(), k -> new ArrayList<>()).add(new Candidate(s.id(), s.text(),
                        f.getScore(), Ranking.outcomeRank(f), true, "", f.getId(), List.of()));
            }
        }
        return byPrompt;
    }

    /** The judged rewrites (Y1) as candidates, in file order, each with its feedback. */
    static List<Candidate> rewrites(StageContext ctx, Map<String, Rewrite> byId) {
        Map<String, Feedback> fb = feedbackById(ctx.file(RunLayout.REFINEMENT_FEEDBACK));
        List<Candidate> out = new ArrayList<>();
        for (Rewrite r : RunFiles.readRecords(ctx.file(RunLayout.REFINEMENTS), Rewrite.class)) {
            byId.put(r.id(), r);
            Feedback f = fb.get(r.id());
            if (scored(f)) {
                out.add(new Candidate(r.id(), r.text(), f.getScore(), Ranking.outcomeRank(f), false, r.sourceAnswerId(),
                        r.feedbackId(), r.critiquedAspects()));
            }
        }
        return out;
    }

    static Map<String, Feedback> feedbackById(Path file) {
        Map<String, Feedback> out = new HashMap<>();
        for (Feedback f : RunFiles.<Feedback>readMessages(file, Feedback::newBuilder)) {
            out.put(f.getItemId(), f);
        }
        return out;
    }

    private static boolean scored(Feedback f) {
        return f != null && f.getStatus() == FeedbackStatus.FEEDBACK_STATUS_OK && f.hasScore();
    }
}
