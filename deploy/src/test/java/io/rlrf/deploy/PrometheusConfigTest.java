package io.rlrf.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The Prometheus side of deploy/ as Prometheus itself reads it: {@code promtool check config} and
 * {@code check rules} (Debian's prometheus package), the rules' unit tests in rules.test.yml
 * ({@code promtool test rules}), and the Prometheus Operator copy of the rules kept equal.
 */
class PrometheusConfigTest {

    private static DeployFiles.Result promtool(String... args) {
        List<String> cmd = new ArrayList<>(List.of("promtool"));
        cmd.addAll(List.of(args));
        return DeployFiles.run(DeployFiles.dir().resolve("prometheus"), 120, cmd.toArray(String[]::new));
    }

    @Test
    void promtoolAcceptsTheScrapeConfiguration() {
        DeployFiles.Result r = promtool("check", "config", "prometheus.yml");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("SUCCESS: prometheus.yml is valid prometheus config file syntax"), r.output());
    }

    @Test
    void promtoolAcceptsTheAlertRules() {
        DeployFiles.Result r = promtool("check", "rules", "rules.yml");
        assertEquals(0, r.exitCode(), r.output());
        int rules = PromQlMetricNames.ruleExpressions(DeployFiles.yamlOne("prometheus/rules.yml")).size();
        assertTrue(r.output().contains("SUCCESS: " + rules + " rules found"), r.output());
    }

    @Test
    void eachAlertFiresOnTheSeriesItIsMeantForAndNotOnOthers() {
        DeployFiles.Result r = promtool("test", "rules", "rules.test.yml");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    @Test
    void everyAlertRuleHasAUnitTest() {
        Set<String> alerts = new TreeSet<>();
        for (JsonNode g : DeployFiles.yamlOne("prometheus/rules.yml").get("groups")) {
            g.get("rules").forEach(rule -> alerts.add(rule.get("alert").asText()));
        }
        Set<String> tested = new TreeSet<>();
        for (JsonNode t : DeployFiles.yamlOne("prometheus/rules.test.yml").get("tests")) {
            for (JsonNode a : t.get("alert_rule_test")) {
                if (a.get("exp_alerts").size() > 0) {
                    tested.add(a.get("alertname").asText());
                }
            }
        }
        assertEquals(alerts, tested, "alerts with a test that expects them to fire");
    }

    @Test
    void theAlertsCoverWhatTheIssueAsksFor() {
        Set<String> alerts = new TreeSet<>();
        for (JsonNode g : DeployFiles.yamlOne("prometheus/rules.yml").get("groups")) {
            g.get("rules").forEach(rule -> alerts.add(rule.get("alert").asText()));
        }
        assertTrue(alerts.containsAll(Set.of("RlrfJudgeParseFailureRateHigh", "RlrfEvalAccuracyDropped",
                "RlrfGeneratorLatencyP99High", "RlrfRunStalled")), alerts.toString());
    }

    @Test
    void thePrometheusOperatorRuleHoldsExactlyTheGroupsOfRulesYml() {
        JsonNode rules = DeployFiles.yamlOne("prometheus/rules.yml");
        JsonNode operator = DeployFiles.yamlOne("prometheus/prometheusrule.yaml");
        assertEquals(rules.get("groups"), operator.at("/spec/groups"), "edit rules.yml and copy its groups into prometheusrule.yaml");
    }

    @Test
    void everyServiceIsScrapedOnQMetricsAndTheMetricsServicesMatchTheJobs() {
        JsonNode config = DeployFiles.yamlOne("prometheus/prometheus.yml");
        Set<String> jobs = new TreeSet<>();
        for (JsonNode job : config.get("scrape_configs")) {
            jobs.add(job.get("job_name").asText());
            assertEquals("/q/metrics", job.get("metrics_path").asText(), job.toString());
            String name = job.at("/dns_sd_configs/0/names/0").asText();
            assertEquals(job.get("job_name").asText() + "-metrics.rlrf.svc.cluster.local", name);
        }
        assertEquals(Set.of("generator-svc", "reflector-svc", "reward-svc", "trainer-svc"), jobs);
        Set<String> selected = new TreeSet<>();
        for (JsonNode svc : DeployFiles.yaml("prometheus/metrics-services.yaml")) {
            assertEquals("None", svc.at("/spec/clusterIP").asText(), "headless: DNS gives the pods, not a virtual IP");
            assertEquals(8080, svc.at("/spec/ports/0/targetPort").asInt());
            selected.add(svc.at("/spec/selector/serving.knative.dev~1service").asText());
        }
        assertEquals(jobs, selected);
    }
}
