package io.rlrf.generator.grpc;

import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
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
import io.rlrf.generator.service.GenerationService;
import io.smallrye.common.annotation.Blocking;

/** Thin gRPC adapter: errors thrown here are mapped by the shared GrpcErrorMapper. */
@GrpcService
@Blocking
public class GeneratorGrpcService extends GeneratorGrpc.GeneratorImplBase {

    private final GenerationService generation;

    public GeneratorGrpcService(GenerationService generation) {
        this.generation = generation;
    }

    @Override
    public void generate(GenerateRequest request, StreamObserver<GenerateResponse> response) {
        // Cancellation and deadline expiry of the call stop its sequences at the next decode step
        // (see CallCancellationInterceptor for why the observer, not the worker's Context, knows).
        Context context = Context.current();
        ServerCallStreamObserver<GenerateResponse> call = response instanceof ServerCallStreamObserver<GenerateResponse> s
                ? s : null;
        // A bad request throws here (mapped by GrpcErrorMapper); the answer comes when the call's
        // sequences are done, and this worker thread is free meanwhile.
        generation.generateAsync(request, () -> context.isCancelled() || (call != null && call.isCancelled()))
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
