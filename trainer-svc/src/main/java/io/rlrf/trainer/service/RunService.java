package io.rlrf.trainer.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.stream.Stream;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.runtime.Startup;
import io.rlrf.api.trainer.v1.CancelRunRequest;
import io.rlrf.api.trainer.v1.Checkpoint;
import io.rlrf.api.trainer.v1.ExportPairsRequest;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.ListCheckpointsRequest;
import io.rlrf.api.trainer.v1.ListCheckpointsResponse;
import io.rlrf.api.trainer.v1.ListRunsRequest;
import io.rlrf.api.trainer.v1.ListRunsResponse;
import io.rlrf.api.trainer.v1.PreferenceRow;
import io.rlrf.api.trainer.v1.ResumeRunRequest;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunEvent;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.WatchRunRequest;
import io.rlrf.common.error.Echo;
import io.rlrf.common.error.ServiceException;
import io.rlrf.loop.RunLoop;
import io.rlrf.loop.plan.RunConfigValidation;
import io.rlrf.loop.plan.RunProblems;
import io.rlrf.loop.run.PreferenceRows;
import io.rlrf.loop.run.RunHandle;
import io.rlrf.loop.run.RunLayout;
import io.rlrf.loop.run.RunStore;
import io.rlrf.loop.stage.StageContext;
import io.rlrf.common.validation.Check;
import io.rlrf.model.lora.PeftAdapter;
import io.rlrf.common.validation.StorePaths;
import io.rlrf.tasks.prompt.AnswerPrompt;
import io.rlrf.trainer.client.RewardClient;
import io.rlrf.trainer.config.TrainerConfig;
import io.rlrf.trainer.mapping.TrainerRequests;

/**
 * Owns runs: creates them in the run root, executes them one at a time on a single worker thread
 * ({@link RunLoop}), and answers for them. At start-up, runs found RUNNING or PENDING (the
 * service stopped under them) are marked INTERRUPTED; ResumeRun continues any run that is not
 * running or finished at its first unfinished stage.
 */
@ApplicationScoped
@Startup
public class RunService {

    private static final Logger LOG = Logger.getLogger(RunService.class);

    private final RunConfigResolver resolver;
    private final TrainerConfig config;
    private final RunLoop loop;
    private final RewardClient reward;
    private final RunStore store;
    private final Path modelStore;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "run-worker");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Boolean> queued = new ConcurrentHashMap<>();

    public RunService(RunConfigResolver resolver, TrainerConfig config, RunLoop loop, RewardClient reward) {
        this.resolver = resolver;
        this.reward = reward;
        this.config = config;
        this.loop = loop;
        this.store = new RunStore(Path.of(config.storage().runRoot()));
        this.modelStore = Path.of(config.storage().modelStore()).toAbsolutePath().normalize();
        recoverInterrupted();
    }

    /** Marks runs the service stopped under as INTERRUPTED (what start-up does). */
    public void recoverInterrupted() {
        for (RunHandle h : store.all()) {
            RunState s = h.run().getState();
            if ((s == RunState.RUN_STATE_RUNNING || s == RunState.RUN_STATE_PENDING) && !queued.containsKey(h.id())) {
                LOG.infof("run %s was %s when trainer-svc stopped: marking it INTERRUPTED (ResumeRun continues it)", h.id(), s);
                h.transition(RunState.RUN_STATE_INTERRUPTED, "");
            }
        }
    }

    /** Forgets the in-memory state, as a restarted process would (tests: simulated crash). */
    public void reloadFromDisk() {
        queued.clear();
        store.reload();
        recoverInterrupted();
    }

    @PreDestroy
    void stop() {
        worker.shutdownNow();
    }

    /**
     * Starts a run; with {@code validate_only}, returns the run that would be created (resolved
     * config, state PENDING) and creates nothing.
     */
    public Run start(StartRunRequest request) {
        RunConfigValidation.runId("run_id", request.getRunId(), false);
        RunConfig resolved = resolver.resolve(request.getConfig());
        RunProblems.validate(resolved, config.limits().runLimits());
        PreferenceRows.validate(resolved, config.loop().settings().answerPrompt(), config.limits().runLimits());
        baseCheckpoint(resolved);
        if (resolved.getTask().equals(RunProblems.OPEN)) {
            // Only reward-svc knows whether it has a model judge: asked now, not at the first JUDGE stage.
            RunProblems.checkJudge(resolved, reward.listRubrics());
        }
        if (request.getValidateOnly()) {
            return Run.newBuilder().setRunId(request.getRunId()).setConfig(resolved)
                    .setState(RunState.RUN_STATE_PENDING).build();
        }
        String id = request.getRunId().isEmpty() ? "run-" + UUID.randomUUID().toString().substring(0, 8) : request.getRunId();
        RunHandle existing = store.find(id);
        if (existing != null) {
            if (existing.run().getConfig().equals(resolved)) {
                return existing.run();
            }
            throw ServiceException.alreadyExists("run " + id + " exists with a different config");
        }
        RunHandle h = store.create(id, resolved);
        submit(h);
        return h.run();
    }

    /**
     * A given base checkpoint must be a config.json directory (or a LoRA adapter's, adapter_config.json,
     * on such a directory) inside the model store, with every
     * symbolic link in it staying inside too; none given means the built-in base (the run's
     * BOOTSTRAP stage trains it, or finds it cached).
     */
    private void baseCheckpoint(RunConfig c) {
        String field = "config.base_checkpoint";
        if (c.getBaseCheckpoint().isEmpty()) {
            return;
        }
        Path dir = StorePaths.resolve(field, modelStore, c.getBaseCheckpoint(), "model store");
        if (!Files.isRegularFile(dir.resolve("config.json")) && !PeftAdapter.isAdapter(dir)) {
            throw ServiceException.invalidArgument(field, Echo.of(c.getBaseCheckpoint())
                    + " is not a checkpoint in the model store (no config.json or adapter_config.json)");
        }
    }

    private void submit(RunHandle h) {
        h.update(b -> b.setState(RunState.RUN_STATE_PENDING).setError(""));
        queued.put(h.id(), true);
        worker.submit(() -> execute(h));
    }

    private void execute(RunHandle h) {
        try {
            if (h.cancelRequested()) {
                h.transition(RunState.RUN_STATE_CANCELLED, "");
                return;
            }
            h.transition(RunState.RUN_STATE_RUNNING, "");
            loop.execute(h);
            h.transition(RunState.RUN_STATE_SUCCEEDED, "");
        } catch (StageContext.Cancelled e) {
            h.transition(RunState.RUN_STATE_CANCELLED, "");
        } catch (RuntimeException e) {
            LOG.errorf(e, "run %s failed", h.id());
            h.transition(RunState.RUN_STATE_FAILED, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } finally {
            queued.remove(h.id());
        }
    }

    /** Sends the run's events from {@code after_sequence} on to {@code events} until the run ends. */
    public void watch(WatchRunRequest request, Consumer<RunEvent> events) {
        RunConfigValidation.runId("run_id", request.getRunId(), true);
        if (request.getAfterSequence() < 0) {
            throw ServiceException.invalidArgument("after_sequence", "must be at least 0, got " + request.getAfterSequence());
        }
        try {
            require(request.getRunId()).stream(request.getAfterSequence(), events);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ServiceException.unavailable("interrupted while watching run " + request.getRunId());
        }
    }

    public Run get(GetRunRequest request) {
        RunConfigValidation.runId("run_id", request.getRunId(), true);
        return require(request.getRunId()).run();
    }

    public ListRunsResponse list(ListRunsRequest request) {
        TrainerRequests.listRuns(request.getPageSize(), request.getState(), config.limits());
        int size = request.getPageSize() == 0 ? config.limits().maxPageSize() : request.getPageSize();
        int offset = TrainerRequests.pageOffset(request.getPageToken());
        List<Run> runs = store.all().stream().map(RunHandle::run)
                .filter(r -> request.getState() == RunState.RUN_STATE_UNSPECIFIED || r.getState() == request.getState())
                .sorted(Comparator.comparingLong((Run r) -> r.getCreatedAt().getSeconds())
                        .thenComparingInt(r -> r.getCreatedAt().getNanos()).reversed())
                .toList();
        long end = (long) offset + size; // an offset near Integer.MAX_VALUE must not wrap
        List<Run> page = runs.subList(Math.min(offset, runs.size()), (int) Math.min(runs.size(), end));
        ListRunsResponse.Builder out = ListRunsResponse.newBuilder().addAllRuns(page);
        if (end < runs.size()) {
            out.setNextPageToken(Long.toString(end));
        }
        return out.build();
    }

    public Run cancel(CancelRunRequest request) {
        RunConfigValidation.runId("run_id", request.getRunId(), true);
        RunHandle h = require(request.getRunId());
        if (queued.containsKey(h.id())) {
            store.requestCancel(h, true);
        }
        return h.run();
    }

    public Run resume(ResumeRunRequest request) {
        RunConfigValidation.runId("run_id", request.getRunId(), true);
        RunHandle h = require(request.getRunId());
        RunState s = h.run().getState();
        if (queued.containsKey(h.id())) {
            return h.run();
        }
        if (s == RunState.RUN_STATE_SUCCEEDED) {
            throw ServiceException.failedPrecondition("run " + h.id() + " has succeeded; there is nothing to resume");
        }
        store.requestCancel(h, false);
        submit(h);
        return h.run();
    }

    /**
     * Sends the run's preference pairs as TRL/OpenRLHF rows, under this trainer's answer template: one
     * iteration's, or (iteration 0) those of every iteration whose PAIR stage has finished.
     */
    public void exportPairs(ExportPairsRequest request, Consumer<PreferenceRow> rows) {
        RunConfigValidation.runId("run_id", request.getRunId(), true);
        Check.atLeast("iteration", request.getIteration(), 0);
        RunHandle h = require(request.getRunId());
        Run run = h.run();
        int iterations = run.getConfig().getIterations();
        if (request.getIteration() > iterations) {
            throw ServiceException.invalidArgument("iteration", "must be at most the run's " + iterations
                    + " iteration(s), got " + request.getIteration());
        }
        RunLayout layout = new RunLayout(h.dir(), h.id(), run.getConfig().getBaseCheckpoint());
        AnswerPrompt template = config.loop().settings().answerPrompt();
        if (request.getIteration() > 0) {
            if (!PreferenceRows.paired(layout, request.getIteration())) {
                throw ServiceException.failedPrecondition("run " + h.id() + " has not finished the PAIR stage of iteration "
                        + request.getIteration() + " (state " + run.getState().name() + ")");
            }
            PreferenceRows.of(layout, request.getIteration(), template).forEach(rows);
            return;
        }
        for (int t = 1; t <= iterations && PreferenceRows.paired(layout, t); t++) {
            PreferenceRows.of(layout, t, template).forEach(rows);
        }
    }

    public ListCheckpointsResponse listCheckpoints(ListCheckpointsRequest request) {
        RunConfigValidation.runId("run_id", request.getRunId(), false);
        Path root = modelStore;
        ListCheckpointsResponse.Builder out = ListCheckpointsResponse.newBuilder();
        if (!Files.isDirectory(root)) {
            return out.build();
        }
        try (Stream<Path> walk = Files.walk(root, 4)) {
            // full checkpoints, and the LoRA adapters LoRA runs publish (generator-svc serves both)
            for (Path cfg : walk.filter(p -> p.getFileName().toString().equals("config.json")
                    || p.getFileName().toString().equals(PeftAdapter.CONFIG)).sorted().toList()) {
                Path dir = cfg.getParent();
                if (dir.getFileName().toString().startsWith(".")) {
                    continue; // an incomplete save
                }
                String version = root.relativize(dir).toString().replace('\\', '/');
                String runId = "";
                int iteration = 0;
                String[] parts = version.split("/");
                if (parts.length == 3 && parts[0].equals("runs") && parts[2].startsWith("iter-")) {
                    runId = parts[1];
                    iteration = Integer.parseInt(parts[2].substring(5));
                }
                if (!request.getRunId().isEmpty() && !request.getRunId().equals(runId)) {
                    continue;
                }
                Checkpoint.Builder c = Checkpoint.newBuilder().setVersion(version).setRunId(runId).setIteration(iteration);
                var time = Files.getLastModifiedTime(cfg).toInstant();
                c.setCreatedAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(time.getEpochSecond()));
                RunHandle h = runId.isEmpty() ? null : store.find(runId);
                if (h != null) {
                    int it = iteration;
                    h.run().getIterationsList().stream().filter(s -> s.getIteration() == it).findFirst()
                            .ifPresent(s -> c.setEvalAccuracy(s.getEvalAccuracy()));
                }
                out.addCheckpoints(c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.build();
    }

    private RunHandle require(String id) {
        RunHandle h = store.find(id);
        if (h == null) {
            throw ServiceException.notFound("run " + id + " does not exist");
        }
        return h;
    }
}
