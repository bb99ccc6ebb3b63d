package io.rlrf.trainer.grpc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.rlrf.common.testing.LocalInfinispanServer;
import io.rlrf.common.testing.ServiceProcess;

/**
 * Starts everything trainer-svc talks to, for real: an Infinispan Server and the packaged
 * generator-svc, reward-svc and reflector-svc, each in its own JVM on a free loopback port.
 * generator-svc serves {@code tiny/v1} (a random-weight checkpoint it creates) from the model store
 * {@code target/e2e-models}, which this trainer shares. Logs: {@code target/<service>.log}.
 * generator-svc guards LoadCheckpoint with an access token, as a deployment would, and the trainer
 * is given it ({@code rlrf.trainer.generator.access-token}): every run's PUBLISH stage proves the
 * trainer sends it.
 */
public class PeerServicesResource implements QuarkusTestResourceLifecycleManager {

    static final String STORE = "target/e2e-models";
    /** generator-svc's access token in these tests. */
    static final String GENERATOR_TOKEN = "e2e-generator-token";

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
        int gen = ServiceProcess.freePort();
        int rew = ServiceProcess.freePort();
        int ref = ServiceProcess.freePort();
        start("generator", gen, List.of("-Drlrf.generator.store.root=" + Path.of(STORE).toAbsolutePath(),
                "-Drlrf.generator.store.initial-version=tiny/v1", "-Drlrf.generator.store.initialize-if-missing=true",
                "-Drlrf.generator.access-token=" + GENERATOR_TOKEN));
        List<String> rewardArgs = new ArrayList<>(List.of("-Dquarkus.infinispan-client.hosts=" + hotRod));
        rewardArgs.addAll(rewardArgs());
        start("reward", rew, rewardArgs);
        start("reflector", ref, List.of("-Dquarkus.infinispan-client.hosts=" + hotRod,
                "-Dquarkus.grpc.clients.generator.port=" + gen));
        Map<String, String> out = new HashMap<>();
        for (var e : Map.of("generator", gen, "reward", rew, "reflector", ref).entrySet()) {
            out.put("quarkus.grpc.clients." + e.getKey() + ".test-port", e.getValue().toString());
            out.put("quarkus.grpc.clients." + e.getKey() + ".port", e.getValue().toString());
        }
        out.put("rlrf.trainer.generator.access-token", GENERATOR_TOKEN);
        out.put("rlrf.trainer.storage.model-store", STORE);
        out.put("rlrf.trainer.storage.run-root", RUN_ROOT);
        return out;
    }

    /** More JVM arguments of reward-svc (a subclass configures its model judge). */
    protected List<String> rewardArgs() {
        return List.of();
    }

    private void start(String name, int port, List<String> args) {
        processes.add(ServiceProcess.start(name, port, args));
    }

    @Override
    public void stop() {
        processes.forEach(ServiceProcess::stop);
        if (infinispan != null) {
            infinispan.close();
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot empty " + dir, e);
        }
    }
}
