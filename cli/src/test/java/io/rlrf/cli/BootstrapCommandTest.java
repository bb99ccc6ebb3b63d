package io.rlrf.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short form of the command that makes the shipped base (models/README.md): {@code rlrf-cli
 * bootstrap} trains a tiny base in its three phases into a store (each phase's base beside the next), finds it there the second time, and a store that lacks it copies the refined base from
 * the shipped store instead of training.
 */
class BootstrapCommandTest {

    /** A few steps of a tiny network: the command's short form. */
    private static final Map<String, String> TINY = Map.ofEntries(Map.entry("steps", "2"), Map.entry("batch-size", "4"),
            Map.entry("micro-batch-size", "4"), Map.entry("warmup-steps", "1"), Map.entry("hidden-size", "32"),
            Map.entry("layers", "1"), Map.entry("heads", "2"), Map.entry("answer-examples-per-level", "6"),
            Map.entry("revision-examples-per-level", "6"), Map.entry("dev-problems-per-level", "2"),
            Map.entry("dev-max-new-tokens", "8"), Map.entry("shipped-store", ""), Map.entry("refine.steps", "3"),
            Map.entry("refine.answer-examples-per-level", "4"), Map.entry("refine.revision-examples-per-level", "4"),
            Map.entry("refine.warmup-steps", "1"), Map.entry("target.steps", "2"),
            Map.entry("target.answer-examples-per-level", "2"), Map.entry("target.revision-examples-per-level", "2"),
            Map.entry("target.warmup-steps", "1"));

    @TempDir
    Path dir;

    @BeforeEach
    void tiny() {
        TINY.forEach((k, v) -> System.setProperty("rlrf.trainer.bootstrap." + k, v));
    }

    @AfterEach
    void clear() {
        TINY.keySet().forEach(k -> System.clearProperty("rlrf.trainer.bootstrap." + k));
    }

    @Test
    void theCommandTrainsABaseOnceAndAStoreWithoutItCopiesTheShippedOne() throws Exception {
        Path shipped = dir.resolve("shipped");
        String first = run("bootstrap", "--store", shipped.toString());
        assertTrue(first.contains("\"cached\" : false"), first);
        assertTrue(first.contains("[bootstrap] step 3/3"), "the refine phase's steps: " + first);
        assertTrue(first.contains("[bootstrap] step 2/2"), "the target phase's steps: " + first);
        List<Path> phases = all(shipped.resolve("bootstrap"));
        assertEquals(3, phases.size(), "the first phase's base, the refined one and the target phase's: " + phases);
        Path base = phases.stream().filter(p -> first.contains("base bootstrap/" + p.getFileName() + " in")).findFirst()
                .orElseThrow(() -> new AssertionError("the command names no base: " + first));
        assertTrue(first.contains("\"refinedFrom\" : \"bootstrap/"), first);
        String from = first.substring(first.indexOf("\"refinedFrom\" : \"bootstrap/") + 27).substring(0, 12);
        assertTrue(phases.stream().anyMatch(p -> p.getFileName().toString().equals(from) && !p.equals(base)),
                "made from a phase in the store: " + from);
        assertTrue(Files.isRegularFile(base.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(base.resolve("bootstrap.json")));

        String again = run("bootstrap", "--store", shipped.toString());
        assertTrue(again.contains("\"cached\" : true"), again);

        System.setProperty("rlrf.trainer.bootstrap.shipped-store", shipped.toString());
        Path store = dir.resolve("store");
        String copied = run("bootstrap", "--store", store.toString());
        assertTrue(copied.contains("\"cached\" : true"), "copied, not trained: " + copied);
        Path copy = store.resolve("bootstrap").resolve(base.getFileName());
        assertArrayEquals(Files.readAllBytes(base.resolve("model.safetensors")),
                Files.readAllBytes(copy.resolve("model.safetensors")));
        assertEquals(List.of(base.getFileName()), List.of(only(store.resolve("bootstrap")).getFileName()));
    }

    private static String run(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = RlrfCli.run(args, new PrintStream(out), new PrintStream(err));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, printed + err.toString(StandardCharsets.UTF_8));
        return printed;
    }

    private static Path only(Path folder) throws Exception {
        List<Path> all = all(folder);
        assertEquals(1, all.size(), all.toString());
        return all.get(0);
    }

    private static List<Path> all(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }
}
