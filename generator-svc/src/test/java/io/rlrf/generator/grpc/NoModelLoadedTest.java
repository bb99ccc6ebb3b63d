package io.rlrf.generator.grpc;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status.Code;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.rlrf.api.generator.v1.DescribeModelRequest;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.api.generator.v1.ModelState;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.generator.service.ModelStore;

/**
 * A generator-svc started with no initial version: Generate answers UNAVAILABLE ("model is
 * loading"), readiness is DOWN and DescribeModel says LOADING, until LoadCheckpoint loads one.
 */
@QuarkusTest
@TestProfile(NoModelLoadedTest.NoInitialVersion.class)
class NoModelLoadedTest {

    public static class NoInitialVersion implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlrf.generator.store.initial-version", "");
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

    @Test
    void withoutAModelGenerateIsUnavailableAndReadinessIsDownUntilACheckpointLoads() throws Exception {
        var stub = GeneratorGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        var error = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
                () -> stub.generate(GenerateRequest.newBuilder().addPrompts(Prompt.newBuilder().setText("hi")).setN(1).build()));
        assertEquals(Code.UNAVAILABLE, error.getStatus().getCode());
        assertEquals(true, error.getStatus().getDescription().startsWith("model is loading"), error.getStatus().toString());
        given().get("/q/health/ready").then().statusCode(503).body("checks.find { it.name == 'policy-model' }.data.state",
                equalTo("LOADING"));
        assertEquals(ModelState.MODEL_STATE_LOADING, stub.describeModel(DescribeModelRequest.getDefaultInstance()).getState());

        Path store = Path.of("target/test-models");
        if (!Files.exists(store.resolve("tiny/late/config.json"))) {
            ModelStore.createTinyCheckpoint(store.resolve("tiny/late"), 9);
        }
        var loaded = stub.loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("tiny/late").build());
        assertEquals("", loaded.getPreviousVersion());
        given().get("/q/health/ready").then().statusCode(200);
        assertEquals("tiny/late", stub.generate(GenerateRequest.newBuilder().addPrompts(Prompt.newBuilder().setText("hi"))
                .setN(1).build()).getAnswers(0).getPolicyVersion());
    }
}
