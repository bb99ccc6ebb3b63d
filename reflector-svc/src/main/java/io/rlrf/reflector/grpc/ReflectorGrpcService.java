package io.rlrf.reflector.grpc;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.rlrf.api.reflector.v1.DescribeReflectorRequest;
import io.rlrf.api.reflector.v1.DescribeReflectorResponse;
import io.rlrf.api.reflector.v1.RefineRequest;
import io.rlrf.api.reflector.v1.RefineResponse;
import io.rlrf.api.reflector.v1.ReflectorGrpc;
import io.rlrf.common.grpc.MalformedRequests;
import io.rlrf.reflector.service.ReflectionService;
import io.smallrye.common.annotation.Blocking;

/** Thin gRPC adapter: errors thrown here are mapped by the shared GrpcErrorMapper. */
@GrpcService
@Blocking
public class ReflectorGrpcService implements ReflectorGrpc.AsyncService, BindableService {

    private final ReflectionService reflection;

    public ReflectorGrpcService(ReflectionService reflection) {
        this.reflection = reflection;
    }

    /** Requests that do not parse are refused with INVALID_ARGUMENT (see {@link MalformedRequests}). */
    @Override
    public ServerServiceDefinition bindService() {
        return MalformedRequests.guard(ReflectorGrpc.bindService(this));
    }

    @Override
    public void refine(RefineRequest request, StreamObserver<RefineResponse> response) {
        response.onNext(reflection.refine(request));
        response.onCompleted();
    }

    @Override
    public void describeReflector(DescribeReflectorRequest request, StreamObserver<DescribeReflectorResponse> response) {
        response.onNext(reflection.describe());
        response.onCompleted();
    }
}
