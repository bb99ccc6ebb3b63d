package io.rlrf.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** The {@code deploy/} folder's files, and the external tools the checks run (node, npm, promtool, prometheus). */
final class DeployFiles {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    private DeployFiles() {
    }

    /** {@code deploy/}: the system property {@code rlrf.deploy.dir} (set by surefire), else the working directory. */
    static Path dir() {
        return Path.of(System.getProperty("rlrf.deploy.dir", "")).toAbsolutePath().normalize();
    }

    static Path file(String relative) {
        Path p = dir().resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " is missing");
        }
        return p;
    }

    /** Every YAML document in {@code relative} (a multi-document file gives several). */
    static List<JsonNode> yaml(String relative) {
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file(relative).toFile())) {
            List<JsonNode> docs = new ArrayList<>();
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + relative, e);
        }
    }

    /** The one document in {@code relative}. */
    static JsonNode yamlOne(String relative) {
        List<JsonNode> docs = yaml(relative);
        if (docs.size() != 1) {
            throw new IllegalStateException(relative + " holds " + docs.size() + " documents, expected 1");
        }
        return docs.get(0);
    }

    /** Exit status and combined output of a finished command. */
    record Result(int exitCode, String output) {
    }

    /**
     * Runs {@code command} in {@code workDir} and waits at most {@code timeoutSeconds}.
     *
     * @throws IllegalStateException when it cannot start (the message says what to install) or runs too long
     */
    static Result run(Path workDir, long timeoutSeconds, String... command) {
        requireTool(command[0]);
        try {
            Path out = Files.createTempFile("rlrf-deploy-", ".out");
            Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " ran longer than " + timeoutSeconds + " s");
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            Files.deleteIfExists(out);
            return new Result(p.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command[0], e);
        }
    }

    /**
     * Fails with what to install when {@code tool} is not on the PATH: these checks never skip
     * silently (.ci/run installs every tool they need).
     */
    static void requireTool(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return;
            }
        }
        String hint = switch (tool) {
            case "promtool", "prometheus" -> "install Debian's prometheus package: apt-get install prometheus";
            case "node", "npm" -> "install Node.js 20 or newer with npm (Debian: apt-get install nodejs npm)";
            default -> "install it";
        };
        throw new IllegalStateException(tool + " is not on the PATH; " + hint);
    }
}
