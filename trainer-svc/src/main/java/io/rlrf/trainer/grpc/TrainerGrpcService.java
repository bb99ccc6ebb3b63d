package io.rlrf.trainer.grpc;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.rlrf.api.trainer.v1.CancelRunRequest;
import io.rlrf.api.trainer.v1.ExportPairsRequest;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.ListCheckpointsRequest;
import io.rlrf.api.trainer.v1.ListCheckpointsResponse;
import io.rlrf.api.trainer.v1.ListRunsRequest;
import io.rlrf.api.trainer.v1.ListRunsResponse;
import io.rlrf.api.trainer.v1.PreferenceRow;
import io.rlrf.api.trainer.v1.ResumeRunRequest;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunEvent;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.TrainerGrpc;
import io.rlrf.api.trainer.v1.WatchRunRequest;
import io.rlrf.common.grpc.MalformedRequests;
import io.rlrf.trainer.service.RunService;
import io.smallrye.common.annotation.Blocking;

/** Thin gRPC adapter: errors thrown here are mapped by the shared GrpcErrorMapper. */
@GrpcService
@Blocking
public class TrainerGrpcService implements TrainerGrpc.AsyncService, BindableService {

    private final RunService runs;

    public TrainerGrpcService(RunService runs) {
        this.runs = runs;
    }

    /** Requests that do not parse are refused with INVALID_ARGUMENT (see {@link MalformedRequests}). */
    @Override
    public ServerServiceDefinition bindService() {
        return MalformedRequests.guard(TrainerGrpc.bindService(this));
    }

    @Override
    public void startRun(StartRunRequest request, StreamObserver<Run> response) {
        response.onNext(runs.start(request));
        response.onCompleted();
    }

    @Override
    public void watchRun(WatchRunRequest request, StreamObserver<RunEvent> events) {
        runs.watch(request, events::onNext);
        events.onCompleted();
    }

    @Override
    public void getRun(GetRunRequest request, StreamObserver<Run> response) {
        response.onNext(runs.get(request));
        response.onCompleted();
    }

    @Override
    public void listRuns(ListRunsRequest request, StreamObserver<ListRunsResponse> response) {
        response.onNext(runs.list(request));
        response.onCompleted();
    }

    @Override
    public void cancelRun(CancelRunRequest request, StreamObserver<Run> response) {
        response.onNext(runs.cancel(request));
        response.onCompleted();
    }

    @Override
    public void resumeRun(ResumeRunRequest request, StreamObserver<Run> response) {
        response.onNext(runs.resume(request));
        response.onCompleted();
    }

    @Override
    public void exportPairs(ExportPairsRequest request, StreamObserver<PreferenceRow> rows) {
        runs.exportPairs(request, rows::onNext);
        rows.onCompleted();
    }

    @Override
    public void listCheckpoints(ListCheckpointsRequest request, StreamObserver<ListCheckpointsResponse> response) {
        response.onNext(runs.listCheckpoints(request));
        response.onCompleted();
    }
}
