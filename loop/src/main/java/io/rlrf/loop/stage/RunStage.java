package io.rlrf.loop.stage;

import io.rlrf.api.trainer.v1.Stage;

/**
 * One stage of an iteration. It reads what earlier stages persisted (and the plan and seed), calls
 * peers, writes its own output files atomically, and returns its figures; the loop then writes the
 * stage's marker. A stage without a marker is redone from its inputs, so a redo reproduces what the
 * interrupted attempt would have written.
 */
public interface RunStage {

    Stage stage();

    StageFigures run(StageContext ctx);
}
