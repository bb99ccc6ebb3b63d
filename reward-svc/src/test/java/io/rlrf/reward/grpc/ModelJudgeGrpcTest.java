package io.rlrf.reward.grpc;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.grpc.Status.Code;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluateResponse;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.JudgeKind;
import io.rlrf.api.reward.v1.ListRubricsRequest;
import io.rlrf.api.reward.v1.RewardGrpc;
import io.rlrf.common.testing.ServiceConformanceTests;
import io.rlrf.reward.client.FakeChatCompletionsServer;
import io.rlrf.reward.client.FakeChatCompletionsServer.Reply;

/**
 * The model judge end to end over gRPC, with the OpenAI-compatible backend pointed at
 * {@link FakeChatCompletionsServer}: no real chat-completions endpoint (vLLM, Ollama, a hosted API)
 * runs on the build machines, so a small local HTTP server plays the model. It selects two aspects
 * and rates them, except for prompts containing "GARBLE" (it never answers in the schema) and
 * "OFFLINE" (it answers HTTP 503). The cache is off here: this test is about the judge.
 */
@QuarkusTest
@TestProfile(ModelJudgeGrpcTest.Profile.class)
class ModelJudgeGrpcTest extends ServiceConformanceTests {

    /** Runs the fake endpoint for the application's lifetime. */
    public static class FakeEndpoint implements QuarkusTestResourceLifecycleManager {
        /** The endpoint of the running application, for tests that count its requests. */
        static volatile FakeChatCompletionsServer server;

        @Override
        public Map<String, String> start() {
            server = new FakeChatCompletionsServer().respondWith(request -> {
                String asked = FakeChatCompletionsServer.lastUserMessage(request);
                String all = request.path("messages").toString();
                if (all.contains("SLOW")) {
                    try {
                        Thread.sleep(400);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (all.contains("OFFLINE")) {
                    return Reply.status(503, "{\"error\": \"model is loading\"}");
                }
                if (all.contains("GARBLE")) {
                    return Reply.content("The answer looks fine to me, 3/3!");
                }
                if (asked.contains("Choose the aspects")) {
                    return Reply.content("{\"aspects\": [\"comprehension\", \"conciseness\"]}");
                }
                return asked.contains("Comprehension")
                        ? Reply.content("{\"rating\": 2, \"critique\": \"Only the first half of the question is answered.\"}")
                        : Reply.content("{\"rating\": 3, \"critique\": \"\"}");
            });
            return Map.of("rlrf.reward.model-judge.backend", "openai",
                    "rlrf.reward.model-judge.openai.url", server.baseUrl(),
                    "rlrf.reward.model-judge.openai.model", "fake-judge",
                    "rlrf.reward.model-judge.max-attempts", "2",
                    "rlrf.reward.cache.enabled", "false");
        }

        @Override
        public void stop() {
            server.close();
        }
    }

    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeEndpoint.class));
        }
    }

    @Override
    protected String grpcServiceName() {
        return "rlrf.reward.v1.Reward";
    }

    private RewardGrpc.RewardBlockingStub stub() {
        return RewardGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static EvaluationItem item(String prompt) {
        return EvaluationItem.newBuilder().setId("o-1").setPrompt(prompt)
                .setAnswer("Paris is the capital of France.").build();
    }

    @Test
    void openPromptsGetSelectedAspectsRatingsAndCritiques() {
        Feedback feedback = stub().evaluate(EvaluateRequest.newBuilder().setTask("open")
                .addItems(item("What is the capital of France, and why did it become the capital?")).build())
                .getFeedback(0);
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_OK, feedback.getStatus());
        assertEquals("model-openai", feedback.getJudgeId());
        assertEquals(List.of("comprehension", "conciseness"),
                feedback.getAspectsList().stream().map(a -> a.getAspect()).toList());
        assertEquals(2, feedback.getAspects(0).getRating());
        assertEquals("Only the first half of the question is answered.", feedback.getAspects(0).getCritique());
        assertEquals(0.75, feedback.getScore());
        assertFalse(feedback.getCached());
    }

    @Test
    void aJudgeThatNeverAnswersInTheSchemaGivesAJudgeFailureNotAScore() {
        EvaluateResponse response = stub().evaluate(EvaluateRequest.newBuilder().setTask("open")
                .addItems(item("GARBLE: what is the capital of France?")).addItems(item("What is the capital of Spain?"))
                .build());
        Feedback failed = response.getFeedback(0);
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_JUDGE_FAILURE, failed.getStatus());
        assertFalse(failed.hasScore());
        assertTrue(failed.getFailureReason().contains("after 2 attempts"), failed.getFailureReason());
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_OK, response.getFeedback(1).getStatus(), "one failure spoils no other item");
        String metrics = given().accept("text/plain; version=0.0.4").when().get("/q/metrics").then().extract().asString();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("rlrf_reward_judge_parse_failures_total{")
                && l.contains("judge=\"model-openai\"")), "parse failures counted");
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("rlrf_reward_evaluations_total{")
                && l.contains("status=\"judge_failure\"")), "judge failures counted");
    }

    @Test
    void judgingStopsOnceTheCallersDeadlineHasPassed() throws Exception {
        // Each item costs three slow backend requests (aspect selection, two ratings): about 1.2 s.
        EvaluateRequest.Builder request = EvaluateRequest.newBuilder().setTask("open");
        for (int i = 0; i < 4; i++) {
            request.addItems(item("SLOW question " + i + ": what is the capital of France?"));
        }
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
                () -> RewardGrpc.newBlockingStub(channel).withDeadlineAfter(1500, TimeUnit.MILLISECONDS).evaluate(request.build()));
        assertEquals(Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        Thread.sleep(4000); // what the service would still do for the remaining items, had it not stopped
        long slow = FakeEndpoint.server.requests().stream().filter(r -> r.toString().contains("SLOW question")).count();
        assertTrue(slow <= 6, slow + " backend requests: judging went on after the deadline (all four items take 12)");
        grpcHealthReportsServingForTheService();
    }

    @Test
    void anUnavailableBackendIsUnavailable() {
        assertStatus(Code.UNAVAILABLE, "answered HTTP 503",
                () -> stub().evaluate(EvaluateRequest.newBuilder().setTask("open").addItems(item("OFFLINE?")).build()));
    }

    @Test
    void listRubricsIncludesTheModelJudgeAndTheOpenTaskUsesIt() {
        var rubrics = stub().listRubrics(ListRubricsRequest.getDefaultInstance());
        var model = rubrics.getRubricsList().stream().filter(r -> r.getJudgeId().equals("model-openai")).findFirst()
                .orElseThrow();
        assertEquals(JudgeKind.JUDGE_KIND_MODEL, model.getKind());
        assertEquals(17, model.getAspectsCount(), "FLASK's twelve and Just-Eval's five");
        assertTrue(model.getDescription().contains("openai:fake-judge"), model.getDescription());
        assertEquals("model-openai", rubrics.getTasksList().stream().filter(t -> t.getName().equals("open")).findFirst()
                .orElseThrow().getDefaultJudge());
    }

    @Test
    void readinessSaysTheCacheIsDisabled() {
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'feedback-cache' }.data.cache", org.hamcrest.Matchers.equalTo("DISABLED"));
    }
}
