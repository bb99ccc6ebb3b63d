package io.rlrf.trainer.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.rlrf.trainer.config.TrainerConfig;

/** The bootstrap with the test profile's tiny settings (1 layer, d = 32, 3 steps of 4 sequences). */
@QuarkusTest
class BootstrapTest {

    @Inject
    Bootstrap bootstrap;

    @Inject
    TrainerConfig config;

    @Test
    void trainsAFreshPolicySavesItInTheStoreAndASecondCallWithTheSameConfigIsCached() throws Exception {
        long seed = 424242;
        String version = bootstrap.version(seed);
        assertTrue(version.matches("bootstrap/[0-9a-f]{12}"), version);
        Path dir = Path.of(config.storage().modelStore()).toAbsolutePath().resolve(version);
        deleteTree(dir); // left by an earlier build

        AtomicInteger steps = new AtomicInteger();
        Bootstrap.Result first = bootstrap.ensure(seed, (done, total) -> {
            assertEquals(steps.incrementAndGet(), done);
            assertEquals(3, total);
        });
        assertFalse(first.cached());
        assertEquals(version, first.version());
        assertEquals(3, steps.get());
        assertEquals(3, first.steps());
        assertTrue(Double.isFinite(first.finalLoss()) && first.finalLoss() > 0, "loss " + first.finalLoss());
        assertEquals(6, first.answerExamples());
        assertEquals(6, first.revisionExamples());
        assertEquals(2, first.devProblems());
        assertTrue(first.devAccuracy() >= 0 && first.devAccuracy() <= 1);
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", Bootstrap.INFO_FILE}) {
            assertTrue(Files.exists(dir.resolve(f)), f + " is missing");
        }
        long written = Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis();

        Bootstrap.Result second = bootstrap.ensure(seed, (done, total) -> {
            throw new AssertionError("a cached bootstrap must not train");
        });
        assertTrue(second.cached());
        assertEquals(version, second.version());
        assertEquals(first.finalLoss(), second.finalLoss());
        assertEquals(written, Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis());
    }

    @Test
    void theCacheKeyChangesWithTheSeed() {
        assertEquals(bootstrap.version(1), bootstrap.version(1));
        assertNotEquals(bootstrap.version(1), bootstrap.version(2));
    }

    @Test
    void anAbortedBootstrapLeavesNothingInTheStore() throws Exception {
        long seed = 777;
        Path dir = Path.of(config.storage().modelStore()).toAbsolutePath().resolve(bootstrap.version(seed));
        deleteTree(dir);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> bootstrap.ensure(seed, (done, total) -> {
                    throw new IllegalStateException("cancelled at step " + done);
                }));
        assertEquals("cancelled at step 1", e.getMessage());
        assertFalse(Files.exists(dir));
    }

    private static void deleteTree(Path dir) throws Exception {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
