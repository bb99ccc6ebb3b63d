package io.rlrf.loop.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunState;

/** The run root: one directory per run ({@code <root>/<run-id>/run.json, config.json, events.jsonl, iter-<t>/}). */
public final class RunStore {

    private static final Logger LOG = Logger.getLogger(RunStore.class);

    private final Path root;
    private final Map<String, RunHandle> runs = new ConcurrentHashMap<>();

    public RunStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        reload();
    }

    public synchronized void reload() {
        runs.clear();
        try {
            Files.createDirectories(root);
            try (Stream<Path> dirs = Files.list(root)) {
                for (Path dir : dirs.filter(d -> Files.isRegularFile(d.resolve(RunHandle.RUN_FILE))).toList()) {
                    try {
                        RunHandle h = RunHandle.load(dir);
                        runs.put(h.id(), h);
                    } catch (IOException | RuntimeException e) {
                        LOG.warnf("skipping unreadable run directory %s: %s", dir, e.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the run root " + root, e);
        }
    }

    public synchronized RunHandle create(String id, RunConfig config) {
        Path dir = root.resolve(id);
        RunFiles.writeAtomically(dir.resolve("config.json"), RunFiles.toJson(config) + "\n");
        var now = RunHandle.now();
        RunHandle h = RunHandle.create(dir, Run.newBuilder().setRunId(id).setConfig(config)
                .setState(RunState.RUN_STATE_PENDING).setCreatedAt(now).setUpdatedAt(now).build());
        runs.put(id, h);
        return h;
    }

    public RunHandle find(String id) {
        return runs.get(id);
    }

    public List<RunHandle> all() {
        return new ArrayList<>(runs.values());
    }

    public void requestCancel(RunHandle h, boolean cancel) {
        h.requestCancel(cancel);
    }
}
