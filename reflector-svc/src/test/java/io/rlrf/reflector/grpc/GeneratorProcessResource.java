package io.rlrf.reflector.grpc;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

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
        Path jar = Path.of(System.getProperty("rlrf.generator.app", "../generator-svc/target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build generator-svc first (./mvnw install -pl generator-svc -am)");
        }
        int port = freePort();
        Path log = Path.of("target/generator-svc.log").toAbsolutePath();
        try {
            process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dai.djl.offline=true", "-Dquarkus.http.port=" + port,
                    "-Drlrf.generator.store.root=" + Path.of("target/generator-models").toAbsolutePath(),
                    "-Drlrf.generator.store.initial-version=tiny/v1",
                    "-Drlrf.generator.store.initialize-if-missing=true",
                    "-jar", jar.toAbsolutePath().toString()))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!ready(port)) {
                if (!process.isAlive() || System.nanoTime() > until) {
                    throw new IllegalStateException("generator-svc did not become ready; see " + log);
                }
                Thread.sleep(250);
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not start generator-svc: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting generator-svc", e);
        }
        // In the test profile Quarkus dials a gRPC client's test-port rather than its port.
        return Map.of("quarkus.grpc.clients.generator.test-port", Integer.toString(port),
                "quarkus.grpc.clients.generator.port", Integer.toString(port));
    }

    private static boolean ready(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/q/health/ready").toURL()
                    .openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            return c.getResponseCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
