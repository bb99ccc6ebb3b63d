package io.rlrf.cli.experiment;

import java.util.Iterator;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunEvent;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.TrainerGrpc;
import io.rlrf.api.trainer.v1.WatchRunRequest;

/** Runs on trainer-svc over gRPC, with the access token when one is given. */
public final class GrpcRuns implements Runs {

    private final TrainerGrpc.TrainerBlockingStub trainer;

    public GrpcRuns(ManagedChannel channel, String token) {
        TrainerGrpc.TrainerBlockingStub stub = TrainerGrpc.newBlockingStub(channel);
        if (token != null && !token.isEmpty()) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        this.trainer = stub;
    }

    @Override
    public RunConfig resolve(RunConfig config) {
        return trainer.startRun(StartRunRequest.newBuilder().setConfig(config).setValidateOnly(true).build()).getConfig();
    }

    @Override
    public void start(String runId, RunConfig config) {
        trainer.startRun(StartRunRequest.newBuilder().setRunId(runId).setConfig(config).build());
    }

    @Override
    public Iterator<RunEvent> watch(String runId, long afterSequence) {
        return trainer.watchRun(WatchRunRequest.newBuilder().setRunId(runId).setAfterSequence(afterSequence).build());
    }

    @Override
    public Run get(String runId) {
        return trainer.getRun(GetRunRequest.newBuilder().setRunId(runId).build());
    }
}
