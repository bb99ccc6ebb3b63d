package io.rlrf.loop.stage;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.rlrf.loop.run.Records.Problem;
import io.rlrf.tasks.FinalAnswer;
import io.rlrf.tasks.verify.StepChecker;

/**
 * Figures of a set of answers that tell computing from guessing (method.md, "What the built-in
 * experiment taught us"): per-line arithmetic accuracy, lines whose annotation and written value
 * disagree, distinct final answers, and what a constant answer would score.
 */
final class AnswerStats {

    private AnswerStats() {
    }

    /**
     * The arithmetic steps of some answers.
     *
     * @param steps      steps checked (one per equation, however many ways it is written)
     * @param correct    of those, right on their own inputs
     * @param mismatches lines whose annotation's result and the value written after it differ
     */
    record Facts(int steps, int correct, int mismatches) {
        double accuracy() {
            return steps == 0 ? 0 : (double) correct / steps;
        }
    }

    static Facts facts(List<String> answers) {
        int steps = 0;
        int correct = 0;
        int mismatches = 0;
        for (String answer : answers) {
            List<StepChecker.Step> all = StepChecker.check(answer).steps();
            // A line's calculator annotation is its step; plain equations count only on lines without one
            // (a written value that contradicts the annotation is a mismatch, not a second step).
            Set<Integer> annotated = new HashSet<>();
            all.stream().filter(st -> st.source() == StepChecker.Source.ANNOTATION).forEach(st -> annotated.add(st.line()));
            for (StepChecker.Step step : all) {
                if (step.source() == StepChecker.Source.ANNOTATION_TEXT) {
                    mismatches++;
                } else if (step.source() == StepChecker.Source.ANNOTATION || !annotated.contains(step.line())) {
                    steps++;
                    correct += step.correct() ? 1 : 0;
                }
            }
        }
        return new Facts(steps, correct, mismatches);
    }

    /** Distinct final answers (by number) among {@code answers}; answers without one are not counted. */
    static int distinctFinalAnswers(List<String> answers) {
        Set<String> seen = new HashSet<>();
        for (String a : answers) {
            FinalAnswer.extract(a).ifPresent(e -> seen.add(FinalAnswer.format(e.number())));
        }
        return seen.size();
    }

    /** The share of {@code problems} whose reference answer is the most common one. */
    static double constantAnswerAccuracy(List<Problem> problems) {
        Map<String, Integer> counts = new HashMap<>();
        for (Problem p : problems) {
            FinalAnswer.extract(p.reference()).ifPresent(e -> counts.merge(FinalAnswer.format(e.number()), 1, Integer::sum));
        }
        int most = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        return problems.isEmpty() ? 0 : (double) most / problems.size();
    }
}
