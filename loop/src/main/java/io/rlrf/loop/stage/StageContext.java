package io.rlrf.loop.stage;

import java.nio.file.Path;

import io.rlrf.api.trainer.v1.RunEvent;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.api.trainer.v1.StageProgress;
import io.rlrf.loop.LoopSettings;
import io.rlrf.loop.RunListener;
import io.rlrf.loop.SafePoints;
import io.rlrf.loop.peer.Peers;
import io.rlrf.loop.plan.RunPlan;
import io.rlrf.loop.run.RunHandle;
import io.rlrf.loop.run.RunLayout;

/**
 * What a stage of one iteration works with: the run and its plan, the iteration, the run's files,
 * the peers, the trainer's loop settings and model store, and the two things a stage reports as it
 * goes: progress, and safe points (where a cancel takes effect and tests inject crashes).
 */
public final class StageContext {

    /** Thrown at a safe point when the run was cancelled. */
    public static final class Cancelled extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Cancelled() {
            super("cancelled", null, false, false);
        }
    }

    private final RunHandle run;
    private final RunPlan plan;
    private final int iteration;
    private final Stage stage;
    private final RunLayout layout;
    private final Peers peers;
    private final LoopSettings settings;
    private final Path store;
    private final RunListener listener;
    private final SafePoints safePoints;
    private final long start = System.nanoTime();

    public StageContext(RunHandle run, RunPlan plan, int iteration, Stage stage, RunLayout layout, Peers peers,
            LoopSettings settings, Path store, RunListener listener, SafePoints safePoints) {
        this.run = run;
        this.plan = plan;
        this.iteration = iteration;
        this.stage = stage;
        this.layout = layout;
        this.peers = peers;
        this.settings = settings;
        this.store = store;
        this.listener = listener;
        this.safePoints = safePoints;
    }

    public RunHandle run() {
        return run;
    }

    public RunPlan plan() {
        return plan;
    }

    public int iteration() {
        return iteration;
    }

    public RunLayout layout() {
        return layout;
    }

    public Peers peers() {
        return peers;
    }

    public LoopSettings settings() {
        return settings;
    }

    /** The model store root. */
    public Path store() {
        return store;
    }

    public RunListener listener() {
        return listener;
    }

    /** {@code name} in this iteration's folder. */
    public Path file(String name) {
        return layout.file(iteration, name);
    }

    /** Store-relative version of iteration t's checkpoint. */
    public String version(int t) {
        return layout.version(t);
    }

    /**
     * Has the generator serve checkpoint {@code version(t)} and returns that version (to pin requests
     * to it): the iteration's starting policy is {@code t = iteration - 1}.
     */
    public String serve(int t) {
        String version = version(t);
        peers.generator().loadCheckpoint(version);
        return version;
    }

    /** Records that {@code done} of {@code total} work items of this stage are done. */
    public void progress(long done, long total) {
        double seconds = (System.nanoTime() - start) / 1e9;
        StageProgress p = StageProgress.newBuilder().setIteration(iteration).setStage(stage).setDone(done).setTotal(total)
                .setRate(seconds > 0 ? done / seconds : 0).build();
        run.update(b -> b.setProgress(p));
        run.append(RunEvent.newBuilder().setProgress(p));
    }

    /**
     * A point where the stage may stop: everything before it is persisted or reproducible.
     *
     * @throws Cancelled when the run was cancelled
     */
    public void safePoint(String where) {
        safePoints.reached(iteration + "/" + stage.name() + "/" + where);
        if (run.cancelRequested()) {
            throw new Cancelled();
        }
    }
}
