package io.rlrf.model.train;

/**
 * One example of a preference update ({@link DpoTrainer}): a scored preference pair, or a
 * reflection sequence trained by NLL beside the pairs.
 */
public sealed interface PreferenceExample permits ScoredPair, ReflectionExample {
}
