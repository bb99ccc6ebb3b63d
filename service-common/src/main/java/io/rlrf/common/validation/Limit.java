package io.rlrf.common.validation;

/**
 * A configured upper bound and the property that sets it, so that a refusal can tell the caller
 * which setting to change.
 *
 * @param property the configuration property, e.g. {@code rlrf.generator.limits.max-n}
 * @param value    the largest accepted value
 */
public record Limit(String property, long value) {
    public Limit {
        if (value < 0) {
            throw new IllegalArgumentException(property + " must be >= 0, got " + value);
        }
    }
}
