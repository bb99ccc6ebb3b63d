package io.rlrf.generator.grpc;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.rlrf.api.generator.v1.DescribeModelRequest;
import io.rlrf.api.generator.v1.DescribeModelResponse;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.api.generator.v1.LoadCheckpointResponse;
import io.rlrf.common.error.GrpcErrorMapper;
import io.rlrf.common.grpc.CallCancellationInterceptor;
import io.rlrf.common.grpc.MalformedRequests;
import io.rlrf.generator.service.GenerationService;
import io.smallrye.common.annotation.Blocking;

/** Thin gRPC adapter: errors thrown here are mapped by the shared GrpcErrorMapper. */
@GrpcService
@Blocking
public class GeneratorGrpcService implements GeneratorGrpc.AsyncService, BindableService {

    private final GenerationService generation;

    public GeneratorGrpcService(GenerationService generation) {
        this.generation = generation;
    }

    /** Requests that do not parse are refused with INVALID_ARGUMENT (see {@link MalformedRequests}). */
    @Override
    public ServerServiceDefinition bindService() {
        return MalformedRequests.guard(GeneratorGrpc.bindService(this));
    }

    @Override
    public void generate(GenerateRequest request, StreamObserver<GenerateResponse> response) {
        // Cancellation and deadline expiry of the call stop its sequences at the next decode step.
        // A bad request throws here (mapped by GrpcErrorMapper); the answer comes when the call's
        // sequences are done, and this worker thread is free meanwhile.
        generation.generateAsync(request, CallCancellationInterceptor.cancelled(response))
                .whenComplete((answer, failure) -> {
                    if (failure != null) {
                        response.onError(GrpcErrorMapper.toStatus(failure).asRuntimeException());
                    } else {
                        response.onNext(answer);
                        response.onCompleted();
                    }
                });
    }

    @Override
    public void loadCheckpoint(LoadCheckpointRequest request, StreamObserver<LoadCheckpointResponse> response) {
        response.onNext(generation.loadCheckpoint(request));
        response.onCompleted();
    }

    @Override
    public void describeModel(DescribeModelRequest request, StreamObserver<DescribeModelResponse> response) {
        response.onNext(generation.describeModel());
        response.onCompleted();
    }
}
