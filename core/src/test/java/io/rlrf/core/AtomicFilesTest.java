package io.rlrf.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;

    @Test
    void writeStringReplacesTheFileAndLeavesNoTemporarySibling() throws IOException {
        Path f = dir.resolve("sub/state.json");
        AtomicFiles.writeString(f, "one");
        AtomicFiles.writeString(f, "two");
        assertEquals("two", Files.readString(f));
        assertEquals(1, count(f.getParent()));
    }

    @Test
    void publishFolderShowsTheWholeFolderUnderItsName() throws IOException {
        Path target = dir.resolve("models/v1");
        AtomicFiles.publishFolder(target, staging -> {
            assertFalse(Files.exists(target), "not visible while being written");
            Files.writeString(staging.resolve("a.txt"), "a");
            Files.writeString(staging.resolve("b.txt"), "b");
        });
        assertEquals("a", Files.readString(target.resolve("a.txt")));
        assertEquals("b", Files.readString(target.resolve("b.txt")));
        assertEquals(1, count(target.getParent()));
    }

    @Test
    void aFailedPublishLeavesNeitherTargetNorStaging() throws IOException {
        Path target = dir.resolve("v2");
        assertThrows(IOException.class, () -> AtomicFiles.publishFolder(target, staging -> {
            Files.writeString(staging.resolve("a.txt"), "a");
            throw new IOException("disk full");
        }));
        assertFalse(Files.exists(target));
        assertEquals(0, count(dir));
    }

    @Test
    void publishFolderRefusesAnExistingTarget() throws IOException {
        Path target = Files.createDirectories(dir.resolve("v3"));
        assertThrows(FileAlreadyExistsException.class, () -> AtomicFiles.publishFolder(target, staging -> { }));
    }

    @Test
    void removeLeftoversClearsOnlyTemporarySiblings() throws IOException {
        Files.createDirectories(dir.resolve(".v4.tmp-123")).resolve("x");
        Files.writeString(dir.resolve(".run.json.tmp-9"), "torn");
        Files.createDirectories(dir.resolve("v4"));
        assertEquals(2, AtomicFiles.removeLeftovers(dir));
        assertTrue(Files.exists(dir.resolve("v4")));
        assertEquals(1, count(dir));
    }

    private static long count(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.count();
        }
    }
}
