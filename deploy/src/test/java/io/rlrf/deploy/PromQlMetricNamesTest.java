package io.rlrf.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The metric-name extraction the metric-existence check relies on, on the shapes deploy/ uses. */
class PromQlMetricNamesTest {

    private static List<String> names(String expr) {
        return List.copyOf(PromQlMetricNames.of(expr));
    }

    @Test
    void aPlainSelectorWithMatchersIsOneName() {
        assertEquals(List.of("rlrf_trainer_eval_accuracy"), names("rlrf_trainer_eval_accuracy{run=~\"$run\", mode!=\"x\"}"));
    }

    @Test
    void functionsAggregationsGroupingAndRangesAreNotNames() {
        assertEquals(List.of("grpc_server_processing_duration_seconds_bucket"), names(
                "histogram_quantile(0.99, sum by (job, le) (rate(grpc_server_processing_duration_seconds_bucket"
                        + "{service=\"rlrf.generator.v1.Generator\", method=\"Generate\"}[$__rate_interval])))"));
    }

    @Test
    void bothSidesOfABinaryOperationAreNames() {
        assertEquals(List.of("rlrf_trainer_run_progress_timestamp_seconds", "rlrf_trainer_run_active"), names(
                "(time() - rlrf_trainer_run_progress_timestamp_seconds) > 1800\n and on (job, instance, run) rlrf_trainer_run_active == 1"));
    }

    @Test
    void numbersDurationsAndKeywordsAreNotNames() {
        assertEquals(Set.of("a", "b"), PromQlMetricNames.of("a offset 5m > bool 1e3 or b unless on (x) a"));
    }

    @Test
    void aNameMatcherIsRefusedBecauseItHidesTheNames() {
        assertThrows(IllegalArgumentException.class, () -> PromQlMetricNames.of("{__name__=~\"rlrf_.*\"}"));
    }
}
