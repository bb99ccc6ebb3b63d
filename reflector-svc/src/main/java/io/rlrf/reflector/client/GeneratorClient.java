package io.rlrf.reflector.client;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.rlrf.api.generator.v1.DescribeModelRequest;
import io.rlrf.api.generator.v1.DescribeModelResponse;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.common.error.ServiceException;
import io.rlrf.reflector.config.ReflectorConfig;

/**
 * The one wrapper around generator-svc: every call gets the configured deadline, UNAVAILABLE and
 * DEADLINE_EXCEEDED are retried with exponential back-off, and failures become the
 * {@link ServiceException} the reflector's caller should see (generator-svc down or without a model
 * is UNAVAILABLE; a version mismatch stays FAILED_PRECONDITION).
 */
@ApplicationScoped
public class GeneratorClient {

    private final GeneratorGrpc.GeneratorBlockingStub stub;
    private final ReflectorConfig.Generator config;

    public GeneratorClient(@GrpcClient("generator") GeneratorGrpc.GeneratorBlockingStub stub, ReflectorConfig config) {
        this.stub = stub;
        this.config = config.generator();
    }

    public DescribeModelResponse describeModel() {
        return call("DescribeModel", s -> s.describeModel(DescribeModelRequest.getDefaultInstance()));
    }

    public GenerateResponse generate(GenerateRequest request) {
        return call("Generate", s -> s.generate(request));
    }

    private <T> T call(String rpc, Function<GeneratorGrpc.GeneratorBlockingStub, T> call) {
        long backoff = config.retryBackoff().toMillis();
        for (int attempt = 1;; attempt++) {
            try {
                return call.apply(stub.withDeadlineAfter(config.deadline().toMillis(), TimeUnit.MILLISECONDS));
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                boolean retryable = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
                if (!retryable || attempt >= config.maxAttempts()) {
                    throw translate(rpc, e, attempt);
                }
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw ServiceException.unavailable("interrupted while waiting to retry generator-svc " + rpc);
            }
            backoff *= 2;
        }
    }

    private static ServiceException translate(String rpc, StatusRuntimeException e, int attempts) {
        String detail = e.getStatus().getDescription() == null ? e.getStatus().getCode().name()
                : e.getStatus().getDescription();
        return switch (e.getStatus().getCode()) {
            case UNAVAILABLE, DEADLINE_EXCEEDED -> ServiceException.unavailable("generator-svc " + rpc + " failed after "
                    + attempts + " attempt(s): " + e.getStatus().getCode() + ": " + detail);
            case FAILED_PRECONDITION -> ServiceException.failedPrecondition("generator-svc: " + detail);
            case INVALID_ARGUMENT, RESOURCE_EXHAUSTED -> new ServiceException(
                    e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT ? ServiceException.Kind.INVALID_ARGUMENT
                            : ServiceException.Kind.LIMIT_EXCEEDED,
                    "generator-svc refused the reflection prompt: " + detail);
            default -> new ServiceException(ServiceException.Kind.UNAVAILABLE,
                    "generator-svc " + rpc + " failed: " + e.getStatus().getCode() + ": " + detail);
        };
    }
}
