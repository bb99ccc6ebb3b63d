package io.rlrf.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Write beside, then rename: a file or a folder is written under a hidden temporary sibling
 * ({@code .<name>.tmp-<uuid>}), fsynced, and renamed into place in one step, so a reader (another
 * service, a resumed run) sees all of it or none of it. A crash leaves at most a temporary sibling,
 * which {@link #removeLeftovers} clears.
 */
public final class AtomicFiles {

    /** What fills a folder being published. */
    @FunctionalInterface
    public interface FolderWriter {
        void write(Path staging) throws IOException;
    }

    private AtomicFiles() {
    }

    /** Writes {@code text} (UTF-8) to {@code target}, replacing it if it exists. */
    public static void writeString(Path target, String text) {
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Path tmp = staging(target);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + target, e);
        }
    }

    /**
     * Publishes the folder {@code target}: {@code writer} fills a fresh staging folder beside it,
     * every file is fsynced, and the staging folder is renamed to {@code target}. Fails if
     * {@code target} exists; on any failure the staging folder is removed.
     */
    public static void publishFolder(Path target, FolderWriter writer) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        if (Files.exists(absolute)) {
            throw new FileAlreadyExistsException(absolute.toString(), null, "the folder already exists");
        }
        Path parent = absolute.getParent();
        Files.createDirectories(parent);
        Path tmp = staging(absolute);
        Files.createDirectory(tmp);
        try {
            writer.write(tmp);
            try (Stream<Path> files = Files.list(tmp)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    fsync(f);
                }
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename " + tmp + " to " + absolute + " atomically: " + e.getMessage(), e);
            }
            fsync(parent);
        } finally {
            deleteTree(tmp);
        }
    }

    /** Removes the temporary siblings that saves interrupted before their rename left in {@code parent}. */
    public static int removeLeftovers(Path parent) throws IOException {
        if (!Files.isDirectory(parent)) {
            return 0;
        }
        int removed = 0;
        try (Stream<Path> s = Files.list(parent)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith(".") && n.contains(".tmp-")) {
                    deleteTree(p);
                    removed++;
                }
            }
        }
        return removed;
    }

    /** Deletes {@code path} and everything under it; nothing if it does not exist. */
    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(path)) {
            for (Path f : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static Path staging(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
    }

    private static void fsync(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // directories cannot be opened for fsync on every platform; the rename is still atomic
        }
    }
}
