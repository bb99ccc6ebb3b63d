package io.rlrf.model;

import java.nio.file.Files;
import java.nio.file.Path;

/** Test fixtures that live outside the module. */
public final class Fixtures {

    private Fixtures() {
    }

    /**
     * {@code shared/models/stories260K}, found beside the repository (the layout CI uses: the
     * checkout with {@code ../shared} next to it), searching upwards from the working directory.
     */
    public static Path stories260K() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("shared/models/stories260K");
            if (Files.isRegularFile(candidate.resolve("model.safetensors"))) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("shared/models/stories260K not found above " + Path.of("").toAbsolutePath()
                + "; the tests expect the shared folder beside the repository");
    }

    /** A tiny config for fast tests: V=40, C=32, F=64, 2 layers, 4 heads, 2 K/V heads (GQA), 64 positions. */
    public static LlamaConfig tiny(boolean tied) {
        return LlamaConfig.of(40, 32, 64, 2, 4, 2, 64, tied);
    }
}
