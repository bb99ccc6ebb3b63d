package io.rlrf.cli.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.rlrf.api.trainer.v1.IterationSummary;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.api.trainer.v1.StageCompleted;
import io.rlrf.loop.stage.StageFigures;

/**
 * One finished run of the experiment: the run as GetRun returned it and every stage it completed
 * (from WatchRun), with what the report needs derived from them.
 *
 * @param mode       "reward-only" or "rlrf"
 * @param run        the run, terminal
 * @param stages     every StageCompleted event of the run, in order
 * @param wallMillis wall time from StartRun to the terminal state, as the client saw it
 */
public record RunResult(String mode, long seed, Run run, List<StageCompleted> stages, long wallMillis) {

    /** Wall-time groups of the report, in print order. */
    public static final List<String> TIME_GROUPS = List.of("bootstrap", "generation", "judging", "reflection",
            "training", "evaluation");

    /** The report group a stage's wall time counts under. */
    public static String group(Stage stage) {
        return switch (stage) {
            case STAGE_BOOTSTRAP -> "bootstrap";
            case STAGE_SAMPLE -> "generation";
            case STAGE_JUDGE, STAGE_JUDGE_REFINEMENTS -> "judging";
            case STAGE_SELECT, STAGE_REFLECT -> "reflection";
            case STAGE_PAIR, STAGE_TRAIN, STAGE_PUBLISH -> "training";
            case STAGE_EVALUATE -> "evaluation";
            default -> "other";
        };
    }

    /**
     * One row of the accuracy table: iteration 0 is the starting policy. {@code loss} is the training
     * objective, {@code preferenceLoss + nll weight x nllLoss}.
     */
    public record Row(int iteration, double accuracy, double meanScore, Map<String, Double> aspects, double meanAnswerTokens, int pairs,
            double refineAcceptance, double loss, double preferenceLoss, double nllLoss, double rewardMargin,
            Mechanism mechanism) {

        static Row of(IterationSummary s) {
            return new Row(s.getIteration(), s.getEvalAccuracy(), s.getMeanScore(), new TreeMap<>(s.getMeanAspectRatingMap()),
                    s.getMeanAnswerTokens(), s.getPairs(), s.getRefineAcceptanceRate(), s.getLoss(), s.getPreferenceLoss(),
                    s.getNllLoss(), s.getRewardMargin(), new Mechanism(s.getSampleAccuracy(), s.getRewriteAccuracy(),
                            s.getReflectionYield(), s.getInternalisation(), s.getFactAccuracy(),
                            s.getAnnotationMismatches(), s.getDistinctAnswers(), s.getConstantAnswerAccuracy()));
        }
    }

    /** What the loop did at an iteration (IterationSummary's mechanism figures). */
    public record Mechanism(double sampleAccuracy, double rewriteAccuracy, double reflectionYield,
            double internalisation, double factAccuracy, int annotationMismatches, int distinctAnswers,
            double constantAnswerAccuracy) {
    }

    /** Iteration 0 (the base, when the run evaluated it) then every finished iteration. */
    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        if (run.hasBase()) {
            rows.add(Row.of(run.getBase()));
        }
        for (IterationSummary s : run.getIterationsList()) {
            rows.add(Row.of(s));
        }
        return rows;
    }

    /** Seconds of stage wall time per report group (every group present, 0 when unused). */
    public Map<String, Double> secondsByGroup() {
        Map<String, Double> out = new LinkedHashMap<>();
        TIME_GROUPS.forEach(g -> out.put(g, 0.0));
        for (StageCompleted s : stages) {
            out.merge(group(s.getStage()), s.getDurationMillis() / 1000.0, Double::sum);
        }
        return out;
    }

    /** Whether the bootstrap stage found its base in the model store (nothing trained). */
    public boolean bootstrapCached() {
        return stages.stream().anyMatch(s -> s.getStage() == Stage.STAGE_BOOTSTRAP
                && StageFigures.read(s.getMetricsMap(), StageFigures.Bootstrap.class).cached());
    }
}
