package io.rlrf.reward.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.RewardGrpc;
import io.rlrf.common.testing.InfinispanServerResource;
import io.rlrf.common.testing.FakeChatCompletionsServer;
import io.rlrf.common.testing.FakeChatCompletionsServer.Reply;

/**
 * The model judge's feedback goes through the same "feedback" cache as the verifier's (a real
 * Infinispan Server on free ports, {@link InfinispanServerResource}): a repeated Evaluate is answered
 * without reaching the model again, and failures are not cached. The model is a real local HTTP
 * server speaking the chat-completions API with scripted replies ({@link FakeChatCompletionsServer}):
 * no language model can run in these tests.
 */
@QuarkusTest
@TestProfile(ModelJudgeCacheGrpcTest.Profile.class)
class ModelJudgeCacheGrpcTest {

    /** The scripted endpoint, with the feedback cache on. */
    public static class CachedEndpoint implements QuarkusTestResourceLifecycleManager {
        static volatile FakeChatCompletionsServer server;

        @Override
        public Map<String, String> start() {
            server = new FakeChatCompletionsServer().respondWith(request -> {
                String all = request.path("messages").toString();
                if (all.contains("OFFLINE")) {
                    return Reply.status(503, "{\"error\": \"model is loading\"}");
                }
                if (all.contains("GARBLE")) {
                    return Reply.content("Looks fine, 3/3!");
                }
                if (FakeChatCompletionsServer.lastUserMessage(request).contains("Choose the aspects")) {
                    return Reply.content("{\"aspects\": [\"factuality\"]}");
                }
                return Reply.content("{\"rating\": 2, \"critique\": \"The date is off by one year.\"}");
            });
            return Map.of("rlrf.reward.model-judge.backend", "openai",
                    "rlrf.reward.model-judge.openai.url", server.baseUrl(),
                    "rlrf.reward.model-judge.openai.model", "fake-judge",
                    "rlrf.reward.model-judge.max-attempts", "1",
                    "rlrf.reward.model-judge.max-retries", "0");
        }

        @Override
        public void stop() {
            server.close();
        }
    }

    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(InfinispanServerResource.class), new TestResourceEntry(CachedEndpoint.class));
        }
    }

    private static Feedback evaluateOne(String prompt) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
        try {
            return RewardGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .evaluate(request(prompt).build()).getFeedback(0);
        } finally {
            channel.shutdownNow();
        }
    }

    private static EvaluateRequest.Builder request(String... prompts) {
        EvaluateRequest.Builder request = EvaluateRequest.newBuilder().setTask("open");
        for (String p : prompts) {
            request.addItems(EvaluationItem.newBuilder().setId("c-" + request.getItemsCount()).setPrompt(p)
                    .setAnswer("The Eiffel Tower opened in 1888."));
        }
        return request;
    }

    @Test
    void aRepeatedEvaluateIsServedFromTheCacheWithoutReachingTheModel() {
        int before = CachedEndpoint.server.requests().size();
        Feedback first = evaluateOne("When did the Eiffel Tower open?");
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_OK, first.getStatus());
        assertFalse(first.getCached());
        int asked = CachedEndpoint.server.requests().size();
        assertEquals(2, asked - before, "aspect selection and one rating");

        Feedback again = evaluateOne("When did the Eiffel Tower open?");
        assertTrue(again.getCached());
        assertEquals(first.getId(), again.getId(), "the same key");
        assertEquals(first.getAspectsList(), again.getAspectsList());
        assertEquals("The date is off by one year.", again.getAspects(0).getCritique());
        assertEquals(asked, CachedEndpoint.server.requests().size(), "the model was not asked again");
    }

    @Test
    void aJudgeFailureIsNotCachedSoTheNextCallAsksTheModelAgain() {
        Feedback failed = evaluateOne("GARBLE: when did the Eiffel Tower open?");
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_JUDGE_FAILURE, failed.getStatus());
        int asked = CachedEndpoint.server.requests().size();
        Feedback again = evaluateOne("GARBLE: when did the Eiffel Tower open?");
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_JUDGE_FAILURE, again.getStatus());
        assertFalse(again.getCached());
        assertTrue(CachedEndpoint.server.requests().size() > asked, "judged again");
    }

    @Test
    void whatWasJudgedBeforeTheBackendFailedIsCachedForTheRetry() {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
        try {
            var e = assertThrows(StatusRuntimeException.class, () -> RewardGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .evaluate(request("Who designed the Eiffel Tower?", "OFFLINE: who built it?").build()));
            assertEquals(Code.UNAVAILABLE, e.getStatus().getCode());
        } finally {
            channel.shutdownNow();
        }
        assertTrue(evaluateOne("Who designed the Eiffel Tower?").getCached(),
                "items[0] was judged before items[1] failed the call, and kept");
    }
}
