package io.rlrf.tasks.datasets;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the shared datasets live. In order: the system property {@code rlrf.datasets.root}, the
 * environment variable {@code RLRF_DATASETS_ROOT}, else {@code ../shared/datasets} seen from the
 * repository root: the first ancestor {@code a} of the working directory for which
 * {@code a/shared/datasets} exists (so it works from the repository root and from a module folder).
 */
public final class DatasetsRoot {

    /** System property naming the datasets root. */
    public static final String PROPERTY = "rlrf.datasets.root";
    /** Environment variable naming the datasets root. */
    public static final String ENV = "RLRF_DATASETS_ROOT";

    private DatasetsRoot() {
    }

    /** The datasets root; it may not exist (loaders then fail with a message naming it). */
    public static Path resolve() {
        String configured = System.getProperty(PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        return search(Path.of("").toAbsolutePath()).orElse(Path.of("..", "shared", "datasets").toAbsolutePath().normalize());
    }

    static Optional<Path> search(Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("datasets");
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate.normalize());
            }
        }
        return Optional.empty();
    }
}
