package io.rlrf.common.validation;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.common.error.ServiceException;
import io.rlrf.common.error.ServiceException.Kind;

class CheckTest {

    private static final SamplingValidation.Limits LIMITS = new SamplingValidation.Limits(
            new Limit("x.max-new-tokens", 128), new Limit("x.max-stop-strings", 2), new Limit("x.max-stop-chars", 5));

    private static ServiceException rejected(SamplingParams params) {
        return assertThrows(ServiceException.class, () -> SamplingValidation.validate("sampling", params, LIMITS));
    }

    @Test
    void blankTextIsRejectedWithTheFieldName() {
        var e = assertThrows(ServiceException.class, () -> Check.notBlank("prompts[2].text", "  "));
        assertEquals(Kind.INVALID_ARGUMENT, e.kind());
        assertEquals("prompts[2].text must not be empty", e.getMessage());
    }

    @Test
    void rangesRejectNaN() {
        assertThrows(ServiceException.class, () -> Check.inClosedRange("delta", Double.NaN, 0, 1));
        assertThrows(ServiceException.class, () -> Check.positive("beta", Double.NaN));
    }

    @Test
    void unsetSamplingFieldsAreNotChecked() {
        assertDoesNotThrow(() -> SamplingValidation.validate("sampling", SamplingParams.getDefaultInstance(), LIMITS));
    }

    @Test
    void negativeTemperatureIsInvalid() {
        var e = rejected(SamplingParams.newBuilder().setTemperature(-0.1f).build());
        assertEquals(Kind.INVALID_ARGUMENT, e.kind());
        assertEquals("sampling.temperature must be a finite number >= 0, got -0.10000000149011612", e.getMessage());
    }

    @Test
    void zeroTemperatureMeansGreedyAndIsValid() {
        assertDoesNotThrow(() -> SamplingValidation.validate("sampling",
                SamplingParams.newBuilder().setTemperature(0f).build(), LIMITS));
    }

    @Test
    void topPOutsideUnitIntervalIsInvalid() {
        assertEquals(Kind.INVALID_ARGUMENT, rejected(SamplingParams.newBuilder().setTopP(0f).build()).kind());
        assertEquals(Kind.INVALID_ARGUMENT, rejected(SamplingParams.newBuilder().setTopP(1.5f).build()).kind());
    }

    @Test
    void maxNewTokensAboveTheLimitIsResourceExhausted() {
        var e = rejected(SamplingParams.newBuilder().setMaxNewTokens(129).build());
        assertEquals(Kind.LIMIT_EXCEEDED, e.kind());
        assertEquals("sampling.max_new_tokens is 129, above the limit of 128 (set by x.max-new-tokens)", e.getMessage());
    }

    @Test
    void tooManyOrEmptyOrLongStopStringsAreRejected() {
        assertEquals(Kind.LIMIT_EXCEEDED, rejected(SamplingParams.newBuilder().addStop("a").addStop("b").addStop("c").build()).kind());
        assertEquals("sampling.stop[0] must not be empty", rejected(SamplingParams.newBuilder().addStop("").build()).getMessage());
        assertEquals(Kind.LIMIT_EXCEEDED, rejected(SamplingParams.newBuilder().addStop("toolong").build()).kind());
    }

    @Test
    void relativePathsCannotEscapeTheRoot() {
        assertDoesNotThrow(() -> Check.relativePath("version", "runs/r-1/iter-2"));
        for (String bad : new String[] {"/etc/passwd", "../x", "runs/../../x", "runs//x", "a\\b", "C:x", "./x", ""}) {
            var e = assertThrows(ServiceException.class, () -> Check.relativePath("version", bad), bad);
            assertEquals(Kind.INVALID_ARGUMENT, e.kind(), bad);
        }
    }

    @Test
    void aProductOfCountsIsBoundedWithoutOverflow() {
        Limit limit = new Limit("x.max-pairs-per-step", 4096);
        assertDoesNotThrow(() -> Check.productWithinLimit("a x b", limit, 64, 64));
        // 65536 x 65536 wraps to 0 as an int; the check sees 4294967296.
        var e = assertThrows(ServiceException.class, () -> Check.productWithinLimit("a x b", limit, 65536, 65536));
        assertEquals(Kind.LIMIT_EXCEEDED, e.kind());
        assertEquals("a x b is 4294967296, above the limit of 4096 (set by x.max-pairs-per-step)", e.getMessage());
        e = assertThrows(ServiceException.class, () -> Check.productWithinLimit("a x b x c", limit,
                Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE));
        assertEquals("a x b x c is 9903520300447984150353281023, above the limit of 4096 (set by x.max-pairs-per-step)",
                e.getMessage());
    }

    @Test
    void controlCharactersAreRefusedInPaths() {
        var e = assertThrows(ServiceException.class, () -> Check.relativePath("version", "tiny\u0000v1"));
        assertEquals("version must not contain control characters (such as NUL), got 'tiny\\u0000v1' with one at index 4",
                e.getMessage());
    }
}
