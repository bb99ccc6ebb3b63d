package io.rlrf.trainer.client;

import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.grpc.GrpcClient;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluateResponse;
import io.rlrf.api.reward.v1.RewardGrpc;
import io.rlrf.trainer.config.TrainerConfig;

/** The one wrapper around reward-svc: deadline on every call, retries per {@link PeerCalls}. */
@ApplicationScoped
public class RewardClient {

    private final RewardGrpc.RewardBlockingStub stub;
    private final TrainerConfig.Peer config;

    public RewardClient(@GrpcClient("reward") RewardGrpc.RewardBlockingStub stub, TrainerConfig config) {
        this.stub = stub;
        this.config = config.reward();
    }

    public EvaluateResponse evaluate(EvaluateRequest request) {
        return PeerCalls.call("reward-svc", "Evaluate", config,
                () -> stub.withDeadlineAfter(config.deadline().toMillis(), TimeUnit.MILLISECONDS).evaluate(request));
    }
}
