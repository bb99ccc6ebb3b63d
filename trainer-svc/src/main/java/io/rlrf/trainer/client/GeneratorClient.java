package io.rlrf.trainer.client;

import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.grpc.GrpcClient;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.api.generator.v1.LoadCheckpointResponse;
import io.rlrf.trainer.config.TrainerConfig;

/** The one wrapper around generator-svc: deadline on every call, retries per {@link PeerCalls}. */
@ApplicationScoped
public class GeneratorClient {

    private final GeneratorGrpc.GeneratorBlockingStub stub;
    private final TrainerConfig.Peer config;

    public GeneratorClient(@GrpcClient("generator") GeneratorGrpc.GeneratorBlockingStub stub, TrainerConfig config) {
        this.stub = stub;
        this.config = config.generator();
    }

    public GenerateResponse generate(GenerateRequest request) {
        return PeerCalls.call("generator-svc", "Generate", config, () -> deadline().generate(request));
    }

    /** Hot-swaps generator-svc to a model-store version. */
    public LoadCheckpointResponse loadCheckpoint(String version) {
        return PeerCalls.call("generator-svc", "LoadCheckpoint", config,
                () -> deadline().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion(version).build()));
    }

    private GeneratorGrpc.GeneratorBlockingStub deadline() {
        return stub.withDeadlineAfter(config.deadline().toMillis(), TimeUnit.MILLISECONDS);
    }
}
