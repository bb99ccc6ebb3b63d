package io.rlrf.trainer.client;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.grpc.GrpcClient;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.api.generator.v1.LoadCheckpointResponse;
import io.rlrf.common.client.PeerCall;
import io.rlrf.loop.peer.GeneratorPeer;
import io.rlrf.trainer.config.TrainerConfig;

/** The loop's generator peer over gRPC: deadline, retries and failures per {@link PeerCall}. */
@ApplicationScoped
public class GeneratorClient implements GeneratorPeer {

    private static final String PEER = "generator-svc";

    private final GeneratorGrpc.GeneratorBlockingStub stub;
    private final PeerCall.Policy policy;

    public GeneratorClient(@GrpcClient("generator") GeneratorGrpc.GeneratorBlockingStub stub, TrainerConfig config) {
        this.stub = stub;
        this.policy = config.generator().policy();
    }

    @Override
    public GenerateResponse generate(GenerateRequest request) {
        return PeerCall.call(PEER, "Generate", stub, policy, s -> s.generate(request));
    }

    @Override
    public LoadCheckpointResponse loadCheckpoint(String version) {
        return PeerCall.call(PEER, "LoadCheckpoint", stub, policy,
                s -> s.loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion(version).build()));
    }
}
