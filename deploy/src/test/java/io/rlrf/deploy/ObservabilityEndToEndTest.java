package io.rlrf.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluateResponse;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.RewardGrpc;
import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.EvalConfig;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.PairingConfig;
import io.rlrf.api.trainer.v1.ReflectionConfig;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.SamplingConfig;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.TrainerGrpc;
import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.api.trainer.v1.WatchRunRequest;
import io.rlrf.common.testing.LocalInfinispanServer;
import io.rlrf.common.testing.ServiceProcess;

/**
 * deploy/ against the real thing: an Infinispan Server with authentication on (a user with the
 * credentials of the Secret template) and the four packaged services on loopback, reward-svc and
 * reflector-svc reading their Hot Rod settings from the environment exactly as the Knative
 * manifests give it to them (the Secret's keys and the ConfigMap's Infinispan keys; only the host
 * is replaced by the loopback one), a real Prometheus (Debian's binary) scraping them with deploy/prometheus/prometheus.yml
 * (its jobs and metrics path, loopback targets instead of DNS discovery) and loading rules.yml, and a
 * tiny RLRF run (one iteration of a random-weight model) started over gRPC. reward-svc also has a
 * local model judge configured (the tiny checkpoint), so its parse-failure counter, which an alert
 * uses, exists (at 0: the run's arith prompts go to the verifier judge). Everything is started once for
 * the class; logs in target/*-svc.log and target/prometheus.log.
 */
class ObservabilityEndToEndTest {

    private static final String RUN_ID = "deploy-e2e";
    private static final List<String> SERVICES = List.of("generator", "reward", "reflector", "trainer");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build(); // no h2c upgrade: a GET once hung past its timeout in CI

    private static LocalInfinispanServer infinispan;
    private static final Map<String, Integer> PORTS = new LinkedHashMap<>();
    private static final List<Process> PROCESSES = new ArrayList<>();
    private static Path infinispanConf;
    private static Process prometheus;
    private static Path prometheusDir;
    private static int prometheusPort;
    private static Run run;

    @BeforeAll
    static void startEverythingAndRunATinyRun() throws Exception {
        DeployFiles.requireTool("prometheus");
        Path target = Path.of("target").toAbsolutePath();
        Path store = target.resolve("e2e-models");
        Path runs = target.resolve("e2e-runs");
        deleteRecursively(store);
        deleteRecursively(runs);

        infinispanConf = authenticatedInfinispanConf(secret().get("QUARKUS_INFINISPAN_CLIENT_USERNAME"),
                secret().get("QUARKUS_INFINISPAN_CLIENT_PASSWORD"));
        infinispan = LocalInfinispanServer.onFreePorts(infinispanConf);
        infinispan.start();
        SERVICES.forEach(s -> PORTS.put(s, ServiceProcess.freePort()));
        // A system property outranks the environment in Quarkus: only the host is changed.
        String hotRod = "-Dquarkus.infinispan-client.hosts=" + infinispan.hotRodAddress();
        // generator-svc first: it creates the tiny random checkpoint tiny/v1 that everything else uses.
        start("generator", Map.of(), "-Drlrf.generator.store.root=" + store, "-Drlrf.generator.store.initial-version=tiny/v1",
                "-Drlrf.generator.store.initialize-if-missing=true");
        start("reward", hotRodEnvironment(Map.of()), hotRod, "-Drlrf.reward.model-judge.backend=local",
                "-Drlrf.reward.model-judge.local.checkpoint=" + store.resolve("tiny/v1"));
        start("reflector", hotRodEnvironment(Map.of()), hotRod, "-Dquarkus.grpc.clients.generator.port=" + PORTS.get("generator"));
        start("trainer", Map.of(), "-Drlrf.trainer.storage.model-store=" + store, "-Drlrf.trainer.storage.run-root=" + runs,
                "-Dquarkus.grpc.clients.generator.port=" + PORTS.get("generator"),
                "-Dquarkus.grpc.clients.reward.port=" + PORTS.get("reward"),
                "-Dquarkus.grpc.clients.reflector.port=" + PORTS.get("reflector"));
        startPrometheus();

        ManagedChannel trainer = channel("trainer");
        try {
            TrainerGrpc.TrainerBlockingStub stub = TrainerGrpc.newBlockingStub(trainer).withDeadlineAfter(600, TimeUnit.SECONDS);
            stub.startRun(StartRunRequest.newBuilder().setRunId(RUN_ID).setConfig(tinyRun()).build());
            stub.watchRun(WatchRunRequest.newBuilder().setRunId(RUN_ID).build()).forEachRemaining(e -> { });
            run = stub.getRun(GetRunRequest.newBuilder().setRunId(RUN_ID).build());
        } finally {
            trainer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        // Wait until Prometheus has scraped the end of the run and evaluated every rule at least once.
        awaitQuery("rlrf_trainer_eval_accuracy{run=\"" + RUN_ID + "\"}", r -> r.size() > 0);
        awaitRulesEvaluated();
    }

    /** One RLRF iteration, as small as the loop allows (the trainer e2e test's configuration). */
    private static RunConfig tinyRun() {
        return RunConfig.newBuilder().setMode(Mode.MODE_RLRF).setBaseCheckpoint("tiny/v1").setIterations(1).setSeed(7)
                .setData(DataConfig.newBuilder().setTrainPrompts(3).setEvalPrompts(2).addDifficultyLevels(1))
                .setSampling(SamplingConfig.newBuilder().setN(3).setMaxNewTokens(24))
                .setReflection(ReflectionConfig.newBuilder().setK(1).setM(2).setMaxNewTokens(24))
                .setPairing(PairingConfig.newBuilder().setDelta(0).setTruncated(Truncation.TRUNCATION_UNFINISHED))
                // The whole-answer objective: trained with the localised default at this rate, the random-weight
                // model ends every answer at once, and empty answers are rated without aspects.
                .setDpo(DpoConfig.newBuilder().setBatchSize(2).setLearningRate(1e-3)
                        .setObjective(io.rlrf.api.trainer.v1.Objective.OBJECTIVE_WHOLE_ANSWER))
                // Sampled, not greedy: a random-weight model's greedy answers are empty, which the
                // trainer rates without aspects, and the aspect-rating panel needs ratings.
                .setEval(EvalConfig.newBuilder().setTemperature(0.8f).setMaxNewTokens(24)).build();
    }

    private static void start(String name, Map<String, String> env, String... args) {
        PROCESSES.add(ServiceProcess.start(name, PORTS.get(name), List.of(args), env));
    }

    /** The Secret template's keys (deploy/secrets/infinispan-client-secret.yaml). */
    private static Map<String, String> secret() {
        Map<String, String> out = new HashMap<>();
        DeployFiles.yamlOne("secrets/infinispan-client-secret.yaml").get("stringData").properties()
                .forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /**
     * The Hot Rod environment of reward-svc and reflector-svc on Knative: the Secret's keys and the
     * ConfigMap's QUARKUS_INFINISPAN_CLIENT_* keys, with {@code overrides} applied.
     */
    private static Map<String, String> hotRodEnvironment(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(secret());
        DeployFiles.yamlOne("knative/config.yaml").get("data").properties().forEach(e -> {
            if (e.getKey().startsWith("QUARKUS_INFINISPAN_CLIENT_")) {
                env.put(e.getKey(), e.getValue().asText());
            }
        });
        env.putAll(overrides);
        return env;
    }

    /**
     * The local server's configuration (infinispan/server/conf) with authentication on, as the
     * operator deploys it: Hot Rod and REST behind a properties realm holding one user.
     */
    private static Path authenticatedInfinispanConf(String user, String password) throws IOException {
        Path conf = Files.createTempDirectory("rlrf-infinispan-conf-");
        Path local = DeployFiles.dir().resolve("../infinispan/server/conf").normalize();
        try (Stream<Path> files = Files.list(local)) {
            for (Path f : files.toList()) {
                Files.copy(f, conf.resolve(f.getFileName()));
            }
        }
        String xml = Files.readString(conf.resolve("infinispan.xml"));
        String endpoints = "<endpoints socket-binding=\"default\"/>";
        assertTrue(xml.contains(endpoints), "infinispan.xml changed: update this test's security rewrite");
        xml = xml.replace(endpoints, """
                <security>
                      <security-realms>
                        <security-realm name="default">
                          <properties-realm groups-attribute="Roles">
                            <user-properties path="users.properties" relative-to="infinispan.server.config.path" plain-text="true"/>
                            <group-properties path="groups.properties" relative-to="infinispan.server.config.path"/>
                          </properties-realm>
                        </security-realm>
                      </security-realms>
                    </security>
                    <endpoints>
                      <endpoint socket-binding="default" security-realm="default">
                        <hotrod-connector/>
                        <!-- BASIC too, for this test's java.net.http client (loopback only). -->
                        <rest-connector>
                          <authentication mechanisms="DIGEST BASIC"/>
                        </rest-connector>
                      </endpoint>
                    </endpoints>""");
        Files.writeString(conf.resolve("infinispan.xml"), xml);
        Files.writeString(conf.resolve("users.properties"), user + "=" + password + "\n");
        Files.writeString(conf.resolve("groups.properties"), user + "=application\n");
        return conf;
    }

    private static ManagedChannel channel(String name) {
        return ManagedChannelBuilder.forAddress("127.0.0.1", PORTS.get(name)).usePlaintext().build();
    }

    /**
     * deploy/prometheus/prometheus.yml made runnable here: the same jobs, metrics path and rule file,
     * with each job's DNS discovery replaced by its service's loopback address, and a 1 s interval.
     */
    private static void startPrometheus() throws IOException, InterruptedException {
        JsonNode deployed = DeployFiles.yamlOne("prometheus/prometheus.yml");
        ObjectNode config = DeployFiles.YAML.createObjectNode();
        config.putObject("global").put("scrape_interval", "1s").put("evaluation_interval", "1s");
        config.putArray("rule_files").add(DeployFiles.file("prometheus/rules.yml").toString());
        var jobs = config.putArray("scrape_configs");
        for (JsonNode job : deployed.get("scrape_configs")) {
            String name = job.get("job_name").asText();
            String service = name.substring(0, name.length() - "-svc".length());
            assertTrue(PORTS.containsKey(service), "job " + name + " names no service");
            ObjectNode local = jobs.addObject();
            local.put("job_name", name).put("metrics_path", job.get("metrics_path").asText());
            local.putArray("static_configs").addObject().putArray("targets").add("127.0.0.1:" + PORTS.get(service));
        }
        prometheusDir = Files.createTempDirectory("rlrf-prometheus-");
        Path file = prometheusDir.resolve("prometheus.yml");
        DeployFiles.YAML.writeValue(file.toFile(), config);
        prometheusPort = ServiceProcess.freePort();
        prometheus = new ProcessBuilder("prometheus", "--config.file=" + file,
                "--storage.tsdb.path=" + prometheusDir.resolve("data"), "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true).redirectOutput(Path.of("target/prometheus.log").toFile()).start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(prometheusUrl("/-/ready"))).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            assertTrue(prometheus.isAlive(), "prometheus exited; see target/prometheus.log");
            assertTrue(System.nanoTime() < until, "prometheus was not ready within 60 s; see target/prometheus.log");
            Thread.sleep(250);
        }
    }

    @AfterAll
    static void stopEverything() throws IOException {
        if (prometheus != null) {
            prometheus.destroy();
            try {
                prometheus.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            prometheus.destroyForcibly();
        }
        PROCESSES.forEach(ServiceProcess::stop);
        if (infinispan != null) {
            infinispan.close();
        }
        if (prometheusDir != null) {
            deleteRecursively(prometheusDir);
        }
        if (infinispanConf != null) {
            deleteRecursively(infinispanConf);
        }
    }

    // ---- the checks ------------------------------------------------------------------------------

    @Test
    void theTinyRunSucceeded() {
        assertEquals(RunState.RUN_STATE_SUCCEEDED, run.getState(), run.getError());
        assertEquals(1, run.getIterationsCount());
    }

    @Test
    void prometheusScrapesAllFourServicesWithTheDeployedJobNames() {
        JsonNode up = query("up");
        Map<String, Double> byJob = new LinkedHashMap<>();
        up.forEach(s -> byJob.put(s.at("/metric/job").asText(), s.at("/value/1").asDouble()));
        assertEquals(Map.of("generator-svc", 1.0, "reward-svc", 1.0, "reflector-svc", 1.0, "trainer-svc", 1.0), byJob);
    }

    @Test
    void aPromQlQueryReturnsTheTinyRunsTrainingLoopMetrics() {
        String accuracy = "rlrf_trainer_eval_accuracy{job=\"trainer-svc\", run=\"" + RUN_ID + "\", iteration=\"1\"}";
        JsonNode r = query(accuracy);
        assertEquals(1, r.size(), r.toString());
        double value = r.get(0).at("/value/1").asDouble();
        assertEquals(run.getIterations(0).getEvalAccuracy(), value, 1e-9, "Prometheus has what GetRun reports");
        System.out.printf("PromQL %s -> %s%n", accuracy, r.get(0));

        String trained = "sum(rlrf_trainer_stage_duration_seconds_count{job=\"trainer-svc\", stage=\"STAGE_TRAIN\"})";
        JsonNode t = query(trained);
        assertEquals(1.0, t.get(0).at("/value/1").asDouble(), "one DPO stage finished");
        System.out.printf("PromQL %s -> %s%n", trained, t.get(0));

        JsonNode pairs = query("rlrf_trainer_pairs{run=\"" + RUN_ID + "\"}");
        assertEquals(run.getIterations(0).getPairs(), pairs.get(0).at("/value/1").asDouble(), 1e-9);
        JsonNode active = query("rlrf_trainer_run_active{run=\"" + RUN_ID + "\"}");
        assertEquals(0.0, active.get(0).at("/value/1").asDouble(), "the finished run is no longer active");
    }

    @Test
    void everyMetricTheAlertRulesAndTheDashboardUseExistsInSomeServicesQMetrics() throws Exception {
        Set<String> exposed = new TreeSet<>();
        for (String s : SERVICES) {
            exposed.addAll(metricNames(get("http://127.0.0.1:" + PORTS.get(s) + "/q/metrics", "text/plain")));
        }
        Set<String> used = new TreeSet<>();
        PromQlMetricNames.ruleExpressions(DeployFiles.yamlOne("prometheus/rules.yml")).forEach(e -> used.addAll(PromQlMetricNames.of(e)));
        PromQlMetricNames.dashboardExpressions(DashboardTest.dashboard()).forEach(e -> used.addAll(PromQlMetricNames.of(e)));
        assertTrue(used.size() > 20, used.toString());
        List<String> missing = new ArrayList<>();
        for (String name : used) {
            // "up" is Prometheus's own series about each target, not a service metric.
            if (!name.equals("up") && !exposed.contains(name)) {
                missing.add(name + " (not on any /q/metrics)");
            }
            if (query("count(" + name + ")").size() == 0) {
                missing.add(name + " (not in Prometheus)");
            }
        }
        assertEquals(List.of(), missing, "metrics the rules or the dashboard use but no service exposes");
    }

    @Test
    void everyDashboardQueryIsValidPromQlAndTheTrainingLoopPanelsShowTheRun() throws IOException {
        for (String expr : PromQlMetricNames.dashboardExpressions(DashboardTest.dashboard())) {
            String concrete = expr.replace("$__rate_interval", "1m").replace("$run", ".*");
            JsonNode r = query(concrete); // a parse error fails inside query()
            if (expr.contains("rlrf_trainer_") || expr.contains("rlrf_generator_tokens") || expr.contains("_cache_hits")
                    || expr.contains("grpc_server_processing_duration_seconds_bucket")) {
                assertFalse(r.isEmpty(), "no data for dashboard query " + expr);
            }
        }
    }

    @Test
    void theAlertRulesLoadAndEvaluateWithoutError() {
        JsonNode groups = getJson(prometheusUrl("/api/v1/rules")).at("/data/groups");
        int rules = 0;
        for (JsonNode g : groups) {
            for (JsonNode rule : g.get("rules")) {
                rules++;
                assertEquals("ok", rule.get("health").asText(), rule.get("name").asText() + ": " + rule.path("lastError").asText());
            }
        }
        assertEquals(PromQlMetricNames.ruleExpressions(DeployFiles.yamlOne("prometheus/rules.yml")).size(), rules);
        JsonNode firing = getJson(prometheusUrl("/api/v1/alerts")).at("/data/alerts");
        for (JsonNode a : firing) {
            assertFalse("RlrfTrainerDown".equals(a.at("/labels/alertname").asText()), "the trainer is up: " + a);
            assertFalse("RlrfCacheDown".equals(a.at("/labels/alertname").asText()), "the caches are up: " + a);
        }
    }

    @Test
    void theCacheResourcesTemplatesAreAcceptedByARealInfinispanServer() throws Exception {
        for (String name : List.of("feedback", "reflections")) {
            String template = DeployFiles.yamlOne("infinispan/cache-" + name + ".yaml").at("/spec/template").asText();
            String probe = name + "-template-check";
            String base = "http://127.0.0.1:" + infinispan.port() + "/rest/v2/caches/" + probe;
            HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(URI.create(base)).header("Authorization", basicAuth())
                    .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(template)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, created.statusCode(), "Infinispan refused the " + name + " template: " + created.body());
            JsonNode config = DeployFiles.JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(base + "?action=config"))
                    .header("Authorization", basicAuth()).header("Accept", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            JsonNode cache = config.at("/" + probe + "/distributed-cache");
            assertFalse(cache.isMissingNode(), config.toString());
            // What the server made of the template, not what the file says: a value the parser reads
            // differently (Infinispan 16.0.7 read "maxIdle: -1" as 1 ms) shows here.
            assertEquals("2", cache.get("owners").asText(), config.toString());
            assertEquals("SYNC", cache.get("mode").asText(), config.toString());
            assertEquals("application/x-protostream", cache.at("/encoding/media-type").asText(), config.toString());
            assertEquals("604800000", cache.at("/expiration/lifespan").asText(), "7 days: " + config);
            assertTrue(cache.at("/expiration/max-idle").isMissingNode() || cache.at("/expiration/max-idle").asLong() < 0,
                    "no idle expiry: " + config);
            assertEquals("1000000", cache.at("/memory/max-count").asText(), config.toString());
            assertFalse(cache.at("/persistence/file-store").isMissingNode(), "entries kept on disk: " + config);
            HTTP.send(HttpRequest.newBuilder(URI.create(base)).header("Authorization", basicAuth()).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding());
        }
    }

    @Test
    void theCachingServicesLogInToInfinispanWithTheSecretsCredentials() {
        for (String service : List.of("reward", "reflector")) {
            JsonNode up = query("rlrf_" + service + "_cache_up");
            assertEquals(1.0, up.get(0).at("/value/1").asDouble(), service + "-svc reaches its cache");
            JsonNode lookups = query("sum(rlrf_" + service + "_cache_hits_total) + sum(rlrf_" + service + "_cache_misses_total)");
            assertTrue(lookups.get(0).at("/value/1").asDouble() > 0, service + "-svc looked items up during the run");
            assertEquals(0, query("rlrf_" + service + "_cache_errors_total > 0").size(), service + "-svc had cache errors");
        }
    }

    @Test
    void aWrongPasswordIsRefusedSoAuthenticationIsReallyOn() throws Exception {
        int port = ServiceProcess.freePort();
        Process wrong = ServiceProcess.start("reward", port, List.of("-Dquarkus.infinispan-client.hosts=" + infinispan.hotRodAddress()),
                hotRodEnvironment(Map.of("QUARKUS_INFINISPAN_CLIENT_PASSWORD", "not-the-password")));
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            EvaluateResponse r = RewardGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                    .evaluate(EvaluateRequest.newBuilder().setTask("arith").addItems(EvaluationItem.newBuilder().setId("q-1")
                            .setPrompt("Ann has 2 apples and buys 3 more. How many apples does she have?")
                            .setAnswer("2 + 3 = <<2+3=5>>5\n#### 5").setReference("2 + 3 = <<2+3=5>>5\n#### 5")).build());
            assertFalse(r.getFeedback(0).getCached(), "answered, uncached");
            String metrics = get("http://127.0.0.1:" + port + "/q/metrics", "text/plain");
            assertTrue(metrics.contains("rlrf_reward_cache_up 0.0"), "the server refused the login:\n" + metrics);
            assertTrue(metrics.contains("rlrf_reward_cache_errors_total{"), metrics);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            ServiceProcess.stop(wrong);
        }
    }

    private static String basicAuth() {
        Map<String, String> s = secret();
        return "Basic " + Base64.getEncoder().encodeToString((s.get("QUARKUS_INFINISPAN_CLIENT_USERNAME") + ":"
                + s.get("QUARKUS_INFINISPAN_CLIENT_PASSWORD")).getBytes(StandardCharsets.UTF_8));
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static String prometheusUrl(String path) {
        return "http://127.0.0.1:" + prometheusPort + path;
    }

    /** The result vector of an instant query; fails on any error, a PromQL parse error included. */
    static JsonNode query(String promql) {
        JsonNode body = getJson(prometheusUrl("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
        assertEquals("success", body.path("status").asText(), promql + " -> " + body);
        return body.at("/data/result");
    }

    private static void awaitQuery(String promql, Predicate<JsonNode> done) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!done.test(query(promql))) {
            assertTrue(System.nanoTime() < until, "Prometheus never answered " + promql + " as expected");
            Thread.sleep(500);
        }
    }

    private static void awaitRulesEvaluated() throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (getJson(prometheusUrl("/api/v1/rules")).toString().contains("\"health\":\"unknown\"")) {
            assertTrue(System.nanoTime() < until, "the rules were never evaluated");
            Thread.sleep(500);
        }
    }

    private static JsonNode getJson(String url) {
        try {
            return DeployFiles.JSON.readTree(get(url, "application/json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String get(String url, String accept) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", accept)
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + url, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sample names in a Prometheus text exposition ({@code name{labels} value} or {@code name value}). */
    static Set<String> metricNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
