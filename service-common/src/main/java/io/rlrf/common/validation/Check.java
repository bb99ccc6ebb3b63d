package io.rlrf.common.validation;

import java.math.BigInteger;

import io.rlrf.common.error.Echo;
import io.rlrf.common.error.ServiceException;

/**
 * Request checks that throw a {@link ServiceException} naming the offending field. Range and
 * emptiness problems are INVALID_ARGUMENT; values above a configured {@link Limit} are
 * RESOURCE_EXHAUSTED.
 */
public final class Check {

    private Check() {
    }

    /** The field must contain at least one non-whitespace character. */
    public static void notBlank(String field, String value) {
        if (value == null || value.isBlank()) {
            throw ServiceException.invalidArgument(field, "must not be empty");
        }
    }

    /** A repeated field must have at least one entry. */
    public static void notEmpty(String field, int count) {
        if (count < 1) {
            throw ServiceException.invalidArgument(field, "must contain at least one entry");
        }
    }

    public static void atLeast(String field, long value, long min) {
        if (value < min) {
            throw ServiceException.invalidArgument(field, "must be at least " + min + ", got " + value);
        }
    }

    /** {@code value} must not exceed the configured limit. */
    public static void withinLimit(String field, long value, Limit limit) {
        if (value > limit.value()) {
            throw ServiceException.limitExceeded(field, value, limit.value(), limit.property());
        }
    }

    /**
     * The product of counts must not exceed the configured limit. It is computed exactly, so no
     * combination of values (each within its own limit or not) can overflow into a small number.
     *
     * @param field how the product is named, e.g. {@code config.dpo.batch_size x config.dpo.grad_accumulation}
     */
    public static void productWithinLimit(String field, Limit limit, long... factors) {
        BigInteger product = BigInteger.ONE;
        for (long factor : factors) {
            product = product.multiply(BigInteger.valueOf(factor));
        }
        if (product.compareTo(BigInteger.valueOf(limit.value())) > 0) {
            throw ServiceException.limitExceeded(field, product, limit.value(), limit.property());
        }
    }

    /** {@code min <= value <= max}, and finite. */
    public static void inClosedRange(String field, double value, double min, double max) {
        if (!Double.isFinite(value) || value < min || value > max) {
            throw ServiceException.invalidArgument(field, "must be in [" + min + ", " + max + "], got " + value);
        }
    }

    /** {@code min < value <= max}, and finite. */
    public static void inHalfOpenRange(String field, double value, double min, double max) {
        if (!Double.isFinite(value) || value <= min || value > max) {
            throw ServiceException.invalidArgument(field, "must be in (" + min + ", " + max + "], got " + value);
        }
    }

    /** {@code value >= 0}, and finite. */
    public static void nonNegative(String field, double value) {
        if (!Double.isFinite(value) || value < 0) {
            throw ServiceException.invalidArgument(field, "must be a finite number >= 0, got " + value);
        }
    }

    /** {@code value > 0}, and finite. */
    public static void positive(String field, double value) {
        if (!Double.isFinite(value) || value <= 0) {
            throw ServiceException.invalidArgument(field, "must be a finite number > 0, got " + value);
        }
    }

    /**
     * The field must not contain control characters (NUL, newlines, escapes): names and paths never
     * need them, and a NUL is not even a valid file-name character.
     */
    public static void noControlCharacters(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw ServiceException.invalidArgument(field, "must not contain control characters (such as NUL), got "
                        + Echo.of(value) + " with one at index " + i);
            }
        }
    }

    /**
     * A path the caller gives relative to a root the server owns (the model store, the run root):
     * not absolute, no {@code ..} or empty segment, no backslash or control character, so it cannot
     * escape that root by its text. Symbolic links are {@link StorePaths}' part.
     */
    public static void relativePath(String field, String value) {
        notBlank(field, value);
        noControlCharacters(field, value);
        if (value.startsWith("/") || value.contains("\\") || value.contains(":")) {
            throw ServiceException.invalidArgument(field,
                    "must be a path relative to the store root (like runs/r-1/iter-1), got " + Echo.of(value));
        }
        for (String segment : value.split("/", -1)) {
            if (segment.isEmpty() || segment.equals("..") || segment.equals(".")) {
                throw ServiceException.invalidArgument(field,
                        "must not contain empty, '.' or '..' segments, got " + Echo.of(value));
            }
        }
    }
}
