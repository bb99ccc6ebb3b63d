package io.rlrf.tasks.verify;

import java.util.Arrays;
import java.util.Optional;

/**
 * The aspects the math verifier rates, named as in FLASK (and in reward-svc's aspect catalog), with
 * what each rating means for this judge [ours]. Rating 1 = a clear error, 2 = partly satisfied,
 * 3 = fully satisfied, as everywhere in RLRF.
 */
public enum VerifierAspect {
    /**
     * The final answer. 3: the {@code #### N} line equals the reference answer. 2: there is no
     * {@code #### N} line, but the last number of the answer (the fallback) equals the reference.
     * 1: the final answer differs from the reference, or there is none.
     */
    LOGICAL_CORRECTNESS("logical_correctness"),
    /**
     * Every step's arithmetic. 3: every annotation and plain equation recomputes, and there is at
     * least one. 2: none is wrong, but an annotation could not be evaluated or the answer shows no
     * calculation at all. 1: at least one step is wrong (each named by line, with the right result).
     */
    LOGICAL_ROBUSTNESS("logical_robustness"),
    /**
     * A final {@code #### N} line, and the problem's quantities used. 3: the last non-empty line is
     * {@code #### N} and every number of the problem that the reference solution uses also appears
     * in the answer. 2: the final line is there, but a needed quantity is never used or text follows
     * the final line. 1: no {@code #### N} line.
     */
    COMPLETENESS("completeness"),
    /**
     * No padding. Issues: a repeated step (a line equal to an earlier one), an empty line between
     * steps, a length above the bound ({@link VerifierParams#lengthRatio} times the reference, at
     * least {@link VerifierParams#minLengthBound} characters). 3: no issue. 2: one. 1: two or more.
     */
    CONCISENESS("conciseness");

    private final String aspectName;

    VerifierAspect(String aspectName) {
        this.aspectName = aspectName;
    }

    /** The aspect's name in RLRF's catalog, e.g. {@code logical_correctness}. */
    public String aspectName() {
        return aspectName;
    }

    public static Optional<VerifierAspect> byName(String name) {
        return Arrays.stream(values()).filter(a -> a.aspectName.equals(name)).findFirst();
    }
}
