package io.rlrf.trainer.client;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.grpc.GrpcClient;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluateResponse;
import io.rlrf.api.reward.v1.ListRubricsRequest;
import io.rlrf.api.reward.v1.ListRubricsResponse;
import io.rlrf.api.reward.v1.RewardGrpc;
import io.rlrf.common.client.PeerCall;
import io.rlrf.loop.peer.RewardPeer;
import io.rlrf.trainer.config.TrainerConfig;

/** The loop's reward peer over gRPC: deadline, retries and failures per {@link PeerCall}. */
@ApplicationScoped
public class RewardClient implements RewardPeer {

    private final RewardGrpc.RewardBlockingStub stub;
    private final PeerCall.Policy policy;

    public RewardClient(@GrpcClient("reward") RewardGrpc.RewardBlockingStub stub, TrainerConfig config) {
        this.stub = stub;
        this.policy = config.reward().policy();
    }

    @Override
    public EvaluateResponse evaluate(EvaluateRequest request) {
        return PeerCall.call("reward-svc", "Evaluate", stub, policy, s -> s.evaluate(request));
    }

    /** reward-svc's judges and tasks (StartRun asks it whether a run's task can be judged). */
    public ListRubricsResponse listRubrics() {
        return PeerCall.call("reward-svc", "ListRubrics", stub, policy,
                s -> s.listRubrics(ListRubricsRequest.getDefaultInstance()));
    }
}
