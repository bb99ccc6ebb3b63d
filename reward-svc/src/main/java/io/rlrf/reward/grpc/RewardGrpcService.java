package io.rlrf.reward.grpc;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluateResponse;
import io.rlrf.api.reward.v1.ListAspectsRequest;
import io.rlrf.api.reward.v1.ListAspectsResponse;
import io.rlrf.api.reward.v1.ListRubricsRequest;
import io.rlrf.api.reward.v1.ListRubricsResponse;
import io.rlrf.api.reward.v1.RewardGrpc;
import io.rlrf.common.grpc.CallCancellationInterceptor;
import io.rlrf.common.grpc.MalformedRequests;
import io.rlrf.reward.service.FeedbackService;
import io.smallrye.common.annotation.Blocking;

/** Thin gRPC adapter: errors thrown here are mapped by the shared GrpcErrorMapper. */
@GrpcService
@Blocking
public class RewardGrpcService implements RewardGrpc.AsyncService, BindableService {

    private final FeedbackService feedback;

    public RewardGrpcService(FeedbackService feedback) {
        this.feedback = feedback;
    }

    /** Requests that do not parse are refused with INVALID_ARGUMENT (see {@link MalformedRequests}). */
    @Override
    public ServerServiceDefinition bindService() {
        return MalformedRequests.guard(RewardGrpc.bindService(this));
    }

    @Override
    public void evaluate(EvaluateRequest request, StreamObserver<EvaluateResponse> response) {
        // Judging stops once the caller cancels or its deadline passes.
        response.onNext(feedback.evaluate(request, CallCancellationInterceptor.cancelled(response)));
        response.onCompleted();
    }

    @Override
    public void listAspects(ListAspectsRequest request, StreamObserver<ListAspectsResponse> response) {
        response.onNext(feedback.listAspects());
        response.onCompleted();
    }

    @Override
    public void listRubrics(ListRubricsRequest request, StreamObserver<ListRubricsResponse> response) {
        response.onNext(feedback.listRubrics());
        response.onCompleted();
    }
}
