package io.rlrf.common.testing;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.grpc.Metadata;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;

/**
 * A real, packaged RLRF service ({@code <name>-svc/target/quarkus-app/quarkus-run.jar}, or the
 * path in the system property {@code rlrf.<name>.app}) started as its own JVM on a loopback port,
 * for end-to-end tests; plus the small helpers such tests share.
 */
public final class ServiceProcess {

    private ServiceProcess() {
    }

    /**
     * Starts {@code <name>-svc} on {@code port} with extra JVM arguments, logging to
     * {@code target/<name>-svc.log}, and waits (at most 120 s) until its readiness is UP.
     *
     * @throws IllegalStateException if the jar is missing, the process dies, or it never becomes ready
     */
    public static Process start(String name, int port, List<String> jvmArgs) {
        return start(name, port, jvmArgs, Map.of());
    }

    /**
     * As {@link #start(String, int, List)}, with extra environment variables (for example the keys
     * of a Kubernetes Secret the service reads through {@code envFrom}).
     */
    public static Process start(String name, int port, List<String> jvmArgs, Map<String, String> env) {
        Path jar = Path.of(System.getProperty("rlrf." + name + ".app", "../" + name + "-svc/target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first (./mvnw install -DskipTests -pl " + name
                    + "-svc -am)");
        }
        Path log = Path.of("target/" + name + "-svc.log").toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Dquarkus.http.port=" + port));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        try {
            ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            Process p = builder.start();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!ready(port)) {
                if (!p.isAlive() || System.nanoTime() > until) {
                    stop(p);
                    throw new IllegalStateException(name + "-svc did not become ready; see " + log);
                }
                Thread.sleep(250);
            }
            return p;
        } catch (IOException e) {
            throw new IllegalStateException("could not start " + name + "-svc: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + name + "-svc", e);
        }
    }

    /** Stops a started service: SIGTERM, then forcibly after 20 s. */
    public static void stop(Process p) {
        if (p == null) {
            return;
        }
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

    /** A loopback port free right now. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code stub} sending the metadata {@code authorization: <value>} with every call. */
    public static <S extends AbstractStub<S>> S withAuthorization(S stub, String value) {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), value);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
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
}
