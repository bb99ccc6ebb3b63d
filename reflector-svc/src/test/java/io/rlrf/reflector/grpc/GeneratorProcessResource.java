package io.rlrf.reflector.grpc;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.rlrf.common.testing.ServiceProcess;

/**
 * Starts the real, packaged generator-svc ({@code generator-svc/target/quarkus-app/quarkus-run.jar},
 * path in the system property {@code rlrf.generator.app}) as a separate JVM on a free loopback port,
 * serving a tiny random-weight checkpoint it creates under {@code target/generator-models}, waits
 * until its readiness is UP, and points the reflector's gRPC client at it. Its log goes to
 * {@code target/generator-svc.log}.
 */
public class GeneratorProcessResource implements QuarkusTestResourceLifecycleManager {

    private Process process;

    @Override
    public Map<String, String> start() {
        int port = ServiceProcess.freePort();
        process = ServiceProcess.start("generator", port, List.of(
                "-Drlrf.generator.store.root=" + Path.of("target/generator-models").toAbsolutePath(),
                "-Drlrf.generator.store.initial-version=tiny/v1",
                "-Drlrf.generator.store.initialize-if-missing=true"));
        // In the test profile Quarkus dials a gRPC client's test-port rather than its port.
        return Map.of("quarkus.grpc.clients.generator.test-port", Integer.toString(port),
                "quarkus.grpc.clients.generator.port", Integer.toString(port));
    }

    @Override
    public void stop() {
        ServiceProcess.stop(process);
    }
}
