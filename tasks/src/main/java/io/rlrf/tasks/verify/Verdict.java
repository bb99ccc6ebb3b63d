package io.rlrf.tasks.verify;

import java.util.List;
import java.util.Optional;

/**
 * What the verifier concluded about one answer.
 *
 * @param ratings         one per rated aspect, in the order asked
 * @param outcome         the checkable result (final answer against the reference)
 * @param extractedAnswer the answer's final answer, normalised; empty if none
 * @param referenceAnswer the reference's final answer, normalised
 * @param wrongSteps      the steps whose arithmetic is wrong, in line order
 */
public record Verdict(List<Rating> ratings, Outcome outcome, String extractedAnswer, String referenceAnswer,
        List<StepChecker.Step> wrongSteps) {

    /** The final answer compared with the reference. */
    public enum Outcome {
        CORRECT, INCORRECT, NO_ANSWER
    }

    /**
     * @param aspect   the aspect
     * @param rating   1, 2 or 3 (see {@link VerifierAspect} for the meaning on each aspect)
     * @param critique what is wrong and where; empty when the rating is 3
     */
    public record Rating(VerifierAspect aspect, int rating, String critique) {
        public Rating {
            if (rating < 1 || rating > 3) {
                throw new IllegalArgumentException("rating must be 1..3, got " + rating);
            }
        }
    }

    public Verdict {
        ratings = List.copyOf(ratings);
        wrongSteps = List.copyOf(wrongSteps);
    }

    /** RLRF's normalised score: the mean over the rated aspects of (rating - 1) / 2, in [0, 1]. */
    public double score() {
        return ratings.stream().mapToDouble(r -> (r.rating() - 1) / 2.0).average().orElse(0.0);
    }

    public Optional<Rating> rating(VerifierAspect aspect) {
        return ratings.stream().filter(r -> r.aspect() == aspect).findFirst();
    }
}
