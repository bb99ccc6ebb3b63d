package io.rlrf.loop.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.tasks.prompt.AnswerPrompt;
import io.rlrf.tasks.prompt.ReflectionPrompt;

/** The bootstrap with tiny settings (1 layer, d = 32, 3 steps of 4 sequences) into a temporary model store. */
class BootstrapTest {

    static final BootstrapSpec TINY = new BootstrapSpec("bootstrap", OptionalLong.empty(), 6, 6, List.of(1), 3, 4, 4,
            2e-3, 1, 32, 1, 2, 1024, 2, 8, 1);
    static final ReflectionPrompt REFLECT = ReflectionPrompt.DEFAULT;

    @TempDir
    Path store;

    private Bootstrap bootstrap() {
        return new Bootstrap(TINY, AnswerPrompt.DEFAULT, store);
    }

    @Test
    void trainsAFreshPolicySavesItInTheStoreAndASecondCallWithTheSameConfigIsCached() throws Exception {
        Bootstrap bootstrap = bootstrap();
        long seed = 424242;
        String version = bootstrap.version(seed, REFLECT);
        assertTrue(version.matches("bootstrap/[0-9a-f]{12}"), version);
        Path dir = store.resolve(version);

        AtomicInteger steps = new AtomicInteger();
        Bootstrap.Result first = bootstrap.ensure(seed, REFLECT, (done, total) -> {
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

        Bootstrap.Result second = bootstrap.ensure(seed, REFLECT, (done, total) -> {
            throw new AssertionError("a cached bootstrap must not train");
        });
        assertTrue(second.cached());
        assertEquals(version, second.version());
        assertEquals(first.finalLoss(), second.finalLoss());
        assertEquals(written, Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis());
    }

    @Test
    void theCacheKeyChangesWithTheSeedAndTheReflectionTemplate() {
        Bootstrap bootstrap = bootstrap();
        assertEquals(bootstrap.version(1, REFLECT), bootstrap.version(1, REFLECT));
        assertNotEquals(bootstrap.version(1, REFLECT), bootstrap.version(2, REFLECT));
        ReflectionPrompt other = new ReflectionPrompt("{prompt}|{answer}|{critiques}", "other");
        assertNotEquals(bootstrap.version(1, REFLECT), bootstrap.version(1, other));
    }

    @Test
    void anAbortedBootstrapLeavesNothingInTheStore() throws Exception {
        Bootstrap bootstrap = bootstrap();
        long seed = 777;
        Path dir = store.resolve(bootstrap.version(seed, REFLECT));
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> bootstrap.ensure(seed, REFLECT, (done, total) -> {
                    throw new IllegalStateException("cancelled at step " + done);
                }));
        assertEquals("cancelled at step 1", e.getMessage());
        assertFalse(Files.exists(dir));
        if (Files.exists(dir.getParent())) {
            try (var left = Files.list(dir.getParent())) {
                assertEquals(0, left.count(), "no staging folder left behind");
            }
        }
    }
}
