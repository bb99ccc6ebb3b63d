package io.rlrf.loop.local;

import java.nio.file.Path;

import org.jboss.logging.Logger;

import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.loop.LoopSettings;
import io.rlrf.loop.RunListener;
import io.rlrf.loop.RunLoop;
import io.rlrf.loop.SafePoints;
import io.rlrf.loop.bootstrap.Bootstrap;
import io.rlrf.loop.bootstrap.BootstrapSpec;
import io.rlrf.loop.config.InProcessGeneratorConfig;
import io.rlrf.loop.config.InProcessVerifierConfig;
import io.rlrf.loop.config.LocalTrainerConfig;
import io.rlrf.loop.plan.RunDefaults;
import io.rlrf.loop.plan.RunProblems;
import io.rlrf.loop.run.PreferenceRows;
import io.rlrf.loop.run.RunHandle;
import io.rlrf.loop.run.RunStore;
import io.rlrf.model.generate.BatchingLanes;
import io.rlrf.tasks.prompt.AnswerPrompt;
import io.rlrf.tasks.prompt.ReflectionPrompt;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * Runs of the loop in this process, for trying recipes fast: trainer-svc's run root, resolution and
 * stage loop, with {@link LocalPeers} instead of gRPC services. The runs write the same files as
 * trainer-svc's and resume the same way (a run id that exists with the same config continues at its
 * first unfinished stage).
 */
public final class LocalTrainer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalTrainer.class);

    private final RunStore runs;
    private final RunDefaults defaults;
    private final AnswerPrompt answerPrompt;
    private final LocalPeers peers;
    private final RunLoop loop;

    /**
     * @param runRoot   where the runs live
     * @param store     the model store (bases and published iterations)
     * @param batching  the in-process generator's batching lanes
     */
    public LocalTrainer(Path runRoot, Path store, RunDefaults defaults, LoopSettings settings, BootstrapSpec bootstrap,
            VerifierParams verifier, ReflectionPrompt reflection, BatchingLanes.Settings batching, RunListener listener) {
        this.runs = new RunStore(runRoot);
        this.defaults = defaults;
        this.answerPrompt = settings.answerPrompt();
        this.peers = new LocalPeers(store, batching, verifier, reflection);
        this.loop = new RunLoop(peers.peers(), settings, store, new Bootstrap(bootstrap, settings.answerPrompt(), store),
                listener, SafePoints.NONE);
    }

    /**
     * In-process runs configured as trainer-svc would be by the same {@code rlrf.trainer.*} properties,
     * the judge as reward-svc would be by its {@code rlrf.reward.verifier.*} critique-form properties
     * ({@link InProcessVerifierConfig}), the generator's lanes as generator-svc's by its
     * {@code rlrf.generator.batching.lanes} ({@link InProcessGeneratorConfig}), and the reflector's default
     * template ({@link ReflectionPrompt#DEFAULT}).
     */
    public static LocalTrainer of(LocalTrainerConfig config, InProcessVerifierConfig verifier,
            InProcessGeneratorConfig generator, Path runRoot, Path store, RunListener listener) {
        RunDefaults defaults = config.runDefaultsFile()
                .map(f -> RunDefaults.overlaid(Path.of(f), config.limits().runLimits()))
                .orElseGet(() -> RunDefaults.builtIn(config.limits().runLimits()));
        LoopSettings settings = config.loop().settings();
        return new LocalTrainer(runRoot, store, defaults, settings, config.bootstrap().spec(), verifier.params(),
                ReflectionPrompt.DEFAULT, generator.settings(), listener);
    }

    /** The complete config a run with {@code requested} would use (StartRun's validate_only). */
    public RunConfig resolve(RunConfig requested) {
        RunConfig resolved = defaults.resolve(requested);
        RunProblems.validate(resolved, defaults.limits());
        PreferenceRows.validate(resolved, answerPrompt, defaults.limits());
        return resolved;
    }

    /**
     * Creates run {@code id} (or finds it with the same config) and returns its handle, PENDING unless
     * it has succeeded already.
     */
    public RunHandle prepare(String id, RunConfig requested) {
        RunConfig resolved = resolve(requested);
        RunHandle existing = runs.find(id);
        if (existing == null) {
            return runs.create(id, resolved);
        }
        if (!existing.run().getConfig().equals(resolved)) {
            throw new IllegalArgumentException("run " + id + " exists with a different config");
        }
        if (existing.run().getState() != RunState.RUN_STATE_SUCCEEDED) {
            existing.update(b -> b.setState(RunState.RUN_STATE_PENDING).setError(""));
        }
        return existing;
    }

    /** Executes every unfinished stage of {@code run} here and now; the run ends SUCCEEDED or FAILED. */
    public Run execute(RunHandle run) {
        if (run.run().getState() == RunState.RUN_STATE_SUCCEEDED) {
            return run.run();
        }
        run.transition(RunState.RUN_STATE_RUNNING, "");
        try {
            loop.execute(run);
            return run.transition(RunState.RUN_STATE_SUCCEEDED, "");
        } catch (RuntimeException e) {
            LOG.errorf(e, "run %s failed", run.id());
            return run.transition(RunState.RUN_STATE_FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    public RunHandle find(String id) {
        return runs.find(id);
    }

    @Override
    public void close() {
        peers.close();
    }
}
