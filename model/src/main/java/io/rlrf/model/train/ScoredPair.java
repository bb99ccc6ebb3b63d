package io.rlrf.model.train;

/**
 * A preference pair with the frozen reference policy's log-probabilities of both answers, computed
 * once (without gradients) and reused for every epoch; callers may persist them with the pair. The
 * log-probabilities are summed over the {@link PreferenceLoss}'s spans (all completion tokens for
 * {@link PreferenceLoss.WholeAnswer}): score with the loss you train with.
 */
public record ScoredPair(PreferencePair pair, double refChosen, double refRejected) implements PreferenceExample {

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
