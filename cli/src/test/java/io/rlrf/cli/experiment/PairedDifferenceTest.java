package io.rlrf.cli.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class PairedDifferenceTest {

    @Test
    void theIntervalIsMeanPlusMinusTTimesTheStandardError() {
        // 1, 2, 3: mean 2, sd 1; t(0.975, 2) = 4.302653, half-width 4.302653 / sqrt(3) = 2.484138.
        PairedDifference d = PairedDifference.of(List.of(1.0, 2.0, 3.0));
        assertEquals(2.0, d.mean(), 1e-12);
        assertEquals(1.0, d.sd(), 1e-12);
        assertEquals(2.0 - 2.484138, d.ci95()[0], 1e-5);
        assertEquals(2.0 + 2.484138, d.ci95()[1], 1e-5);
        assertFalse(d.meets(1), "an interval reaching below 0 does not meet the claim");
    }

    @Test
    void aClaimNeedsTheMeanAtTheThresholdAndTheIntervalAboveZero() {
        // Five seeds: 11, 12, 10, 13, 12: mean 11.6, sd 1.14, t(0.975, 4) = 2.776: [10.18, 13.02].
        PairedDifference d = PairedDifference.of(List.of(11.0, 12.0, 10.0, 13.0, 12.0));
        assertEquals(10.18, d.ci95()[0], 0.01);
        assertTrue(d.meets(10));
        assertFalse(d.meets(12));
    }

    @Test
    void oneSeedHasNoInterval() {
        PairedDifference d = PairedDifference.of(List.of(7.0));
        assertTrue(Double.isNaN(d.ci95()[0]));
        assertFalse(d.meets(5));
    }
}
