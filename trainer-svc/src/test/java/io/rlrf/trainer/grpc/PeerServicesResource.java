package io.rlrf.trainer.grpc;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.rlrf.common.testing.LocalInfinispanServer;

/**
 * Starts everything trainer-svc talks to, for real: an Infinispan Server and the packaged
 * generator-svc, reward-svc and reflector-svc, each in its own JVM on a free loopback port.
 * generator-svc serves {@code tiny/v1} (a random-weight checkpoint it creates) from the model store
 * {@code target/e2e-models}, which this trainer shares. Logs: {@code target/<service>.log}.
 */
public class PeerServicesResource implements QuarkusTestResourceLifecycleManager {

    static final String STORE = "target/e2e-models";

    private LocalInfinispanServer infinispan;
    private final List<Process> processes = new ArrayList<>();

    /** Where the runs of these tests live; emptied at start so a rerun never meets the last run's files. */
    static final String RUN_ROOT = "target/e2e-runs";

    @Override
    public Map<String, String> start() {
        deleteRecursively(Path.of(RUN_ROOT));
        deleteRecursively(Path.of(STORE, "runs"));
        infinispan = LocalInfinispanServer.onFreePorts();
        infinispan.start();
        String hotRod = infinispan.hotRodAddress();
        int gen = freePort();
        int rew = freePort();
        int ref = freePort();
        start("generator", gen, List.of("-Drlrf.generator.store.root=" + Path.of(STORE).toAbsolutePath(),
                "-Drlrf.generator.store.initial-version=tiny/v1", "-Drlrf.generator.store.initialize-if-missing=true"));
        start("reward", rew, List.of("-Dquarkus.infinispan-client.hosts=" + hotRod));
        start("reflector", ref, List.of("-Dquarkus.infinispan-client.hosts=" + hotRod,
                "-Dquarkus.grpc.clients.generator.port=" + gen));
        Map<String, String> out = new HashMap<>();
        for (var e : Map.of("generator", gen, "reward", rew, "reflector", ref).entrySet()) {
            out.put("quarkus.grpc.clients." + e.getKey() + ".test-port", e.getValue().toString());
            out.put("quarkus.grpc.clients." + e.getKey() + ".port", e.getValue().toString());
        }
        out.put("rlrf.trainer.storage.model-store", STORE);
        out.put("rlrf.trainer.storage.run-root", RUN_ROOT);
        return out;
    }

    private void start(String name, int port, List<String> args) {
        Path jar = Path.of(System.getProperty("rlrf." + name + ".app", "../" + name + "-svc/target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first (./mvnw install -DskipTests -pl " + name + "-svc -am)");
        }
        Path log = Path.of("target/" + name + "-svc.log").toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Dquarkus.http.port=" + port));
        cmd.addAll(args);
        cmd.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            processes.add(p);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!ready(port)) {
                if (!p.isAlive() || System.nanoTime() > until) {
                    throw new IllegalStateException(name + "-svc did not become ready; see " + log);
                }
                Thread.sleep(250);
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not start " + name + "-svc: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
        for (Process p : processes) {
            p.destroy();
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        if (infinispan != null) {
            infinispan.close();
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!java.nio.file.Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                java.nio.file.Files.deleteIfExists(p);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot empty " + dir, e);
        }
    }
}
