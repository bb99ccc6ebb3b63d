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
 */
public record VerifierParams(double lengthRatio, int minLengthBound, int maxCritiqueItems,
        boolean revealReferenceAnswer) {

    /** The defaults documented above. */
    public static final VerifierParams DEFAULTS = new VerifierParams(3.0, 200, 5, false);

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
}
