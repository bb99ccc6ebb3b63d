package io.rlrf.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Every manifest in deploy/ validates against the schema of its kind, with no cluster: the
 * Kubernetes OpenAPI schemas (npm kubernetes-models), Knative Serving's CRD schemas
 * (@kubernetes-models/knative), the Prometheus Operator's (@kubernetes-models/prometheus-operator),
 * and, for the Infinispan Operator's resources, deploy/validate/schemas/infinispan.org.json. The
 * same check rejects deliberately broken manifests, so a pass means something.
 */
class ManifestSchemaTest {

    /** What the kustomizations and the Secret templates hold: a manifest missing here would go unvalidated. */
    private static final Set<String> EXPECTED = Set.of(
            "Namespace/rlrf", "ConfigMap/rlrf-config", "Secret/rlrf-infinispan-client",
            "PersistentVolumeClaim/rlrf-models", "PersistentVolumeClaim/rlrf-runs",
            "Service/generator-svc", "Service/reflector-svc", "Service/reward-svc", "Service/trainer-svc",
            "Secret/rlrf-infinispan-identities", "Infinispan/rlrf-infinispan", "Cache/rlrf-feedback",
            "Cache/rlrf-reflections", "Service/generator-svc-metrics", "Service/reflector-svc-metrics",
            "Service/reward-svc-metrics", "Service/trainer-svc-metrics", "ServiceMonitor/rlrf", "PrometheusRule/rlrf");

    /** Every deployable thing: the kustomizations, and the Secret templates, which are in none on purpose. */
    private static final String[] ALL = {"../knative", "../overlays/gpu", "../infinispan", "../prometheus",
        "../secrets/infinispan-client-secret.yaml", "../secrets/infinispan-identities-secret.yaml"};

    static Path validatorDir() {
        return DeployFiles.dir().resolve("validate");
    }

    /** npm ci when node_modules is missing or older than package-lock.json (the lock pins every package). */
    @BeforeAll
    static void installValidator() throws IOException {
        Path lock = validatorDir().resolve("package-lock.json");
        Path installed = validatorDir().resolve("node_modules/.package-lock.json");
        if (Files.exists(installed) && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
            return;
        }
        DeployFiles.Result r = DeployFiles.run(validatorDir(), 600, "npm", "ci", "--no-audit", "--no-fund");
        assertEquals(0, r.exitCode(), "npm ci in deploy/validate failed:\n" + r.output());
    }

    /** Runs validate.mjs on {@code paths} (relative to deploy/validate) and returns its report. */
    static JsonNode validate(int expectedExit, String... paths) {
        List<String> cmd = new ArrayList<>(List.of("node", "validate.mjs"));
        cmd.addAll(List.of(paths));
        DeployFiles.Result r = DeployFiles.run(validatorDir(), 120, cmd.toArray(String[]::new));
        assertEquals(expectedExit, r.exitCode(), "validate.mjs exit code; output:\n" + r.output());
        try {
            return DeployFiles.JSON.readTree(r.output());
        } catch (IOException e) {
            throw new UncheckedIOException("validate.mjs printed no JSON report:\n" + r.output(), e);
        }
    }

    private static List<String> errorsOf(JsonNode report, String kind, String name) {
        for (JsonNode o : report.get("objects")) {
            if (kind.equals(o.path("kind").asText()) && name.equals(o.path("name").asText())) {
                List<String> errors = new ArrayList<>();
                o.get("errors").forEach(e -> errors.add(e.asText()));
                return errors;
            }
        }
        throw new AssertionError(kind + "/" + name + " is not in the report: " + report);
    }

    @Test
    void everyManifestValidatesAgainstTheKubernetesKnativePrometheusOperatorAndInfinispanSchemas() {
        JsonNode report = validate(0, ALL);
        assertTrue(report.get("ok").asBoolean());
        Set<String> seen = new TreeSet<>();
        for (JsonNode o : report.get("objects")) {
            assertEquals(0, o.get("errors").size(), o.toString());
            seen.add(o.get("kind").asText() + "/" + o.get("name").asText());
        }
        assertEquals(new TreeSet<>(EXPECTED), seen, "the objects the kustomizations render");
    }

    @Test
    void everyManifestFileIsValidatedSoNoneEscapesTheCheck() throws IOException {
        JsonNode report = validate(0, ALL);
        Set<Path> validated = new TreeSet<>();
        for (JsonNode o : report.get("objects")) {
            for (String source : o.get("source").asText().split(" \\+ ")) {
                validated.add(validatorDir().resolve(source).normalize());
            }
        }
        List<Path> manifests = new ArrayList<>();
        for (String folder : List.of("knative", "overlays", "infinispan", "prometheus", "secrets")) {
            try (Stream<Path> files = Files.walk(DeployFiles.dir().resolve(folder))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                    JsonNode first = DeployFiles.yaml(DeployFiles.dir().relativize(f).toString()).get(0);
                    if (first.has("apiVersion") && first.has("kind") && !"Kustomization".equals(first.get("kind").asText())) {
                        manifests.add(f.normalize());
                    }
                }
            }
        }
        assertFalse(manifests.isEmpty());
        for (Path m : manifests) {
            assertTrue(validated.contains(m), m + " is not validated: add it to a kustomization (or to ALL)");
        }
    }

    @Test
    void aBrokenKnativeServiceIsRejected() {
        JsonNode report = validate(1, "fixtures/broken-knative-service.yaml");
        List<String> errors = errorsOf(report, "Service", "broken-svc");
        assertTrue(errors.contains("data/spec/template/spec/containers/0/ports/0/containerPort must be integer"), errors.toString());
        assertTrue(errors.contains("data/spec/template/spec/containerConcurrency must be integer"), errors.toString());
    }

    @Test
    void aBrokenInfinispanClusterIsRejectedIncludingAMisspeltField() {
        JsonNode report = validate(1, "fixtures/broken-infinispan.yaml");
        List<String> errors = errorsOf(report, "Infinispan", "broken-infinispan");
        assertTrue(errors.contains("data/spec/replicas must be integer"), errors.toString());
        assertTrue(errors.contains("data/spec must NOT have additional properties (securty)"), errors.toString());
    }

    @Test
    void aKindWithoutASchemaIsRejectedRatherThanPassedUnchecked() {
        JsonNode report = validate(1, "fixtures/unknown-kind.yaml");
        assertEquals(List.of("no schema for apiVersion \"example.com/v1\" kind \"Widget\""), errorsOf(report, "Widget", "widget"));
    }

    @Test
    void oneBrokenManifestFailsTheWholeCheck() {
        JsonNode report = validate(1, "../knative", "fixtures/broken-knative-service.yaml");
        assertFalse(report.get("ok").asBoolean());
        assertTrue(errorsOf(report, "Service", "generator-svc").isEmpty());
    }

    @Test
    void theGpuOverlayGivesTheTrainerOneGpuTheCudaImageAndTheCudaDeviceAndChangesNothingElse() {
        JsonNode gpu = validate(0, "../overlays/gpu");
        JsonNode cpu = validate(0, "../knative");
        for (int i = 0; i < cpu.get("objects").size(); i++) {
            JsonNode before = cpu.get("objects").get(i).get("object");
            JsonNode after = gpu.get("objects").get(i).get("object");
            if (!"trainer-svc".equals(before.at("/metadata/name").asText())) {
                assertEquals(before, after, "the overlay changed " + before.at("/metadata/name").asText());
            }
        }
        JsonNode trainer = null;
        for (JsonNode o : gpu.get("objects")) {
            if ("trainer-svc".equals(o.at("/object/metadata/name").asText())) {
                trainer = o.get("object");
            }
        }
        assertTrue(trainer != null, "the overlay renders trainer-svc");
        JsonNode container = trainer.at("/spec/template/spec/containers/0");
        assertEquals("1", container.at("/resources/limits/nvidia.com~1gpu").asText());
        String image = container.get("image").asText();
        assertTrue(image.endsWith("-cuda"));
        assertEquals("RLRF_TRAINER_DEVICE", container.at("/env/0/name").asText());
        assertEquals("cuda", container.at("/env/0/value").asText(), "the trainer computes on the GPU it is given");
        // the image is the one deploy/docker/Dockerfile.cuda says it builds, from the -Pcuda build
        String dockerfile;
        try {
            dockerfile = java.nio.file.Files.readString(DeployFiles.file("docker/Dockerfile.cuda"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertTrue(dockerfile.contains("-t " + image + " ."), "Dockerfile.cuda builds " + image);
        assertTrue(dockerfile.contains("./mvnw -B -Pcuda -DskipTests package -pl trainer-svc -am"),
                "Dockerfile.cuda packages the -Pcuda build");
        assertEquals("nvidia.com/gpu", trainer.at("/spec/template/spec/tolerations/0/key").asText());
        JsonNode cpuTrainer = DeployFiles.yamlOne("knative/trainer-svc.yaml");
        assertTrue(cpuTrainer.at("/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu").isMissingNode(),
                "the base trainer asks for no GPU");
    }
}
