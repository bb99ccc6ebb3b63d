package io.rlrf.trainer.client;

import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.grpc.GrpcClient;
import io.rlrf.api.reflector.v1.RefineRequest;
import io.rlrf.api.reflector.v1.RefineResponse;
import io.rlrf.api.reflector.v1.ReflectorGrpc;
import io.rlrf.trainer.config.TrainerConfig;

/** The one wrapper around reflector-svc: deadline on every call, retries per {@link PeerCalls}. */
@ApplicationScoped
public class ReflectorClient {

    private final ReflectorGrpc.ReflectorBlockingStub stub;
    private final TrainerConfig.Peer config;

    public ReflectorClient(@GrpcClient("reflector") ReflectorGrpc.ReflectorBlockingStub stub, TrainerConfig config) {
        this.stub = stub;
        this.config = config.reflector();
    }

    public RefineResponse refine(RefineRequest request) {
        return PeerCalls.call("reflector-svc", "Refine", config,
                () -> stub.withDeadlineAfter(config.deadline().toMillis(), TimeUnit.MILLISECONDS).refine(request));
    }
}
