package io.rlrf.loop;

import java.nio.file.Files;
import java.nio.file.Path;

import org.jboss.logging.Logger;

import io.rlrf.api.trainer.v1.IterationSummary;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.RunEvent;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.api.trainer.v1.StageCompleted;
import io.rlrf.loop.bootstrap.Bootstrap;
import io.rlrf.loop.peer.Peers;
import io.rlrf.loop.plan.RunPlan;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunHandle;
import io.rlrf.loop.run.RunLayout;
import io.rlrf.loop.stage.BootstrapStage;
import io.rlrf.loop.stage.DpoTrainStage;
import io.rlrf.loop.stage.EvaluateStage;
import io.rlrf.loop.stage.ImportPairsStage;
import io.rlrf.loop.stage.JudgeStage;
import io.rlrf.loop.stage.PairStage;
import io.rlrf.loop.stage.PublishStage;
import io.rlrf.loop.stage.ReflectStage;
import io.rlrf.loop.stage.RunStage;
import io.rlrf.loop.stage.SampleStage;
import io.rlrf.loop.stage.SelectStage;
import io.rlrf.loop.stage.SftTrainStage;
import io.rlrf.loop.stage.StageContext;
import io.rlrf.loop.stage.StageFigures;
import io.rlrf.model.Engines;

/**
 * The RLRF loop: for each iteration, for each stage of the run's plan, skip it if its marker exists,
 * run it, persist its marker (its output files are already persisted), publish its figures. A run
 * killed anywhere resumes at its first unfinished stage; a stage redone from its persisted inputs and
 * the seed writes what the interrupted attempt would have.
 */
public final class RunLoop {

    private static final Logger LOG = Logger.getLogger(RunLoop.class);

    private final Peers peers;
    private final LoopSettings settings;
    private final Path store;
    private final BootstrapStage bootstrap;
    private final RunListener listener;
    private final SafePoints safePoints;

    /**
     * @param store      the model store root (shared with the generator)
     * @param safePoints called at every safe point ({@link SafePoints#NONE} in production)
     */
    public RunLoop(Peers peers, LoopSettings settings, Path store, Bootstrap bootstrap, RunListener listener,
            SafePoints safePoints) {
        this.peers = peers;
        this.settings = settings;
        this.store = store.toAbsolutePath().normalize();
        this.bootstrap = new BootstrapStage(bootstrap);
        this.listener = listener;
        this.safePoints = safePoints;
        // read now, so that a bad rlrf.torch.threads or rlrf.torch.training-shards stops start-up instead of
        // a run at its first stage that computes
        Engines.configuredThreads();
        Engines.trainingShards();
    }

    /**
     * Runs every unfinished stage of {@code run}; returns normally when the run is complete.
     *
     * @throws StageContext.Cancelled at the first safe point after a cancel request
     */
    public void execute(RunHandle run) {
        listener.started(run);
        RunPlan plan = RunPlan.of(run.run().getConfig(), settings.stop());
        RunLayout layout = new RunLayout(run.dir(), run.id(), plan.baseCheckpoint());
        for (int t = 0; t <= plan.iterations(); t++) {
            for (Stage stage : plan.stages(t, settings.evaluateBase())) {
                if (Files.exists(layout.marker(t, stage))) {
                    continue;
                }
                StageContext ctx = new StageContext(run, plan, t, stage, layout, peers, settings, store, listener,
                        safePoints);
                ctx.safePoint("start");
                // This thread's compute (training, scoring) with the configured libtorch threads: batching
                // lanes in this process (in-process peers) set MKL's process-wide count to theirs.
                Engines.useThreadsOnThisThread(Engines.configuredThreads());
                long start = System.nanoTime();
                ctx.progress(0, 0);
                StageFigures figures = stageFor(stage, plan.mode()).run(ctx);
                complete(run, layout, t, stage, figures, (System.nanoTime() - start) / 1_000_000);
            }
            if (t > 0) {
                finishIteration(run, layout, t);
            }
        }
    }

    private RunStage stageFor(Stage stage, Mode mode) {
        return switch (stage) {
            case STAGE_BOOTSTRAP -> bootstrap;
            case STAGE_SAMPLE -> new SampleStage();
            case STAGE_JUDGE -> JudgeStage.samples();
            case STAGE_SELECT -> new SelectStage();
            case STAGE_REFLECT -> new ReflectStage();
            case STAGE_JUDGE_REFINEMENTS -> JudgeStage.rewrites();
            case STAGE_PAIR -> mode == Mode.MODE_DPO_OFFLINE ? new ImportPairsStage() : new PairStage();
            case STAGE_TRAIN -> mode == Mode.MODE_SFT ? new SftTrainStage() : new DpoTrainStage();
            case STAGE_PUBLISH -> new PublishStage();
            case STAGE_EVALUATE -> new EvaluateStage();
            default -> throw new IllegalStateException("stage " + stage + " is not part of an iteration");
        };
    }

    /** Records the base's evaluation with the run, writes the stage's marker, publishes the event. */
    private void complete(RunHandle run, RunLayout layout, int t, Stage stage, StageFigures figures, long millis) {
        if (t == 0 && figures instanceof StageFigures.Evaluate e) {
            IterationSummary base = IterationSummaries.base(layout, e);
            run.update(b -> b.setBaseEvalAccuracy(e.accuracy()).setBase(base));
        }
        StageCompleted completed = StageCompleted.newBuilder().setIteration(t).setStage(stage)
                .setDurationMillis(millis).putAllMetrics(figures.metrics()).build();
        RunFiles.writeAtomically(layout.marker(t, stage), RunFiles.toJson(completed) + "\n");
        listener.stageCompleted(run.run(), completed, figures);
        run.append(RunEvent.newBuilder().setStageCompleted(completed));
        LOG.infof("run %s iteration %d %s done in %d ms %s", run.id(), t, stage, millis, figures);
    }

    private void finishIteration(RunHandle run, RunLayout layout, int t) {
        if (run.run().getIterationsList().stream().anyMatch(s -> s.getIteration() == t)) {
            return;
        }
        IterationSummary summary = IterationSummaries.of(layout, t);
        run.update(b -> b.addIterations(summary));
        listener.iterationCompleted(run.run(), summary);
        run.append(RunEvent.newBuilder().setIterationCompleted(summary));
    }
}
