package io.rlrf.tasks.verify;

/**
 * Settings of the math verifier [ours], validated once here.
 *
 * @param lengthRatio           an answer longer than this many times its reference (in
 *                              characters) is not concise; default 3.0
 * @param minLengthBound        the length bound is never below this many characters (short
 *                              references); default 200
 * @param maxCritiqueItems      most errors listed in one critique (the count of the rest is
 *                              given); default 5
 * @param revealReferenceAnswer whether the logical-correctness critique states the reference
 *                              answer; off by default, so that a rewrite must fix the reasoning
 *                              rather than copy the number
 * @param chainedCorrections    whether a step that computes with a wrong value carried from an
 *                              earlier step is faulted too, with its own right value computed from
 *                              the corrected carried values ({@code line 2: 18 * 3 = 54 uses the
 *                              wrong 18 from line 1; 19 * 3 = 57}), so that every value a rewrite
 *                              needs is in the feedback; off by default (each step is judged on
 *                              its own inputs only)
 * @param critiqueValues        whether the critique of a wrong step states its right value; on by
 *                              default. Off is the ablation "the feedback names the faulty line
 *                              but not the fix" ({@code line 2: 12 + 12 = 23 is wrong})
 * @param compactExpressions    whether a wrong step's expressions are written without spaces, as the
 *                              arith world's answers write them ({@code line 2: 12+12=23 is wrong;
 *                              12+12=24}), so that a rewrite can copy the right line as it writes it;
 *                              off by default (canonical spacing, {@code 12 + 12})
 * @param correctedLines        whether the critique of a wrong step is its corrected line, written as
 *                              the arith world's answers write a step, and nothing else
 *                              ({@code line 2 should be 12+12=<<12+12=24>>24}): the wrong value is not
 *                              repeated, so the draft is the only place that has it and the critique the
 *                              only place where the characters a rewrite is writing ({@code <<12+12=})
 *                              are followed by the right value. Applies where values are stated
 *                              ({@code critiqueValues}); with chained corrections a step that carried a
 *                              wrong value gets its corrected line too. Off by default
 * @param referenceSteps        [ours] whether the robustness critique of a wrong answer (its final answer is
 *                              not the reference's) compares its step lines with the reference solution's,
 *                              line by line, and names each line that differs: with values and corrected
 *                              lines, as the reference's line ({@code line 2 should be 8-3=<<8-3=5>>5});
 *                              else as {@code line 2: 8+3=<<8+3=11>>11 is wrong} ({@code line 2: a step is
 *                              missing} past the answer's last step), and a step line past the reference's
 *                              last as {@code line 6 is not a step of the solution}. A step can be right on
 *                              its own inputs and still not be the step the question asks for (an added
 *                              amount the story takes away, a skipped step): arithmetic checks alone then
 *                              say only that the final answer is wrong (issue 14, level 5). For solutions
 *                              written one step per line, as the arith world's are. Off by default
 */
public record VerifierParams(double lengthRatio, int minLengthBound, int maxCritiqueItems,
        boolean revealReferenceAnswer, boolean chainedCorrections, boolean critiqueValues, boolean compactExpressions,
        boolean correctedLines, boolean referenceSteps) {

    /**
     * [ours] The critique form reward-svc serves by default ({@code rlrf.reward.verifier.chained-corrections}
     * and {@code corrected-lines}), the in-process judge too, and the one the built-in base is refined on
     * ({@code rlrf.trainer.bootstrap.refine.*}): corrected lines with chained corrections. The shipped
     * base puts the critique's right value on the flagged line in 86% of its rewrites with it, and 6% with
     * the sentence form of {@link #DEFAULTS} (loop/README.md, "Copy study"). Strings, for the config
     * mappings' defaults; this is their one home.
     */
    public static final String SERVED_CHAINED_CORRECTIONS = "true";
    /** See {@link #SERVED_CHAINED_CORRECTIONS}. */
    public static final String SERVED_CORRECTED_LINES = "true";
    /**
     * [ours] Not served by default ({@code rlrf.reward.verifier.reference-steps}, the in-process judge's
     * {@code reference-steps}): the shipped base was not trained to use such critiques, and a base trained
     * for it on level 5 did not learn to (issue 14; {@code models/README.md}, "A level-5 base").
     */
    public static final String SERVED_REFERENCE_STEPS = "false";

    /** The defaults documented above. */
    public static final VerifierParams DEFAULTS = new VerifierParams(3.0, 200, 5, false, false, true, false, false, false);

    /** What reward-svc judges with when no {@code rlrf.reward.verifier.*} is set: the defaults in the served form. */
    public static final VerifierParams SERVED = DEFAULTS.withChainedCorrections(Boolean.parseBoolean(SERVED_CHAINED_CORRECTIONS))
            .withCorrectedLines(Boolean.parseBoolean(SERVED_CORRECTED_LINES))
            .withReferenceSteps(Boolean.parseBoolean(SERVED_REFERENCE_STEPS));

    public VerifierParams {
        if (!(lengthRatio >= 1.0) || Double.isInfinite(lengthRatio)) {
            throw new IllegalArgumentException("lengthRatio must be a finite number >= 1, got " + lengthRatio);
        }
        if (minLengthBound < 1) {
            throw new IllegalArgumentException("minLengthBound must be >= 1, got " + minLengthBound);
        }
        if (maxCritiqueItems < 1) {
            throw new IllegalArgumentException("maxCritiqueItems must be >= 1, got " + maxCritiqueItems);
        }
    }

    /** The first four settings, with chained corrections off and right values stated (the defaults). */
    public VerifierParams(double lengthRatio, int minLengthBound, int maxCritiqueItems, boolean revealReferenceAnswer) {
        this(lengthRatio, minLengthBound, maxCritiqueItems, revealReferenceAnswer, false, true, false, false);
    }

    /** The first seven settings, critiques in their sentence form (corrected lines off, the default). */
    public VerifierParams(double lengthRatio, int minLengthBound, int maxCritiqueItems, boolean revealReferenceAnswer,
            boolean chainedCorrections, boolean critiqueValues, boolean compactExpressions) {
        this(lengthRatio, minLengthBound, maxCritiqueItems, revealReferenceAnswer, chainedCorrections, critiqueValues,
                compactExpressions, false);
    }

    /** The first eight settings, steps not compared with the reference's (the default). */
    public VerifierParams(double lengthRatio, int minLengthBound, int maxCritiqueItems, boolean revealReferenceAnswer,
            boolean chainedCorrections, boolean critiqueValues, boolean compactExpressions, boolean correctedLines) {
        this(lengthRatio, minLengthBound, maxCritiqueItems, revealReferenceAnswer, chainedCorrections, critiqueValues,
                compactExpressions, correctedLines, false);
    }

    /**
     * The settings as text; judges put it in their feedback fingerprints (cache and content keys). The
     * five later settings appear only when they differ from their defaults, so that the keys of feedback
     * judged before they existed stay what they were.
     */
    @Override
    public String toString() {
        String base = "VerifierParams[lengthRatio=" + lengthRatio + ", minLengthBound=" + minLengthBound
                + ", maxCritiqueItems=" + maxCritiqueItems + ", revealReferenceAnswer=" + revealReferenceAnswer;
        return base + (chainedCorrections ? ", chainedCorrections=true" : "") + (critiqueValues ? "" : ", critiqueValues=false")
                + (compactExpressions ? ", compactExpressions=true" : "") + (correctedLines ? ", correctedLines=true" : "")
                + (referenceSteps ? ", referenceSteps=true" : "") + "]";
    }

    /** These settings with chained corrections on or off. */
    public VerifierParams withChainedCorrections(boolean on) {
        return new VerifierParams(lengthRatio, minLengthBound, maxCritiqueItems, revealReferenceAnswer, on,
                critiqueValues, compactExpressions, correctedLines, referenceSteps);
    }

    /** These settings with critiques that state (true) or withhold (false) the right values. */
    public VerifierParams withCritiqueValues(boolean on) {
        return new VerifierParams(lengthRatio, minLengthBound, maxCritiqueItems, revealReferenceAnswer,
                chainedCorrections, on, compactExpressions, correctedLines, referenceSteps);
    }

    /** These settings with wrong steps' expressions written without spaces (true) or canonically spaced. */
    public VerifierParams withCompactExpressions(boolean on) {
        return new VerifierParams(lengthRatio, minLengthBound, maxCritiqueItems, revealReferenceAnswer,
                chainedCorrections, critiqueValues, on, correctedLines, referenceSteps);
    }

    /** These settings with a wrong step's critique written as its corrected line (true) or as a sentence. */
    public VerifierParams withCorrectedLines(boolean on) {
        return new VerifierParams(lengthRatio, minLengthBound, maxCritiqueItems, revealReferenceAnswer,
                chainedCorrections, critiqueValues, compactExpressions, on, referenceSteps);
    }

    /** These settings with a wrong answer's step lines compared with the reference solution's (true) or not. */
    public VerifierParams withReferenceSteps(boolean on) {
        return new VerifierParams(lengthRatio, minLengthBound, maxCritiqueItems, revealReferenceAnswer,
                chainedCorrections, critiqueValues, compactExpressions, correctedLines, on);
    }
}
