package io.rlrf.trainer.client;

import jakarta.enterprise.context.ApplicationScoped;

import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.quarkus.grpc.GrpcClient;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.api.generator.v1.LoadCheckpointResponse;
import io.rlrf.common.auth.AccessTokenInterceptor;
import io.rlrf.common.client.PeerCall;
import io.rlrf.loop.peer.GeneratorPeer;
import io.rlrf.trainer.config.TrainerConfig;

/**
 * The loop's generator peer over gRPC: deadline, retries and failures per {@link PeerCall}, and
 * generator-svc's access token ({@code rlrf.trainer.generator.access-token}) on LoadCheckpoint.
 */
@ApplicationScoped
public class GeneratorClient implements GeneratorPeer {

    private static final String PEER = "generator-svc";

    private final GeneratorGrpc.GeneratorBlockingStub stub;
    /** The same stub sending generator-svc's access token, for the RPC it guards (LoadCheckpoint). */
    private final GeneratorGrpc.GeneratorBlockingStub guarded;
    private final PeerCall.Policy policy;

    public GeneratorClient(@GrpcClient("generator") GeneratorGrpc.GeneratorBlockingStub stub, TrainerConfig config) {
        this.stub = stub;
        this.policy = config.generator().policy();
        this.guarded = config.generator().accessToken().filter(t -> !t.isBlank()).map(token -> {
            Metadata headers = new Metadata();
            headers.put(AccessTokenInterceptor.AUTHORIZATION, "Bearer " + token);
            return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }).orElse(stub);
    }

    @Override
    public GenerateResponse generate(GenerateRequest request) {
        return PeerCall.call(PEER, "Generate", stub, policy, s -> s.generate(request));
    }

    @Override
    public LoadCheckpointResponse loadCheckpoint(String version) {
        return PeerCall.call(PEER, "LoadCheckpoint", guarded, policy,
                s -> s.loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion(version).build()));
    }
}
