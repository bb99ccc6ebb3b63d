package io.rlrf.common.validation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.stream.Stream;

import io.rlrf.common.error.Echo;
import io.rlrf.common.error.ServiceException;

/**
 * The one check for paths a caller names inside a store the server owns (generator-svc's
 * {@code version}, trainer-svc's {@code base_checkpoint}): the text must be a plain relative path
 * ({@link Check#relativePath}), and with every symbolic link followed, the folder it names and
 * every file and folder under it must stay inside the store. A link on a single file
 * ({@code x/config.json -> /etc/hostname}) is refused like a link on the folder, so nothing outside
 * the store is ever read through a store path. Messages name store-relative paths only.
 */
public final class StorePaths {

    /** How deep under the named folder entries are checked (a checkpoint's shards are at most a level or two down). */
    static final int MAX_DEPTH = 4;
    /** Most entries checked under one folder; a folder with more is refused rather than walked. */
    static final int MAX_ENTRIES = 10_000;

    private StorePaths() {
    }

    /**
     * Resolves {@code relative} under {@code root}.
     *
     * @param field    the request field, named in a refusal (e.g. {@code version})
     * @param root     the store root
     * @param relative the caller's path
     * @param store    how messages name the store, e.g. {@code model store}
     * @return the path under {@code root} (lexically normalised, links not replaced), which may not exist
     * @throws ServiceException INVALID_ARGUMENT when the text leaves the store, or when the path or an
     *         entry under it leads out of the store through a symbolic link
     */
    public static Path resolve(String field, Path root, String relative, String store) {
        Check.relativePath(field, relative);
        Path base = root.toAbsolutePath().normalize();
        Path path = base.resolve(relative).normalize();
        if (!path.startsWith(base) || path.equals(base)) {
            throw ServiceException.invalidArgument(field, "must name a path inside the " + store + ", got " + Echo.of(relative));
        }
        Path realRoot;
        try {
            realRoot = base.toRealPath();
        } catch (IOException e) {
            return path; // no store yet: nothing in it, nothing to follow
        }
        // The deepest part that exists must lie inside the store, links followed.
        Path existing = path;
        while (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS) && existing.startsWith(base) && !existing.equals(base)) {
            existing = existing.getParent();
        }
        requireInside(field, relative, store, base, realRoot, existing);
        if (existing.equals(path) && Files.isDirectory(path)) {
            int count = 0;
            try (Stream<Path> walk = Files.walk(path, MAX_DEPTH, FileVisitOption.FOLLOW_LINKS)) {
                for (Iterator<Path> it = walk.iterator(); it.hasNext();) {
                    Path entry = it.next();
                    if (++count > MAX_ENTRIES) {
                        throw ServiceException.invalidArgument(field, Echo.of(relative) + " holds more than " + MAX_ENTRIES
                                + " entries; it is not a folder this service reads");
                    }
                    requireInside(field, relative, store, base, realRoot, entry);
                }
            } catch (UncheckedIOException e) {
                if (e.getCause() instanceof FileSystemLoopException) {
                    throw ServiceException.invalidArgument(field, Echo.of(relative) + " contains a symbolic link loop");
                }
                throw ServiceException.failedPrecondition(Echo.of(relative) + " in the " + store + " cannot be read");
            } catch (IOException e) {
                throw ServiceException.failedPrecondition(Echo.of(relative) + " in the " + store + " cannot be read");
            }
        }
        return path;
    }

    /**
     * {@code text} with the absolute path of {@code root} taken out, so that file names in it are
     * store-relative (for messages built from lower layers' exceptions, which name absolute paths).
     */
    public static String relativize(Path root, String text) {
        if (text == null) {
            return "";
        }
        String out = text;
        Path base = root.toAbsolutePath().normalize();
        out = out.replace(base + base.getFileSystem().getSeparator(), "").replace(base.toString(), ".");
        try {
            Path real = base.toRealPath();
            out = out.replace(real + real.getFileSystem().getSeparator(), "").replace(real.toString(), ".");
        } catch (IOException e) {
            // no store on disk: nothing else to take out
        }
        return out;
    }

    private static void requireInside(String field, String relative, String store, Path base, Path realRoot, Path entry) {
        Path real;
        try {
            real = entry.toRealPath();
        } catch (IOException e) {
            throw ServiceException.invalidArgument(field, Echo.of(relative) + ": " + Echo.of(base.relativize(entry).toString())
                    + " is a symbolic link that leads nowhere");
        }
        if (!real.startsWith(realRoot)) {
            String where = base.relativize(entry).toString();
            throw ServiceException.invalidArgument(field, Echo.of(relative) + " leads out of the " + store
                    + " through a symbolic link" + (where.equals(relative) ? "" : " (at " + Echo.of(where) + ")"));
        }
    }
}
