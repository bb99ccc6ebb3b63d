package io.rlrf.trainer.client;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.grpc.GrpcClient;
import io.rlrf.api.reflector.v1.DescribeReflectorRequest;
import io.rlrf.api.reflector.v1.DescribeReflectorResponse;
import io.rlrf.api.reflector.v1.RefineRequest;
import io.rlrf.api.reflector.v1.RefineResponse;
import io.rlrf.api.reflector.v1.ReflectorGrpc;
import io.rlrf.common.client.PeerCall;
import io.rlrf.loop.peer.ReflectorPeer;
import io.rlrf.trainer.config.TrainerConfig;

/** The loop's reflector peer over gRPC: deadline, retries and failures per {@link PeerCall}. */
@ApplicationScoped
public class ReflectorClient implements ReflectorPeer {

    private static final String PEER = "reflector-svc";

    private final ReflectorGrpc.ReflectorBlockingStub stub;
    private final PeerCall.Policy policy;

    public ReflectorClient(@GrpcClient("reflector") ReflectorGrpc.ReflectorBlockingStub stub, TrainerConfig config) {
        this.stub = stub;
        this.policy = config.reflector().policy();
    }

    @Override
    public RefineResponse refine(RefineRequest request) {
        return PeerCall.call(PEER, "Refine", stub, policy, s -> s.refine(request));
    }

    @Override
    public DescribeReflectorResponse describe() {
        return PeerCall.call(PEER, "DescribeReflector", stub, policy,
                s -> s.describeReflector(DescribeReflectorRequest.getDefaultInstance()));
    }
}
