package io.rlrf.common.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.stub.StreamObserver;
import io.rlrf.api.generator.v1.DescribeModelRequest;
import io.rlrf.api.generator.v1.DescribeModelResponse;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.common.error.ServiceException;

/** The one peer-call policy, against a real gRPC server on loopback that answers scripted statuses. */
class PeerCallTest {

    private final Deque<Status> script = new ArrayDeque<>();
    private final AtomicInteger calls = new AtomicInteger();
    private Server server;
    private ManagedChannel channel;
    private GeneratorGrpc.GeneratorBlockingStub stub;

    @BeforeEach
    void start() throws Exception {
        // Binds every interface on a free port; the channel dials loopback.
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(new GeneratorGrpc.GeneratorImplBase() {
            @Override
            public void describeModel(DescribeModelRequest request, StreamObserver<DescribeModelResponse> out) {
                calls.incrementAndGet();
                Status next = script.poll();
                if (next == null || next.isOk()) {
                    out.onNext(DescribeModelResponse.getDefaultInstance());
                    out.onCompleted();
                } else {
                    out.onError(next.asRuntimeException());
                }
            }
        }).build().start();
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
                .build();
        stub = GeneratorGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private DescribeModelResponse call(int attempts) {
        return PeerCall.call("generator-svc", "DescribeModel", stub,
                new PeerCall.Policy(Duration.ofSeconds(5), attempts, Duration.ZERO),
                s -> s.describeModel(DescribeModelRequest.getDefaultInstance()));
    }

    @Test
    void unavailableIsRetriedUntilTheCallSucceeds() {
        script.add(Status.UNAVAILABLE);
        script.add(Status.DEADLINE_EXCEEDED);
        call(3);
        assertEquals(3, calls.get());
    }

    @Test
    void afterTheLastAttemptTheFailureNamesPeerRpcAttemptsAndStatus() {
        script.add(Status.UNAVAILABLE.withDescription("connection refused"));
        script.add(Status.UNAVAILABLE.withDescription("connection refused"));
        ServiceException e = assertThrows(ServiceException.class, () -> call(2));
        assertEquals(ServiceException.Kind.UNAVAILABLE, e.kind());
        assertEquals("generator-svc DescribeModel failed after 2 attempt(s): UNAVAILABLE: connection refused",
                e.getMessage());
    }

    @Test
    void invalidArgumentIsNeitherRetriedNorTurnedIntoUnavailable() {
        script.add(Status.INVALID_ARGUMENT.withDescription("prompts[0].text is empty"));
        ServiceException e = assertThrows(ServiceException.class, () -> call(3));
        assertEquals(1, calls.get());
        assertEquals(ServiceException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().endsWith("INVALID_ARGUMENT: prompts[0].text is empty"), e.getMessage());
    }

    @Test
    void eachStatusHasOneKind() {
        assertEquals(ServiceException.Kind.LIMIT_EXCEEDED, kindOf(Status.RESOURCE_EXHAUSTED));
        assertEquals(ServiceException.Kind.FAILED_PRECONDITION, kindOf(Status.FAILED_PRECONDITION));
        assertEquals(ServiceException.Kind.FAILED_PRECONDITION, kindOf(Status.UNAUTHENTICATED));
        assertEquals(ServiceException.Kind.NOT_FOUND, kindOf(Status.NOT_FOUND));
        assertEquals(ServiceException.Kind.UNAVAILABLE, kindOf(Status.INTERNAL));
    }

    private ServiceException.Kind kindOf(Status status) {
        script.clear();
        script.add(status);
        return assertThrows(ServiceException.class, () -> call(1)).kind();
    }
}
