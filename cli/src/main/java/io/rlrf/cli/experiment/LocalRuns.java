package io.rlrf.cli.experiment;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunEvent;
import io.rlrf.loop.local.LocalTrainer;
import io.rlrf.loop.run.RunHandle;

/**
 * Runs in this process ({@link LocalTrainer}): each run executes on a worker thread while its events
 * stream to the watcher, as they would from trainer-svc.
 */
public final class LocalRuns implements Runs {

    /** Ends a watch stream. */
    private static final RunEvent END = RunEvent.getDefaultInstance();

    private final LocalTrainer trainer;

    public LocalRuns(LocalTrainer trainer) {
        this.trainer = trainer;
    }

    @Override
    public RunConfig resolve(RunConfig config) {
        return trainer.resolve(config);
    }

    @Override
    public void start(String runId, RunConfig config) {
        RunHandle run = trainer.prepare(runId, config);
        Thread worker = new Thread(() -> trainer.execute(run), "run-" + runId);
        worker.setDaemon(true);
        worker.start();
    }

    @Override
    public Iterator<RunEvent> watch(String runId, long afterSequence) {
        RunHandle run = trainer.find(runId);
        BlockingQueue<RunEvent> events = new LinkedBlockingQueue<>();
        Thread feeder = new Thread(() -> {
            try {
                run.stream(afterSequence, events::add);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                events.add(END);
            }
        }, "watch-" + runId);
        feeder.setDaemon(true);
        feeder.start();
        return new Iterator<>() {
            private RunEvent next;

            @Override
            public boolean hasNext() {
                if (next == null) {
                    try {
                        next = events.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        next = END;
                    }
                }
                return next != END;
            }

            @Override
            public RunEvent next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                RunEvent e = next;
                next = null;
                return e;
            }
        };
    }

    @Override
    public Run get(String runId) {
        return trainer.find(runId).run();
    }

    @Override
    public void close() {
        trainer.close();
    }
}
