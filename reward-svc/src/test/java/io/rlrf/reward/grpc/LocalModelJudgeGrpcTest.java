package io.rlrf.reward.grpc;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluateResponse;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.ListRubricsRequest;
import io.rlrf.api.reward.v1.RewardGrpc;
import io.rlrf.common.testing.ServiceConformanceTests;
import io.rlrf.reward.client.LocalModelChatBackendTest;

/**
 * The model judge on the local backend, end to end over gRPC: reward-svc loads a real checkpoint
 * through the model library and generates its judge replies in process. The checkpoint is tiny and
 * untrained (no trained judge model exists offline), so its replies never match the JSON schema:
 * this proves the whole path (prompt, generation, parsing, bounded retries) ends in a reported
 * judge failure and never in a made-up score.
 */
@QuarkusTest
@TestProfile(LocalModelJudgeGrpcTest.Profile.class)
class LocalModelJudgeGrpcTest extends ServiceConformanceTests {

    /** Writes a tiny checkpoint for the application's lifetime. */
    public static class TinyJudge implements QuarkusTestResourceLifecycleManager {
        private Path dir;

        @Override
        public Map<String, String> start() {
            try {
                dir = Files.createTempDirectory("local-judge");
                Path ckpt = LocalModelChatBackendTest.tinyCheckpoint(dir.resolve("tiny-judge"), 4096, true);
                return Map.of("rlrf.reward.model-judge.backend", "local",
                        "rlrf.reward.model-judge.local.checkpoint", ckpt.toString(),
                        "rlrf.reward.model-judge.max-attempts", "2",
                        "rlrf.reward.model-judge.max-tokens", "32",
                        "rlrf.reward.cache.enabled", "false");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void stop() {
            // the temporary checkpoint is left for the OS to clean; it is a few hundred KiB
        }
    }

    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TinyJudge.class));
        }
    }

    @Override
    protected String grpcServiceName() {
        return "rlrf.reward.v1.Reward";
    }

    private RewardGrpc.RewardBlockingStub stub() {
        return RewardGrpc.newBlockingStub(channel).withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void anUntrainedLocalJudgeEndsInAReportedJudgeFailureNotAScore() {
        EvaluateResponse response = stub().evaluate(EvaluateRequest.newBuilder().setTask("open")
                .addItems(EvaluationItem.newBuilder().setId("a").setPrompt("What is the capital of France?")
                        .setAnswer("Paris."))
                .build());
        Feedback f = response.getFeedback(0);
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_JUDGE_FAILURE, f.getStatus());
        assertFalse(f.hasScore());
        assertTrue(f.getFailureReason().contains("after 2 attempts"), f.getFailureReason());
        assertTrue(f.getJudgeId().equals("model-local"), f.getJudgeId());
        String metrics = given().accept("text/plain; version=0.0.4").when().get("/q/metrics").then().extract().asString();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("rlrf_reward_judge_parse_failures_total{")
                && l.contains("judge=\"model-local\"")), "parse failures counted");
    }

    @Test
    void listRubricsNamesTheLocalJudge() {
        assertTrue(stub().listRubrics(ListRubricsRequest.getDefaultInstance()).getRubricsList().stream()
                .anyMatch(r -> r.getJudgeId().equals("model-local")));
    }
}
