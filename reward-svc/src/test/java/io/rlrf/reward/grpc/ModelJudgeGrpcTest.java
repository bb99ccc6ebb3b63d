package io.rlrf.reward.grpc;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

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
import io.rlrf.common.testing.FakeChatCompletionsServer;
import io.rlrf.common.testing.FakeChatCompletionsServer.Reply;

/**
 * The model judge end to end over gRPC, with the OpenAI-compatible backend pointed at
 * {@link FakeChatCompletionsServer}: no language model can run in these tests (and no real
 * chat-completions endpoint such as vLLM, Ollama or a hosted API is reachable), so a real local HTTP
 * server answers with scripted replies. It selects two aspects and rates them, except for prompts
 * containing "GARBLE" (it never answers in the schema), "OFFLINE" (HTTP 503), "BUSY" (HTTP 429 with a
 * Retry-After of an hour, above the cap); "SLOW" and "PARALLEL" replies take 400 and 200 ms. At most
 * 2 judge prompts are in flight (max-concurrency). The cache is off here: this test is about the judge.
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
            server = new FakeChatCompletionsServer().respondWith(FakeEndpoint::respond);
            return Map.of("rlrf.reward.model-judge.backend", "openai",
                    "rlrf.reward.model-judge.openai.url", server.baseUrl(),
                    "rlrf.reward.model-judge.openai.model", "fake-judge",
                    "rlrf.reward.model-judge.max-attempts", "2",
                    "rlrf.reward.model-judge.max-concurrency", "2",
                    "rlrf.reward.model-judge.max-retry-wait", "10s",
                    "rlrf.reward.model-judge.retry-backoff", "50ms",
                    "rlrf.reward.cache.enabled", "false");
        }

        static Reply respond(JsonNode request) {
            String asked = FakeChatCompletionsServer.lastUserMessage(request);
            String all = request.path("messages").toString();
            long delay = all.contains("SLOW") ? 400 : all.contains("PARALLEL") ? 200 : 0;
            if (all.contains("OFFLINE")) {
                return Reply.status(503, "{\"error\": \"model is loading\"}");
            }
            if (all.contains("BUSY")) {
                return Reply.status(429, "{\"error\": \"rate limited\"}").retryAfter("3600");
            }
            if (all.contains("GARBLE")) {
                return Reply.content("The answer looks fine to me, 3/3!");
            }
            if (asked.contains("Choose the aspects")) {
                return Reply.content("{\"aspects\": [\"comprehension\", \"conciseness\"]}").after(delay);
            }
            // The critique names the item's question, so a test can see answers come back in order.
            String question = all.replaceAll(".*?(PARALLEL question \\d+).*", "$1");
            return (asked.contains("Comprehension")
                    ? Reply.content("{\"rating\": 2, \"critique\": \"Only the first half of "
                            + (question.startsWith("PARALLEL") ? question : "the question") + " is answered.\"}")
                    : Reply.content("{\"rating\": 3, \"critique\": \"\"}")).after(delay);
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
        // Each item costs three slow backend requests (aspect selection, two ratings) of 400 ms, two
        // at a time: the 4 items (max-batch) take about 2.4 s.
        EvaluateRequest.Builder request = EvaluateRequest.newBuilder().setTask("open");
        for (int i = 0; i < 4; i++) {
            request.addItems(item("SLOW question " + i + ": what is the capital of France?"));
        }
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
                () -> RewardGrpc.newBlockingStub(channel).withDeadlineAfter(1000, TimeUnit.MILLISECONDS).evaluate(request.build()));
        assertEquals(Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        Thread.sleep(3000); // what the service would still do for the remaining items, had it not stopped
        long slow = FakeEndpoint.server.requests().stream().filter(r -> r.toString().contains("SLOW question")).count();
        assertTrue(slow <= 8, slow + " backend requests: judging went on after the deadline (all four items take 12)");
        grpcHealthReportsServingForTheService();
    }

    @Test
    void itemsAreJudgedConcurrentlyWithinTheSharedLimitAndAnsweredInRequestOrder() throws Exception {
        FakeEndpoint.server.reset();
        FakeEndpoint.server.respondWith(FakeEndpoint::respond);
        EvaluateRequest.Builder request = EvaluateRequest.newBuilder().setTask("open");
        for (int i = 0; i < 4; i++) {
            request.addItems(item("PARALLEL question " + i + ": what is the capital of France?").toBuilder()
                    .setId("p-" + i));
        }
        // Two calls at once: the limit is the server's, not each call's.
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var first = pool.submit(() -> stub().evaluate(request.build()));
            var second = pool.submit(() -> stub().evaluate(request.build()));
            for (EvaluateResponse response : List.of(first.get(), second.get())) {
                for (int i = 0; i < 4; i++) {
                    Feedback f = response.getFeedback(i);
                    assertEquals("p-" + i, f.getItemId());
                    assertEquals(FeedbackStatus.FEEDBACK_STATUS_OK, f.getStatus());
                    assertEquals("Only the first half of PARALLEL question " + i + " is answered.",
                            f.getAspects(0).getCritique(), "the feedback of items[" + i + "] is its own");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        int max = FakeEndpoint.server.maxInFlight();
        assertTrue(max <= 2, max + " judge prompts in flight; rlrf.reward.model-judge.max-concurrency is 2");
        assertTrue(max > 1, "the prompts were sent one at a time");
        String metrics = given().accept("text/plain; version=0.0.4").when().get("/q/metrics").then().extract().asString();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("rlrf_reward_judge_in_flight{") && l.contains("model-openai")),
                "in-flight gauge");
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("rlrf_reward_judge_http_calls_total{")
                && l.contains("outcome=\"ok\"")), "HTTP calls by outcome");
    }

    @Test
    void aRetryAfterAboveTheCapIsUnavailableNamingTheWait() {
        assertStatus(Code.UNAVAILABLE, "3600 s",
                () -> stub().evaluate(EvaluateRequest.newBuilder().setTask("open").addItems(item("BUSY?")).build()));
        String metrics = given().accept("text/plain; version=0.0.4").when().get("/q/metrics").then().extract().asString();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("rlrf_reward_judge_http_calls_total{")
                && l.contains("outcome=\"rate_limited\"")), "429s counted");
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
