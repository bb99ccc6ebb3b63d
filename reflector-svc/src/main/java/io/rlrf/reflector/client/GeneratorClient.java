package io.rlrf.reflector.client;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.grpc.GrpcClient;
import io.rlrf.api.generator.v1.DescribeModelRequest;
import io.rlrf.api.generator.v1.DescribeModelResponse;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.common.client.PeerCall;
import io.rlrf.reflector.config.ReflectorConfig;

/**
 * The one wrapper around generator-svc: deadline, retries and the translation of failures per
 * {@link PeerCall} (generator-svc down is UNAVAILABLE, a version mismatch stays FAILED_PRECONDITION, a
 * reflection prompt above its limits is LIMIT_EXCEEDED).
 */
@ApplicationScoped
public class GeneratorClient {

    private static final String PEER = "generator-svc";

    private final GeneratorGrpc.GeneratorBlockingStub stub;
    private final PeerCall.Policy policy;

    public GeneratorClient(@GrpcClient("generator") GeneratorGrpc.GeneratorBlockingStub stub, ReflectorConfig config) {
        this.stub = stub;
        ReflectorConfig.Generator g = config.generator();
        this.policy = new PeerCall.Policy(g.deadline(), g.maxAttempts(), g.retryBackoff());
    }

    public DescribeModelResponse describeModel() {
        return PeerCall.call(PEER, "DescribeModel", stub, policy,
                s -> s.describeModel(DescribeModelRequest.getDefaultInstance()));
    }

    public GenerateResponse generate(GenerateRequest request) {
        return PeerCall.call(PEER, "Generate", stub, policy, s -> s.generate(request));
    }
}
