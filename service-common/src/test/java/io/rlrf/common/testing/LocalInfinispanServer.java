package io.rlrf.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Infinispan Server in a child process, for tests: the jars the {@code infinispan} module
 * copies to {@code infinispan/target/server/lib}, the configuration in
 * {@code infinispan/server/conf} (or another folder), a fresh server root in a temporary folder, and free loopback
 * ports for Hot Rod/REST and JGroups. Same command line as {@code bin/infinispan}:
 * {@code java -cp 'lib/*' org.infinispan.server.Bootstrap -s ROOT -b 127.0.0.1 -p PORT}.
 */
public final class LocalInfinispanServer implements AutoCloseable {

    /** System property naming the repository's {@code infinispan} folder (set by the services' surefire config). */
    public static final String HOME_PROPERTY = "rlrf.infinispan.home";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Path home;
    private final Path conf;
    private final int port;
    private final int jgroupsPort;
    private final Path root;
    private Process process;

    private LocalInfinispanServer(Path home, Path conf, int port, int jgroupsPort, Path root) {
        this.home = home;
        this.conf = conf;
        this.port = port;
        this.jgroupsPort = jgroupsPort;
        this.root = root;
    }

    /** A server on free ports, not yet started. */
    public static LocalInfinispanServer onFreePorts() {
        return onFreePorts(locateHome().resolve("server").resolve("conf"));
    }

    /**
     * A server on free ports with the configuration files in {@code conf} (for example a copy of
     * {@code infinispan/server/conf} with a security realm), not yet started.
     */
    public static LocalInfinispanServer onFreePorts(Path conf) {
        Path home = locateHome();
        try {
            Path root = Files.createTempDirectory("rlrf-infinispan-");
            return new LocalInfinispanServer(home, conf, freePort(), freePort(), root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Hot Rod, REST and metrics port. */
    public int port() {
        return port;
    }

    /** {@code host:port} for {@code quarkus.infinispan-client.hosts}. */
    public String hotRodAddress() {
        return "127.0.0.1:" + port;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the server and waits until its health API says HEALTHY. */
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        Path lib = home.resolve("target").resolve("server").resolve("lib");
        try (Stream<Path> jars = Files.list(lib)) {
            if (jars.noneMatch(p -> p.getFileName().toString().startsWith("infinispan-server-runtime"))) {
                throw new IllegalStateException("no Infinispan Server jars in " + lib);
            }
        } catch (IOException e) {
            throw new IllegalStateException("no Infinispan Server jars in " + lib
                    + "; build the infinispan module first: ./mvnw -B -pl infinispan generate-resources", e);
        }
        try {
            Files.createDirectories(root.resolve("lib"));
            Files.createDirectories(root.resolve("conf"));
            try (Stream<Path> files = Files.list(conf)) {
                for (Path file : files.toList()) {
                    Files.copy(file, root.resolve("conf").resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new ArrayList<>(List.of(java, "-Xms64m", "-Xmx512m",
                    "-Djgroups.bind.address=127.0.0.1", "-Djgroups.bind.port=" + jgroupsPort,
                    "-Djgroups.tcpping.initial_hosts=127.0.0.1[" + jgroupsPort + "]",
                    "-Dinfinispan.cluster.name=rlrf-test-" + port, "-Dinfinispan.node.name=rlrf-test-" + port,
                    "-cp", lib + "/*", "org.infinispan.server.Bootstrap",
                    "-s", root.toString(), "-b", "127.0.0.1", "-p", Integer.toString(port)));
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(root.resolve("server.out").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Infinispan Server", e);
        }
        waitUntilHealthy();
    }

    /** Stops the server (SIGTERM, then forcibly after 30 s) and waits for the process to end. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temporary folder left behind is harmless.
        }
    }

    private void waitUntilHealthy() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build();
        URI health = URI.create("http://127.0.0.1:" + port + "/rest/v2/container/health/status");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Infinispan Server exited during start-up; see " + root.resolve("server.out")
                        + "\n" + tail());
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2))
                        .GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("HEALTHY")) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the Infinispan Server", e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the Infinispan Server", e);
            }
        }
        stop();
        throw new IllegalStateException("the Infinispan Server was not healthy within " + START_TIMEOUT + "\n" + tail());
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(root.resolve("server.out"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no server output)";
        }
    }

    /** The repository's {@code infinispan} folder: the system property, else found walking up from the working directory. */
    static Path locateHome() {
        String configured = System.getProperty(HOME_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Optional<Path> found = Optional.empty();
        for (Path dir = Path.of("").toAbsolutePath(); dir != null && found.isEmpty(); dir = dir.getParent()) {
            Path candidate = dir.resolve("infinispan");
            if (Files.isRegularFile(candidate.resolve("server").resolve("conf").resolve("infinispan.xml"))) {
                found = Optional.of(candidate);
            }
        }
        return found.orElseThrow(() -> new IllegalStateException("cannot find the repository's infinispan folder; set -D"
                + HOME_PROPERTY));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
