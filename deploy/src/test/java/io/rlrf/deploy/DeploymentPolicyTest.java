package io.rlrf.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the schemas cannot say: each Knative Service fits its role (gRPC over h2c on the one port
 * the probes and /q/metrics use, resources requested, concurrency autoscaling and scale to zero for
 * the stateless services, exactly one trainer), storage sits on the persistent volumes, and the
 * Infinispan wiring agrees end to end (the Secret the services read, the users the cluster accepts,
 * the caches it creates).
 */
class DeploymentPolicyTest {

    private static JsonNode service(String name) {
        return DeployFiles.yamlOne("knative/" + name + ".yaml");
    }

    private static JsonNode container(String name) {
        return service(name).at("/spec/template/spec/containers/0");
    }

    private static String annotation(String name, String key) {
        return service(name).at("/spec/template/metadata/annotations").path(key).asText(null);
    }

    private static Map<String, String> config() {
        Map<String, String> out = new HashMap<>();
        DeployFiles.yamlOne("knative/config.yaml").get("data").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static Map<String, String> clientSecret() {
        Map<String, String> out = new HashMap<>();
        DeployFiles.yamlOne("secrets/infinispan-client-secret.yaml").get("stringData").fields()
                .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static boolean envFrom(String name, String kind, String ref) {
        for (JsonNode from : container(name).path("envFrom")) {
            if (ref.equals(from.at("/" + kind + "/name").asText())) {
                return true;
            }
        }
        return false;
    }

    @ParameterizedTest
    @ValueSource(strings = {"generator-svc", "reflector-svc", "reward-svc", "trainer-svc"})
    void servesGrpcOverH2cOnTheOnePortItsProbesAndMetricsUse(String name) {
        JsonNode c = container(name);
        assertEquals(1, c.get("ports").size(), "Knative routes to one container port");
        assertEquals("h2c", c.at("/ports/0/name").asText(), "the port name that makes Knative speak HTTP/2 cleartext (gRPC)");
        int port = c.at("/ports/0/containerPort").asInt();
        assertEquals(String.valueOf(port), config().get("QUARKUS_HTTP_PORT"), "Quarkus listens where Knative routes");
        assertEquals("0.0.0.0", config().get("QUARKUS_HTTP_HOST"));
        assertEquals("/q/health/ready", c.at("/readinessProbe/httpGet/path").asText());
        assertEquals("/q/health/live", c.at("/livenessProbe/httpGet/path").asText());
        assertEquals(port, c.at("/readinessProbe/httpGet/port").asInt());
        assertEquals(port, c.at("/livenessProbe/httpGet/port").asInt());
        assertTrue(envFrom(name, "configMapRef", "rlrf-config"), "reads the shared settings");
        assertEquals(name, c.get("name").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"generator-svc", "reflector-svc", "reward-svc", "trainer-svc"})
    void requestsCpuAndMemoryAndLimitsMemory(String name) {
        JsonNode r = container(name).get("resources");
        assertFalse(r.at("/requests/cpu").asText().isEmpty(), "cpu request");
        assertFalse(r.at("/requests/memory").asText().isEmpty(), "memory request");
        assertFalse(r.at("/limits/memory").asText().isEmpty(), "memory limit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"generator-svc", "reflector-svc", "reward-svc"})
    void statelessServicesScaleOnConcurrencyAndMayScaleToZero(String name) {
        assertEquals("kpa.autoscaling.knative.dev", annotation(name, "autoscaling.knative.dev/class"));
        assertEquals("concurrency", annotation(name, "autoscaling.knative.dev/metric"));
        assertTrue(Integer.parseInt(annotation(name, "autoscaling.knative.dev/target")) > 0);
        assertEquals("0", annotation(name, "autoscaling.knative.dev/min-scale"));
        assertTrue(Integer.parseInt(annotation(name, "autoscaling.knative.dev/max-scale")) >= 1);
    }

    @Test
    void theTrainerKeepsExactlyOneInstanceAndAsksForNoGpuInTheBase() {
        assertEquals("1", annotation("trainer-svc", "autoscaling.knative.dev/min-scale"));
        assertEquals("1", annotation("trainer-svc", "autoscaling.knative.dev/max-scale"));
        assertEquals("1", annotation("trainer-svc", "autoscaling.knative.dev/initial-scale"));
        assertTrue(container("trainer-svc").at("/resources/limits/nvidia.com~1gpu").isMissingNode());
    }

    @Test
    void theModelStoreAndRunDirectoriesLiveOnReadWriteManyVolumes() {
        Map<String, String> claims = new HashMap<>();
        for (JsonNode pvc : DeployFiles.yaml("knative/storage.yaml")) {
            assertEquals("ReadWriteMany", pvc.at("/spec/accessModes/0").asText(), "mounted by several pods at once");
            claims.put(pvc.at("/metadata/name").asText(), pvc.at("/spec/resources/requests/storage").asText());
        }
        Map<String, String> cfg = config();
        assertEquals(cfg.get("RLRF_TRAINER_STORAGE_MODEL_STORE"), cfg.get("RLRF_GENERATOR_STORE_ROOT"),
                "generator-svc loads the checkpoints trainer-svc writes");
        assertEquals(cfg.get("RLRF_TRAINER_STORAGE_MODEL_STORE"), mountOf("trainer-svc", "rlrf-models"));
        assertEquals(cfg.get("RLRF_TRAINER_STORAGE_RUN_ROOT"), mountOf("trainer-svc", "rlrf-runs"));
        assertEquals(cfg.get("RLRF_GENERATOR_STORE_ROOT"), mountOf("generator-svc", "rlrf-models"));
        assertTrue(claims.keySet().containsAll(List.of("rlrf-models", "rlrf-runs")), claims.toString());
    }

    /** Where {@code service} mounts the volume backed by {@code claim}. */
    private static String mountOf(String service, String claim) {
        JsonNode spec = service(service).at("/spec/template/spec");
        for (JsonNode v : spec.path("volumes")) {
            if (claim.equals(v.at("/persistentVolumeClaim/claimName").asText())) {
                for (JsonNode m : spec.at("/containers/0/volumeMounts")) {
                    if (v.get("name").asText().equals(m.get("name").asText())) {
                        return m.get("mountPath").asText();
                    }
                }
            }
        }
        throw new AssertionError(service + " does not mount " + claim);
    }

    @Test
    void thePeersAreCalledThroughTheirKnativeRoutes() {
        Map<String, String> cfg = config();
        for (String peer : List.of("generator", "reward", "reflector")) {
            String host = cfg.get("QUARKUS_GRPC_CLIENTS_" + peer.toUpperCase() + "_HOST");
            assertEquals(peer + "-svc.rlrf.svc.cluster.local", host);
            assertEquals("80", cfg.get("QUARKUS_GRPC_CLIENTS_" + peer.toUpperCase() + "_PORT"));
            assertEquals(peer + "-svc", service(peer + "-svc").at("/metadata/name").asText());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reflector-svc", "reward-svc"})
    void cachingServicesReadTheInfinispanConnectionFromTheSecretWithAuthenticationOn(String name) {
        assertTrue(envFrom(name, "secretRef", "rlrf-infinispan-client"));
        Map<String, String> secret = clientSecret();
        assertEquals("true", secret.get("QUARKUS_INFINISPAN_CLIENT_USE_AUTH"));
        for (String key : secret.keySet()) {
            assertTrue(key.startsWith("QUARKUS_INFINISPAN_CLIENT_"), key + " is not a Hot Rod client setting");
        }
        String cluster = DeployFiles.yamlOne("infinispan/infinispan.yaml").at("/metadata/name").asText();
        assertEquals(cluster + ".rlrf.svc.cluster.local:11222", secret.get("QUARKUS_INFINISPAN_CLIENT_HOSTS"),
                "the Service the operator creates for the cluster");
    }

    @Test
    void theClientCredentialsAreAUserTheClusterAcceptsWithReadWriteAccess() throws IOException {
        JsonNode cluster = DeployFiles.yamlOne("infinispan/infinispan.yaml");
        JsonNode identitiesSecret = DeployFiles.yamlOne("secrets/infinispan-identities-secret.yaml");
        JsonNode security = cluster.at("/spec/security");
        assertTrue(security.get("endpointAuthentication").asBoolean(), "authentication on");
        assertTrue(security.at("/authorization/enabled").asBoolean(), "role-based authorization on");
        assertEquals(identitiesSecret.at("/metadata/name").asText(), security.get("endpointSecretName").asText());
        JsonNode identities = DeployFiles.YAML.readTree(identitiesSecret.at("/stringData/identities.yaml").asText());
        Map<String, String> secret = clientSecret();
        JsonNode user = null;
        for (JsonNode c : identities.get("credentials")) {
            if (c.get("username").asText().equals(secret.get("QUARKUS_INFINISPAN_CLIENT_USERNAME"))) {
                user = c;
            }
        }
        assertTrue(user != null, "the services' user is in identities.yaml");
        assertEquals(secret.get("QUARKUS_INFINISPAN_CLIENT_PASSWORD"), user.get("password").asText(),
                "the two templates carry the same password");
        assertEquals("application", user.at("/roles/0").asText(), "read and write, no administration");
        assertTrue(cluster.at("/spec/replicas").asInt() >= 3, "two owners survive the loss of one node");
    }

    @Test
    void theCachesAreDistributedWithTwoOwnersLikeTheLocalServersOnes() throws IOException {
        String cluster = DeployFiles.yamlOne("infinispan/infinispan.yaml").at("/metadata/name").asText();
        String localXml = Files.readString(DeployFiles.dir().resolve("../infinispan/server/conf/infinispan.xml"));
        for (String name : List.of("feedback", "reflections")) {
            JsonNode cache = DeployFiles.yamlOne("infinispan/cache-" + name + ".yaml");
            assertEquals(cluster, cache.at("/spec/clusterName").asText());
            assertEquals(name, cache.at("/spec/name").asText());
            JsonNode template = DeployFiles.YAML.readTree(cache.at("/spec/template").asText()).get("distributedCache");
            assertEquals(2, template.get("owners").asInt());
            assertEquals("SYNC", template.get("mode").asText());
            assertEquals("application/x-protostream", template.at("/encoding/mediaType").asText());
            assertTrue(localXml.contains("<distributed-cache name=\"" + name + "\" owners=\"2\""),
                    "the local server defines " + name + " the same way");
        }
    }

    @Test
    void theCachesKeepTheirEntriesOnDiskLikeTheLocalServersOnes() throws IOException {
        JsonNode cluster = DeployFiles.yamlOne("infinispan/infinispan.yaml");
        JsonNode container = cluster.at("/spec/service/container");
        assertFalse(container.path("ephemeralStorage").asBoolean(false), "a persistent volume per pod");
        assertTrue(container.hasNonNull("storage"), "the volume's size is set");
        String localXml = Files.readString(DeployFiles.dir().resolve("../infinispan/server/conf/infinispan.xml"));
        for (String name : List.of("feedback", "reflections")) {
            JsonNode template = DeployFiles.YAML.readTree(DeployFiles.yamlOne("infinispan/cache-" + name + ".yaml")
                    .at("/spec/template").asText()).get("distributedCache");
            JsonNode store = template.at("/persistence/fileStore");
            assertFalse(store.isMissingNode(), name + " has a file store");
            assertFalse(store.path("shared").asBoolean(true), name + ": one store per pod");
            assertFalse(store.path("purge").asBoolean(true), name + ": a restart keeps the entries");
            String local = localXml.substring(localXml.indexOf("<distributed-cache name=\"" + name + "\""));
            local = local.substring(0, local.indexOf("</distributed-cache>"));
            assertTrue(local.contains("<file-store shared=\"false\" preload=\"false\" purge=\"false\"/>"),
                    "the local server keeps " + name + " on disk the same way");
        }
    }
}
