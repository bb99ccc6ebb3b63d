package io.rlrf.generator.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.rlrf.api.generator.v1.DescribeModelRequest;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.common.testing.ServiceProcess;

/** With an access token configured, LoadCheckpoint refuses callers without it; reads stay open. */
@QuarkusTest
@TestProfile(AccessTokenTest.WithToken.class)
class AccessTokenTest {

    public static class WithToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlrf.generator.access-token", "s3cret");
        }
    }

    private ManagedChannel channel;

    @BeforeEach
    void openChannel() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
    }

    @AfterEach
    void closeChannel() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private GeneratorGrpc.GeneratorBlockingStub stub(String authorization) {
        GeneratorGrpc.GeneratorBlockingStub stub = GeneratorGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        if (authorization == null) {
            return stub;
        }
        return ServiceProcess.withAuthorization(stub, authorization);
    }

    private static LoadCheckpointRequest load() {
        return LoadCheckpointRequest.newBuilder().setVersion("no/such/version").build();
    }

    @Test
    void loadCheckpointWithoutTheTokenIsUnauthenticatedAndSaysHowToAuthenticate() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub(null).loadCheckpoint(load()));
        assertEquals(Code.UNAUTHENTICATED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("authorization: Bearer <token>"), e.getStatus().getDescription());
        assertTrue(e.getStatus().getDescription().contains("rlrf.generator.access-token"), e.getStatus().getDescription());

        e = assertThrows(StatusRuntimeException.class, () -> stub("Bearer wrong").loadCheckpoint(load()));
        assertEquals(Code.UNAUTHENTICATED, e.getStatus().getCode());
    }

    @Test
    void withTheTokenLoadCheckpointReachesTheServiceAndReadsNeverNeedIt() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub("Bearer s3cret").loadCheckpoint(load()));
        assertEquals(Code.NOT_FOUND, e.getStatus().getCode(), "past the guard, the store answers");
        assertTrue(stub(null).describeModel(DescribeModelRequest.getDefaultInstance()).hasLimits());
    }
}
