package io.rlrf.trainer.grpc;

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
import io.rlrf.api.trainer.v1.CancelRunRequest;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.ResumeRunRequest;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.TrainerGrpc;
import io.rlrf.common.testing.ServiceProcess;

/**
 * With an access token configured, the RPCs that change state (StartRun, CancelRun, ResumeRun)
 * refuse callers without it; reads such as GetRun, and StartRun with validate_only, stay open.
 */
@QuarkusTest
@TestProfile(AccessTokenTest.WithToken.class)
class AccessTokenTest {

    public static class WithToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlrf.trainer.access-token", "s3cret");
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

    private TrainerGrpc.TrainerBlockingStub stub(String authorization) {
        TrainerGrpc.TrainerBlockingStub stub = TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        if (authorization == null) {
            return stub;
        }
        return ServiceProcess.withAuthorization(stub, authorization);
    }

    @Test
    void stateChangingRpcsWithoutTheTokenAreUnauthenticated() {
        for (Runnable call : new Runnable[] {
                () -> stub(null).startRun(StartRunRequest.newBuilder().setRunId("r-1").build()),
                () -> stub(null).cancelRun(CancelRunRequest.newBuilder().setRunId("r-1").build()),
                () -> stub("Bearer nope").resumeRun(ResumeRunRequest.newBuilder().setRunId("r-1").build())}) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
            assertEquals(Code.UNAUTHENTICATED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("rlrf.trainer.access-token"), e.getStatus().getDescription());
        }
    }

    @Test
    void withTheTokenCallsReachTheServiceAndReadsNeverNeedIt() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub("Bearer s3cret").cancelRun(CancelRunRequest.newBuilder().setRunId("no-such-run").build()));
        assertEquals(Code.NOT_FOUND, e.getStatus().getCode(), "past the guard, the run store answers");
        e = assertThrows(StatusRuntimeException.class,
                () -> stub(null).getRun(GetRunRequest.newBuilder().setRunId("no-such-run").build()));
        assertEquals(Code.NOT_FOUND, e.getStatus().getCode(), "GetRun is not guarded");
    }

    @Test
    void startRunWithValidateOnlyNeedsNoToken() {
        // validate_only creates nothing (trainer.proto: "Needs no token"): the config rules answer.
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub(null).startRun(StartRunRequest.newBuilder().setValidateOnly(true).build()));
        assertEquals(Code.INVALID_ARGUMENT, e.getStatus().getCode(), String.valueOf(e.getStatus()));
        assertTrue(e.getStatus().getDescription().startsWith("config.mode is required"), e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class,
                () -> stub(null).startRun(StartRunRequest.newBuilder().setValidateOnly(false).build()));
        assertEquals(Code.UNAUTHENTICATED, e.getStatus().getCode(), "without validate_only the token is needed");
    }
}
