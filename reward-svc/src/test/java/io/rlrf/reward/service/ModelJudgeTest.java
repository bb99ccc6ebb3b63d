package io.rlrf.reward.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.common.error.ServiceException;
import io.rlrf.common.testing.FakeChatCompletionsServer;
import io.rlrf.common.testing.FakeChatCompletionsServer.Reply;
import io.rlrf.reward.client.ChatBackend;
import io.rlrf.reward.client.OpenAiChatBackend;

/**
 * The model judge over the OpenAI-compatible backend, against {@link FakeChatCompletionsServer}: no
 * language model can run in these tests (and no real chat-completions endpoint such as vLLM, Ollama
 * or a hosted API is reachable), so a real local HTTP server answers with scripted replies. Proves that replies which do not match the schema are retried
 * a bounded number of times and then reported as a judge failure, never scored; that a well-formed
 * reply round-trips; and that an unreachable backend is UNAVAILABLE.
 */
class ModelJudgeTest {

    private static final int MAX_ATTEMPTS = 3;

    private final FakeChatCompletionsServer server = new FakeChatCompletionsServer();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final EvaluationItem item = EvaluationItem.newBuilder().setId("q-1")
            .setPrompt("Explain why the sky is blue in two sentences.")
            .setAnswer("Because the sea reflects on it.").build();

    @AfterEach
    void close() {
        server.close();
    }

    private ModelJudge judge(String url) {
        return new ModelJudge("model-openai",
                new OpenAiChatBackend(url, "judge-model", Optional.empty(), Duration.ofSeconds(5)),
                new ChatBackend.Options(0.0, 256, true), MAX_ATTEMPTS, 3, new RewardMetrics(registry));
    }

    private double parseFailures() {
        var counter = registry.find("rlrf.reward.judge.parse.failures").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aWellFormedReplyRoundTrips() {
        server.enqueue(Reply.content("{\"rating\": 1, \"critique\": \"The answer blames the sea; the cause is Rayleigh scattering.\"}"));
        Feedback feedback = judge(server.baseUrl()).judge(item, List.of("factuality")).build();
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_OK, feedback.getStatus());
        assertEquals("factuality", feedback.getAspects(0).getAspect());
        assertEquals(1, feedback.getAspects(0).getRating());
        assertEquals("The answer blames the sea; the cause is Rayleigh scattering.", feedback.getAspects(0).getCritique());
        assertEquals(0.0, feedback.getScore());
        assertEquals(1, server.requests().size());
        String asked = FakeChatCompletionsServer.lastUserMessage(server.requests().get(0));
        assertTrue(asked.contains("Factuality") && asked.contains("Because the sea reflects on it.")
                && asked.contains("\"rating\""), asked);
    }

    @Test
    void withoutRequestedAspectsTheModelSelectsThemAndRatesEach() {
        server.enqueue(Reply.content("{\"aspects\": [\"factuality\", \"conciseness\"]}"),
                Reply.content("{\"rating\": 1, \"critique\": \"wrong cause\"}"),
                Reply.content("{\"rating\": 3, \"critique\": \"\"}"));
        Feedback feedback = judge(server.baseUrl()).judge(item, List.of()).build();
        assertEquals(List.of("factuality", "conciseness"),
                feedback.getAspectsList().stream().map(a -> a.getAspect()).toList());
        assertEquals(0.5, feedback.getScore());
        assertTrue(FakeChatCompletionsServer.lastUserMessage(server.requests().get(0)).contains("at most 3"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "malformed: I would rate this a 2.",
            "truncated: {\"rating\": 2, \"critique\": \"the second sent",
            "extra text: {\"rating\": 2, \"critique\": \"vague\"} I hope this helps!",
            "out of range: {\"rating\": 4, \"critique\": \"excellent\"}",
            "not an integer: {\"rating\": 2.5, \"critique\": \"half right\"}",
            "code fence: ```json\n{\"rating\": 2, \"critique\": \"vague\"}\n```",
            "missing critique: {\"rating\": 1, \"critique\": \"\"}",
            "extra key: {\"rating\": 2, \"critique\": \"vague\", \"confidence\": 0.9}" })
    void aReplyThatNeverParsesIsRetriedThenReportedAsJudgeFailure(String scenario) {
        String reply = scenario.substring(scenario.indexOf(": ") + 2);
        server.respondWith(request -> Reply.content(reply));
        Feedback feedback = judge(server.baseUrl()).judge(item, List.of("factuality")).build();
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_JUDGE_FAILURE, feedback.getStatus());
        assertFalse(feedback.hasScore(), "a failure carries no score");
        assertEquals(0, feedback.getAspectsCount());
        assertTrue(feedback.getFailureReason().contains("after " + MAX_ATTEMPTS + " attempts"), feedback.getFailureReason());
        assertEquals(MAX_ATTEMPTS, server.requests().size(), "bounded retries");
        assertEquals(MAX_ATTEMPTS, parseFailures());
    }

    @Test
    void aRetryCarriesTheProblemAndAGoodSecondReplyIsUsed() {
        server.enqueue(Reply.content("Sure! {\"rating\": 2}"), Reply.content("{\"rating\": 2, \"critique\": \"vague\"}"));
        Feedback feedback = judge(server.baseUrl()).judge(item, List.of("readability")).build();
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_OK, feedback.getStatus());
        assertEquals(2, feedback.getAspects(0).getRating());
        String correction = FakeChatCompletionsServer.lastUserMessage(server.requests().get(1));
        assertTrue(correction.contains("did not match the required format"), correction);
        assertEquals(1, parseFailures());
    }

    @Test
    void aBodyThatIsNotAChatCompletionIsRetriedLikeAnUnparsableReply() {
        server.enqueue(Reply.status(200, "upstream said: overloaded"), Reply.content("{\"rating\": 3, \"critique\": \"\"}"));
        Feedback feedback = judge(server.baseUrl()).judge(item, List.of("readability")).build();
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_OK, feedback.getStatus());
        assertEquals(3, feedback.getAspects(0).getRating());
        assertEquals(2, server.requests().size());
        assertEquals(1, parseFailures());
    }

    @Test
    void anItemsAspectRatingsAreAskedConcurrentlyWithinTheLimitAndKeptInOrder() {
        // Each rating takes 300 ms at the server, so prompts sent together overlap there.
        server.respondWith(request -> {
            String asked = FakeChatCompletionsServer.lastUserMessage(request);
            int rating = asked.contains("Factuality") ? 1 : asked.contains("Conciseness") ? 2 : 3;
            return Reply.content("{\"rating\": " + rating + ", \"critique\": \"" + (rating < 3 ? "fix it" : "") + "\"}")
                    .after(300);
        });
        ModelJudge judge = new ModelJudge("model-openai",
                new OpenAiChatBackend(server.baseUrl(), "judge-model", Optional.empty(), Duration.ofSeconds(5)),
                new ChatBackend.Options(0.0, 256, true), MAX_ATTEMPTS, 3, 2, new RewardMetrics(registry));
        Feedback feedback = judge.judge(item, List.of("factuality", "conciseness", "readability")).build();
        assertEquals(List.of(1, 2, 3), feedback.getAspectsList().stream().map(a -> a.getRating()).toList(),
                "ratings in the order of the aspects");
        assertEquals(3, server.requests().size());
        assertTrue(server.maxInFlight() <= 2, server.maxInFlight() + " prompts in flight; the limit is 2");
        assertTrue(server.maxInFlight() > 1, "the ratings were asked one at a time");
        assertEquals(0.0, registry.find("rlrf.reward.judge.in.flight").gauge().value(), "every slot given back");
    }

    @Test
    void anInvalidAspectSelectionIsAJudgeFailureToo() {
        server.respondWith(request -> Reply.content("{\"aspects\": [\"truthiness\"]}"));
        Feedback feedback = judge(server.baseUrl()).judge(item, List.of()).build();
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_JUDGE_FAILURE, feedback.getStatus());
        assertTrue(feedback.getFailureReason().contains("aspect selection"), feedback.getFailureReason());
    }

    @Test
    void anUnreachableBackendIsUnavailable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ModelJudge judge = judge("http://127.0.0.1:" + port + "/v1");
        var e = assertThrows(ServiceException.class, () -> judge.judge(item, List.of("factuality")));
        assertEquals(ServiceException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("cannot be reached"), e.getMessage());
    }

    @Test
    void aBackendThatRejectsTheRequestIsAFailedPreconditionNamingTheSettings() {
        server.enqueue(Reply.status(404, "{\"error\": \"model 'judge-model' not found\"}"));
        var e = assertThrows(ServiceException.class, () -> judge(server.baseUrl()).judge(item, List.of("factuality")));
        assertEquals(ServiceException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("not found") && e.getMessage().contains("rlrf.reward.model-judge.openai"),
                e.getMessage());
    }
}
