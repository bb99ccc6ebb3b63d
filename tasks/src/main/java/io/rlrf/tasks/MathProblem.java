package io.rlrf.tasks;

import java.util.Objects;

/**
 * A math word problem with a reference solution in GSM8K's format: one step per line with
 * {@code <<expr=value>>} calculator annotations, last line {@code #### N}.
 *
 * @param id          stable identifier, e.g. {@code gsm8k-train-00042}, {@code svamp-chal-7},
 *                    {@code arith-l2-test-3fa9c01b}
 * @param source      where it comes from: {@code arith}, {@code gsm8k}, {@code svamp}
 * @param split       the split it belongs to
 * @param question    the prompt
 * @param solution    the reference solution (GSM8K format)
 * @param finalAnswer the reference final answer, normalised (see {@link FinalAnswer})
 * @param level       difficulty level for generated problems; 0 for datasets
 */
public record MathProblem(String id, String source, Split split, String question, String solution,
        String finalAnswer, int level) {

    public MathProblem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(solution, "solution");
        Objects.requireNonNull(finalAnswer, "finalAnswer");
    }
}
