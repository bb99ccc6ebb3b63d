package io.rlrf.tasks.datasets;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The evaluation sets RLRF ships, as resources of this jar under {@code io/rlrf/tasks/datasets/}, each
 * beside its license: GSM8K's test split, SVAMP and the Just-Eval-Instruct prompts (all MIT). Training
 * splits are not shipped; they are found under the configured datasets root ({@link DatasetsRoot}).
 */
final class Shipped {

    interface Parser<T> {
        T parse(BufferedReader reader) throws IOException;
    }

    private Shipped() {
    }

    /** Parses the shipped resource {@code name} (relative to {@code io/rlrf/tasks/datasets/}). */
    static <T> T read(String name, Parser<T> parser) {
        InputStream in = Shipped.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("the shipped dataset " + name + " is missing from the rlrf-tasks jar");
        }
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return parser.parse(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the shipped dataset " + name, e);
        }
    }
}
