package io.rlrf.trainer.service;

import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import io.rlrf.api.trainer.v1.CancelRunRequest;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.ListCheckpointsRequest;
import io.rlrf.api.trainer.v1.ListCheckpointsResponse;
import io.rlrf.api.trainer.v1.ListRunsRequest;
import io.rlrf.api.trainer.v1.ListRunsResponse;
import io.rlrf.api.trainer.v1.ResumeRunRequest;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunEvent;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.WatchRunRequest;
import io.rlrf.common.error.ServiceException;
import io.rlrf.trainer.config.TrainerConfig;
import io.rlrf.trainer.mapping.RunConfigValidation;

/**
 * Owns runs. This build resolves and validates run configurations completely (StartRun with
 * validate_only answers with the resolved config); executing runs and the run store are not part of
 * it yet, so other valid requests answer UNIMPLEMENTED rather than report runs that do not exist.
 */
@ApplicationScoped
public class RunService {

    private static final String SERVICE = "rlrf.trainer.v1.Trainer/";
    private static final String NO_RUNS = "this build of trainer-svc has no run store or training loop";

    private final RunConfigResolver resolver;
    private final TrainerConfig config;

    public RunService(RunConfigResolver resolver, TrainerConfig config) {
        this.resolver = resolver;
        this.config = config;
    }

    /**
     * Starts a run; with {@code validate_only}, returns the run that would be created (resolved
     * config, state PENDING) and creates nothing.
     */
    public Run start(StartRunRequest request) {
        RunConfigValidation.runId("run_id", request.getRunId(), false);
        RunConfig resolved = resolver.resolve(request.getConfig());
        if (request.getValidateOnly()) {
            return Run.newBuilder().setRunId(request.getRunId()).setConfig(resolved)
                    .setState(RunState.RUN_STATE_PENDING).build();
        }
        throw ServiceException.notImplemented(SERVICE + "StartRun", NO_RUNS);
    }

    /** Sends the run's events from {@code after_sequence} on to {@code events} until the run ends. */
    public void watch(WatchRunRequest request, Consumer<RunEvent> events) {
        RunConfigValidation.runId("run_id", request.getRunId(), true);
        if (request.getAfterSequence() < 0) {
            throw ServiceException.invalidArgument("after_sequence", "must be at least 0, got " + request.getAfterSequence());
        }
        throw ServiceException.notImplemented(SERVICE + "WatchRun", NO_RUNS);
    }

    public Run get(GetRunRequest request) {
        RunConfigValidation.runId("run_id", request.getRunId(), true);
        throw ServiceException.notImplemented(SERVICE + "GetRun", NO_RUNS);
    }

    public ListRunsResponse list(ListRunsRequest request) {
        RunConfigValidation.listRuns(request.getPageSize(), request.getState(), config.limits());
        throw ServiceException.notImplemented(SERVICE + "ListRuns", NO_RUNS);
    }

    public Run cancel(CancelRunRequest request) {
        RunConfigValidation.runId("run_id", request.getRunId(), true);
        throw ServiceException.notImplemented(SERVICE + "CancelRun", NO_RUNS);
    }

    public Run resume(ResumeRunRequest request) {
        RunConfigValidation.runId("run_id", request.getRunId(), true);
        throw ServiceException.notImplemented(SERVICE + "ResumeRun", NO_RUNS);
    }

    public ListCheckpointsResponse listCheckpoints(ListCheckpointsRequest request) {
        RunConfigValidation.runId("run_id", request.getRunId(), false);
        throw ServiceException.notImplemented(SERVICE + "ListCheckpoints", "this build of trainer-svc has no model store");
    }
}
