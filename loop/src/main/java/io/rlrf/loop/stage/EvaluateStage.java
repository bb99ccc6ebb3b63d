package io.rlrf.loop.stage;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.Outcome;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.loop.plan.RunProblems;
import io.rlrf.loop.run.Records.EvalResult;
import io.rlrf.loop.run.Records.JudgeItem;
import io.rlrf.loop.run.Records.Problem;
import io.rlrf.loop.run.Records.Sample;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunLayout;
import io.rlrf.loop.run.Seeds;

/**
 * EVALUATE: the iteration's policy answers the held-out prompts (greedy by default), the judge rates
 * the answers; held-out accuracy, mean score over the answers judged OK (task facts: factual
 * precision) and mean rating per aspect ({@code evaluation.json}). Iteration 0
 * evaluates the base.
 */
public final class EvaluateStage implements RunStage {

    @Override
    public Stage stage() {
        return Stage.STAGE_EVALUATE;
    }

    @Override
    public StageFigures run(StageContext ctx) {
        int t = ctx.iteration();
        String version = ctx.serve(t);
        List<Problem> problems = RunProblems.eval(ctx.plan());
        long seed = Seeds.mix(ctx.plan().seed(), 0, 500);
        List<Sample> answers = Answering.answer(ctx, problems, 1, ctx.plan().eval(), from -> seed,
                (p, i) -> "e" + t + "-" + p.index(), version);
        RunFiles.writeRecords(ctx.file(RunLayout.EVAL_ANSWERS), answers);
        List<Feedback> feedback = Judging.judge(ctx, problems,
                answers.stream().map(a -> new JudgeItem(a.id(), a.promptIndex(), a.text())).toList());
        RunFiles.writeMessages(ctx.file(RunLayout.EVAL_FEEDBACK), feedback);
        List<String> texts = answers.stream().map(Sample::text).toList();
        AnswerStats.Facts facts = AnswerStats.facts(texts);
        double internalisation = t > 0 && ctx.plan().reflection().enabled() ? internalisation(ctx, version, seed) : 0;
        int correct = 0;
        int failures = 0;
        double scoreSum = 0;
        Map<String, double[]> aspects = new TreeMap<>();
        for (Feedback f : feedback) {
            if (f.getStatus() != FeedbackStatus.FEEDBACK_STATUS_OK) {
                failures++;
                continue;
            }
            if (f.getOutcome().getOutcome() == Outcome.OUTCOME_CORRECT) {
                correct++;
            }
            scoreSum += f.getScore();
            for (AspectFeedback a : f.getAspectsList()) {
                double[] sum = aspects.computeIfAbsent(a.getAspect(), k -> new double[2]);
                sum[0] += a.getRating();
                sum[1]++;
            }
        }
        Map<String, Double> meanAspect = new LinkedHashMap<>();
        aspects.forEach((k, v) -> meanAspect.put(k, v[0] / v[1]));
        double accuracy = problems.isEmpty() ? 0 : (double) correct / problems.size();
        int judged = feedback.size() - failures;
        double meanScore = judged == 0 ? 0 : scoreSum / judged;
        double meanTokens = answers.stream().mapToInt(Sample::completionTokens).average().orElse(0);
        int distinct = AnswerStats.distinctFinalAnswers(texts);
        double constant = AnswerStats.constantAnswerAccuracy(problems);
        RunFiles.writeRecord(ctx.file(RunLayout.EVALUATION), new EvalResult(accuracy, meanAspect, meanTokens,
                problems.size(), failures, facts.accuracy(), facts.mismatches(), distinct, constant, internalisation, meanScore));
        return new StageFigures.Evaluate(accuracy, meanTokens, failures, meanAspect, facts.accuracy(), facts.mismatches(),
                distinct, constant, internalisation, meanScore);
    }

    /**
     * The share of this iteration's training prompts that only a rewrite solved which the trained
     * policy now answers right, greedily and without feedback ({@code internalisation-answers.jsonl}).
     */
    private static double internalisation(StageContext ctx, String version, long seed) {
        int t = ctx.iteration();
        List<Problem> train = RunProblems.train(ctx.plan(), t);
        List<Problem> yielded = Mechanism.of(Candidates.withRewrites(ctx), train.size()).yielded().stream()
                .map(train::get).toList();
        List<Sample> answers = Answering.answer(ctx, yielded, 1, ctx.plan().eval(), from -> seed,
                (p, i) -> "i" + t + "-" + p.index(), version);
        RunFiles.writeRecords(ctx.file(RunLayout.INTERNALISATION_ANSWERS), answers);
        List<Feedback> feedback = Judging.judge(ctx, train,
                answers.stream().map(a -> new JudgeItem(a.id(), a.promptIndex(), a.text())).toList());
        long right = feedback.stream().filter(f -> f.getStatus() == FeedbackStatus.FEEDBACK_STATUS_OK
                && f.getOutcome().getOutcome() == Outcome.OUTCOME_CORRECT).count();
        return yielded.isEmpty() ? 0 : (double) right / yielded.size();
    }
}
