package io.rlrf.trainer.client;

import java.util.concurrent.TimeUnit;

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
import io.rlrf.trainer.config.TrainerConfig;

/**
 * The one wrapper around generator-svc: deadline on every call, retries per {@link PeerCalls}, and
 * generator-svc's access token ({@code rlrf.trainer.generator.access-token}) on LoadCheckpoint.
 */
@ApplicationScoped
public class GeneratorClient {

    private final GeneratorGrpc.GeneratorBlockingStub stub;
    /** The same stub sending generator-svc's access token, for the RPC it guards (LoadCheckpoint). */
    private final GeneratorGrpc.GeneratorBlockingStub guarded;
    private final TrainerConfig.GeneratorPeer config;

    public GeneratorClient(@GrpcClient("generator") GeneratorGrpc.GeneratorBlockingStub stub, TrainerConfig config) {
        this.stub = stub;
        this.config = config.generator();
        this.guarded = this.config.accessToken().filter(t -> !t.isBlank()).map(token -> {
            Metadata headers = new Metadata();
            headers.put(AccessTokenInterceptor.AUTHORIZATION, "Bearer " + token);
            return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }).orElse(stub);
    }

    public GenerateResponse generate(GenerateRequest request) {
        return PeerCalls.call("generator-svc", "Generate", config, () -> deadline().generate(request));
    }

    /** Hot-swaps generator-svc to a model-store version. */
    public LoadCheckpointResponse loadCheckpoint(String version) {
        return PeerCalls.call("generator-svc", "LoadCheckpoint", config,
                () -> deadline(guarded).loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion(version).build()));
    }

    private GeneratorGrpc.GeneratorBlockingStub deadline() {
        return deadline(stub);
    }

    private GeneratorGrpc.GeneratorBlockingStub deadline(GeneratorGrpc.GeneratorBlockingStub s) {
        return s.withDeadlineAfter(config.deadline().toMillis(), TimeUnit.MILLISECONDS);
    }
}
