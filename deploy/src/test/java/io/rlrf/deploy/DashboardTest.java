package io.rlrf.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The Grafana dashboard is importable JSON with a panel for each training-loop figure the issue
 * lists. That its queries parse and its metrics exist is proven against a real Prometheus in
 * {@link ObservabilityEndToEndTest}.
 */
class DashboardTest {

    static JsonNode dashboard() throws IOException {
        return DeployFiles.JSON.readTree(DeployFiles.file("grafana/rlrf-dashboard.json").toFile());
    }

    @Test
    void isAnImportableDashboardWithUniquePanelIdsAndAPrometheusDatasourceVariable() throws IOException {
        JsonNode d = dashboard();
        assertEquals("rlrf-training", d.get("uid").asText());
        assertFalse(d.get("title").asText().isEmpty());
        assertTrue(d.get("schemaVersion").asInt() >= 36);
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : d.get("panels")) {
            assertTrue(ids.add(p.get("id").asInt()), "duplicate panel id " + p.get("id"));
            if (!"row".equals(p.get("type").asText())) {
                assertEquals("${datasource}", p.at("/datasource/uid").asText(), p.get("title").asText());
                assertTrue(p.get("targets").size() > 0, p.get("title").asText() + " has no query");
            }
        }
        JsonNode vars = d.at("/templating/list");
        assertEquals("datasource", vars.get(0).get("type").asText());
        assertEquals("prometheus", vars.get(0).get("query").asText());
    }

    @Test
    void hasAQueryForEveryTrainingLoopFigureTheIssueAsksFor() throws IOException {
        List<String> exprs = PromQlMetricNames.dashboardExpressions(dashboard());
        Set<String> used = new HashSet<>();
        exprs.forEach(e -> used.addAll(PromQlMetricNames.of(e)));
        // accuracy and mean aspect rating per iteration, training loss (in parts) and reward margin, refine acceptance,
        // pairs per iteration, stage durations, generator throughput and latency, cache hit ratio
        for (String metric : List.of("rlrf_trainer_eval_accuracy", "rlrf_trainer_eval_aspect_rating", "rlrf_trainer_train_loss",
                "rlrf_trainer_dpo_reward_margin", "rlrf_trainer_refine_acceptance_rate", "rlrf_trainer_pairs",
                "rlrf_trainer_stage_duration_seconds_sum", "rlrf_generator_tokens_total",
                "grpc_server_processing_duration_seconds_bucket", "rlrf_reward_cache_hits_total",
                "rlrf_reflector_cache_hits_total")) {
            assertTrue(used.contains(metric), "no panel queries " + metric);
        }
    }
}
