package io.rlrf.loop;

import io.rlrf.api.trainer.v1.IterationSummary;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.StageCompleted;
import io.rlrf.loop.run.RunHandle;
import io.rlrf.loop.stage.StageFigures;
import io.rlrf.model.train.DpoStats;

/** Telemetry of a run as it goes (trainer-svc's metrics); every method does nothing by default. */
public interface RunListener {

    RunListener NONE = new RunListener() {
    };

    /** The run starts (or resumes) executing. */
    default void started(RunHandle run) {
    }

    /** A stage finished: its event (as WatchRun sends it) and its figures, typed. */
    default void stageCompleted(Run run, StageCompleted completed, StageFigures figures) {
    }

    default void dpoStep(Run run, DpoStats step) {
    }

    default void iterationCompleted(Run run, IterationSummary summary) {
    }
}
