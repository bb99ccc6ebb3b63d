package io.rlrf.cli.experiment;

import java.util.Iterator;

import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunEvent;

/**
 * Where the experiment's runs execute: trainer-svc over gRPC ({@link GrpcRuns}), or this process with
 * in-process peers ({@link LocalRuns}). The calls are the Trainer contract's.
 */
public interface Runs extends AutoCloseable {

    /** StartRun with validate_only: the complete config a run would use. */
    RunConfig resolve(RunConfig config);

    /** StartRun (idempotent for the same id and config). */
    void start(String runId, RunConfig config);

    /** WatchRun: the run's events after {@code afterSequence}, until it ends. */
    Iterator<RunEvent> watch(String runId, long afterSequence);

    /** GetRun. */
    Run get(String runId);

    @Override
    default void close() {
    }
}
