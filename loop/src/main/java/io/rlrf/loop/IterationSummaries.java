package io.rlrf.loop;

import java.nio.file.Files;
import java.nio.file.Path;

import io.rlrf.api.trainer.v1.IterationSummary;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.api.trainer.v1.StageCompleted;
import io.rlrf.loop.run.Records.EvalResult;
import io.rlrf.loop.run.Records.TrainResult;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunLayout;
import io.rlrf.loop.stage.StageFigures;

/** An iteration's results as the run reports them, from what its stages persisted. */
final class IterationSummaries {

    private IterationSummaries() {
    }

    /** Iteration 0: the starting policy's evaluation. */
    static IterationSummary base(RunLayout layout, StageFigures.Evaluate e) {
        return IterationSummary.newBuilder().setIteration(0).setPolicyVersion(layout.version(0))
                .setEvalAccuracy(e.accuracy()).putAllMeanAspectRating(e.meanAspectRating())
                .setMeanAnswerTokens(e.meanAnswerTokens()).setFactAccuracy(e.factAccuracy())
                .setAnnotationMismatches(e.annotationMismatches()).setDistinctAnswers(e.distinctAnswers())
                .setConstantAnswerAccuracy(e.constantAnswerAccuracy()).setMeanScore(e.meanScore()).build();
    }

    /** Iteration t > 0: evaluation, pairing and training. */
    @SuppressWarnings("deprecation") // dpo_loss is filled for older clients
    static IterationSummary of(RunLayout layout, int t) {
        EvalResult eval = RunFiles.readRecord(layout.file(t, RunLayout.EVALUATION), EvalResult.class);
        IterationSummary.Builder summary = IterationSummary.newBuilder().setIteration(t)
                .setPolicyVersion(layout.version(t)).setEvalAccuracy(eval.accuracy())
                .putAllMeanAspectRating(eval.meanAspectRating()).setMeanAnswerTokens(eval.meanAnswerTokens())
                .setFactAccuracy(eval.factAccuracy()).setAnnotationMismatches(eval.annotationMismatches())
                .setDistinctAnswers(eval.distinctAnswers()).setConstantAnswerAccuracy(eval.constantAnswerAccuracy())
                .setInternalisation(eval.internalisation()).setMeanScore(eval.meanScore());
        Path pairDone = layout.marker(t, Stage.STAGE_PAIR);
        if (Files.exists(pairDone)) {
            StageCompleted completed = RunFiles.fromJson(RunFiles.lines(pairDone).get(0), StageCompleted::newBuilder);
            StageFigures.Pair p = StageFigures.read(completed.getMetricsMap(), StageFigures.Pair.class);
            summary.setPairs(p.pairs()).setPromptsSkipped(p.promptsSkipped())
                    .setRefineAcceptanceRate(p.refineAcceptanceRate()).setSampleAccuracy(p.sampleAccuracy())
                    .setRewriteAccuracy(p.rewriteAccuracy()).setReflectionYield(p.reflectionYield());
        }
        Path train = layout.file(t, RunLayout.TRAIN);
        if (Files.exists(train)) {
            TrainResult tr = RunFiles.readRecord(train, TrainResult.class);
            summary.setLoss(tr.loss()).setDpoLoss(tr.loss()).setPreferenceLoss(tr.preferenceLoss())
                    .setNllLoss(tr.nllLoss()).setRewardMargin(tr.rewardMargin()).setRewardAccuracy(tr.rewardAccuracy());
        }
        return summary.build();
    }
}
