package io.rlrf.model.train;

/**
 * A preference pair with the frozen reference policy's log-probabilities of both answers, computed
 * once (without gradients) and reused for every epoch; callers may persist them with the pair.
 */
public record ScoredPair(PreferencePair pair, double refChosen, double refRejected) {

    public ScoredPair {
        if (pair == null) {
            throw new IllegalArgumentException("pair must be set");
        }
        if (!Double.isFinite(refChosen) || !Double.isFinite(refRejected)) {
            throw new IllegalArgumentException("reference log-probabilities must be finite, got " + refChosen
                    + ", " + refRejected);
        }
    }
}
