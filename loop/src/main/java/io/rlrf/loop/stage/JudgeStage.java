package io.rlrf.loop.stage;

import java.util.List;

import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.loop.plan.RunProblems;
import io.rlrf.loop.run.Records.JudgeItem;
import io.rlrf.loop.run.Records.Rewrite;
import io.rlrf.loop.run.Records.Sample;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunLayout;

/**
 * Steps 2 and 5: fine-grained feedback on every sample ({@code feedback.jsonl}) or on every rewrite
 * ({@code refinement-feedback.jsonl}).
 */
public final class JudgeStage implements RunStage {

    private final boolean rewrites;

    private JudgeStage(boolean rewrites) {
        this.rewrites = rewrites;
    }

    /** Step 2: the samples. */
    public static JudgeStage samples() {
        return new JudgeStage(false);
    }

    /** Step 5: the rewrites. */
    public static JudgeStage rewrites() {
        return new JudgeStage(true);
    }

    @Override
    public Stage stage() {
        return rewrites ? Stage.STAGE_JUDGE_REFINEMENTS : Stage.STAGE_JUDGE;
    }

    @Override
    public StageFigures run(StageContext ctx) {
        List<JudgeItem> items = rewrites
                ? RunFiles.readRecords(ctx.file(RunLayout.REFINEMENTS), Rewrite.class).stream()
                        .map(r -> new JudgeItem(r.id(), r.promptIndex(), r.text())).toList()
                : RunFiles.readRecords(ctx.file(RunLayout.SAMPLES), Sample.class).stream()
                        .map(s -> new JudgeItem(s.id(), s.promptIndex(), s.text())).toList();
        List<Feedback> feedback = Judging.judge(ctx, RunProblems.train(ctx.plan(), ctx.iteration()), items);
        RunFiles.writeMessages(ctx.file(rewrites ? RunLayout.REFINEMENT_FEEDBACK : RunLayout.FEEDBACK), feedback);
        int failures = (int) feedback.stream().filter(f -> f.getStatus() != FeedbackStatus.FEEDBACK_STATUS_OK).count();
        double meanScore = feedback.stream().filter(Feedback::hasScore).mapToDouble(Feedback::getScore).average().orElse(0);
        return new StageFigures.Judge(feedback.size(), failures, meanScore);
    }
}
