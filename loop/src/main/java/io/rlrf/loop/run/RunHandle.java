package io.rlrf.loop.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import com.google.protobuf.Timestamp;

import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunEvent;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.RunStateChanged;

/**
 * One run's persisted state: {@code run.json} (the {@link Run} message, rewritten atomically on
 * every change) and {@code events.jsonl} (append-only; a torn last line from a crash is dropped on
 * load). Watchers wait on this object for new events.
 */
public final class RunHandle {

    static final String RUN_FILE = "run.json";
    static final String EVENTS_FILE = "events.jsonl";

    private final Path dir;
    private Run run;
    private final List<RunEvent> events = new ArrayList<>();
    private volatile boolean cancelRequested;

    private RunHandle(Path dir, Run run) {
        this.dir = dir;
        this.run = run;
    }

    static RunHandle create(Path dir, Run run) {
        RunHandle h = new RunHandle(dir, run);
        h.persist();
        return h;
    }

    static RunHandle load(Path dir) throws IOException {
        Run run = RunFiles.fromJson(Files.readString(dir.resolve(RUN_FILE)), Run::newBuilder);
        RunHandle h = new RunHandle(dir, run);
        Path events = dir.resolve(EVENTS_FILE);
        if (Files.exists(events)) {
            StringBuilder kept = new StringBuilder();
            boolean torn = false;
            for (String line : Files.readAllLines(events, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    h.events.add(RunFiles.fromJson(line, RunEvent::newBuilder));
                    kept.append(line).append('\n');
                } catch (IllegalStateException e) {
                    torn = true; // the line a crash cut short: it was never acknowledged to anyone
                }
            }
            if (torn) {
                RunFiles.writeAtomically(events, kept.toString());
            }
        }
        return h;
    }

    public Path dir() {
        return dir;
    }

    public synchronized Run run() {
        return run;
    }

    public String id() {
        return run.getRunId();
    }

    public boolean cancelRequested() {
        return cancelRequested;
    }

    public void requestCancel(boolean requested) {
        this.cancelRequested = requested;
    }

    /** Applies {@code change} to the run, stamps updated_at and persists it. */
    public synchronized Run update(UnaryOperator<Run.Builder> change) {
        run = change.apply(run.toBuilder()).setUpdatedAt(now()).build();
        persist();
        return run;
    }

    /** Changes the state, persists it and logs a state event. */
    public synchronized Run transition(RunState state, String error) {
        update(b -> b.setState(state).setError(error == null ? "" : error));
        append(RunEvent.newBuilder().setStateChanged(RunStateChanged.newBuilder().setState(state)
                .setError(error == null ? "" : error)));
        return run;
    }

    /** Appends an event with the next sequence number, durably, and wakes the watchers. */
    public synchronized RunEvent append(RunEvent.Builder event) {
        long sequence = events.isEmpty() ? 1 : events.get(events.size() - 1).getSequence() + 1;
        RunEvent e = event.setSequence(sequence).setRunId(run.getRunId()).setTime(now()).build();
        try {
            Files.writeString(dir.resolve(EVENTS_FILE), RunFiles.toJson(e) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException ex) {
            throw new UncheckedIOException("could not append to " + dir.resolve(EVENTS_FILE), ex);
        }
        events.add(e);
        notifyAll();
        return e;
    }

    /**
     * Sends events after {@code afterSequence} to {@code sink}, waiting for new ones, until the run
     * is in a state other than PENDING or RUNNING and every event has been sent.
     */
    public void stream(long afterSequence, Consumer<RunEvent> sink) throws InterruptedException {
        long last = afterSequence;
        while (true) {
            List<RunEvent> batch = new ArrayList<>();
            boolean terminal;
            synchronized (this) {
                for (RunEvent e : events) {
                    if (e.getSequence() > last) {
                        batch.add(e);
                    }
                }
                terminal = !active(run.getState());
                if (batch.isEmpty() && !terminal) {
                    wait(1000);
                    continue;
                }
            }
            for (RunEvent e : batch) {
                sink.accept(e);
                last = e.getSequence();
            }
            if (terminal && batch.isEmpty()) {
                return;
            }
        }
    }

    static boolean active(RunState state) {
        return state == RunState.RUN_STATE_PENDING || state == RunState.RUN_STATE_RUNNING;
    }

    private void persist() {
        RunFiles.writeAtomically(dir.resolve(RUN_FILE), RunFiles.toJson(run) + "\n");
    }

    static Timestamp now() {
        Instant t = Instant.now();
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
}
