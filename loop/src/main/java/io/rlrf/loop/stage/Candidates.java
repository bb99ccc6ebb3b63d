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
                        f.getScore(), Ranking.outcomeRank(f), true, "", f.getId(), List.of(), s.finishReason(),
                        s.policyVersion(), s.tokenIds()));
            }
        }
        return byPrompt;
    }

    /** C = Y0 + Y1 by prompt index: the judged samples, then the judged rewrites in file order. */
    static Map<Integer, List<Candidate>> withRewrites(StageContext ctx) {
        Map<Integer, List<Candidate>> byPrompt = initial(ctx);
        Map<String, Feedback> fb = feedbackById(ctx.file(RunLayout.REFINEMENT_FEEDBACK));
        for (Rewrite r : RunFiles.readRecords(ctx.file(RunLayout.REFINEMENTS), Rewrite.class)) {
            Feedback f = fb.get(r.id());
            if (scored(f)) {
                byPrompt.computeIfAbsent(r.promptIndex(), k -> new ArrayList<>()).add(new Candidate(r.id(), r.text(),
                        f.getScore(), Ranking.outcomeRank(f), false, r.sourceAnswerId(), r.feedbackId(),
                        r.critiquedAspects(), r.finishReason(), r.policyVersion(), r.tokenIds()));
            }
        }
        return byPrompt;
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
