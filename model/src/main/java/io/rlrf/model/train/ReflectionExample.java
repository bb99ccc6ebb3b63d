package io.rlrf.model.train;

import java.util.Objects;

import io.rlrf.model.score.SequenceScorer.Sequence;

/**
 * A sequence trained by NLL inside a preference update, weighted by
 * {@link DpoParams#reflectionWeight()}: in RLRF, the reflection prompt (question, draft, critique)
 * followed by an accepted rewrite, so that the loop trains the revision skill it relies on instead of
 * letting it decay (RISE, Qu et al. 2024; SCoRe, Kumar et al. 2024: offline correction data alone
 * does not make self-correction).
 */
public record ReflectionExample(Sequence sequence) implements PreferenceExample {
    public ReflectionExample {
        Objects.requireNonNull(sequence, "sequence");
    }
}
