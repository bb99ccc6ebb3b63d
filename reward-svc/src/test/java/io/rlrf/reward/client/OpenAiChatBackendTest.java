package io.rlrf.reward.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.rlrf.common.testing.FakeChatCompletionsServer;

/**
 * The OpenAI-compatible backend against {@link FakeChatCompletionsServer}, a real HTTP server on
 * loopback with scripted replies: no language model can run in these tests (and no real
 * chat-completions endpoint such as vLLM, Ollama or a hosted API is reachable), so the replies are
 * scripted. Covers the retry policy (429/503, Retry-After, the cap) and the timeout.
 */
class OpenAiChatBackendTest {

    private final FakeChatCompletionsServer server = new FakeChatCompletionsServer();
    private final List<ChatBackend.Message> messages = List.of(new ChatBackend.Message("system", "be strict"),
            new ChatBackend.Message("user", "rate this"));
    private final ChatBackend.Options options = new ChatBackend.Options(0.0, 64, true);

    @AfterEach
    void close() {
        server.close();
    }

    private OpenAiChatBackend backend(String url) {
        return new OpenAiChatBackend(url, "judge-model", Optional.of("sk-test"), Duration.ofSeconds(5));
    }

    @Test
    void sendsModelMessagesSamplingAndJsonModeAndReturnsTheContent() throws Exception {
        server.enqueue(FakeChatCompletionsServer.Reply.content("{\"rating\": 3, \"critique\": \"\"}"));
        String reply = backend(server.baseUrl()).complete(messages, options);
        assertEquals("{\"rating\": 3, \"critique\": \"\"}", reply);
        JsonNode request = server.requests().get(0);
        assertEquals("judge-model", request.path("model").asText());
        assertEquals("user", request.path("messages").get(1).path("role").asText());
        assertEquals("rate this", request.path("messages").get(1).path("content").asText());
        assertEquals(64, request.path("max_tokens").asInt());
        assertEquals(0.0, request.path("temperature").asDouble());
        assertEquals("json_object", request.path("response_format").path("type").asText());
        assertEquals("Bearer sk-test", server.authorizations().get(0));
    }

    @Test
    void acceptsAUrlThatAlreadyEndsWithTheChatCompletionsPath() throws Exception {
        server.enqueue(FakeChatCompletionsServer.Reply.content("ok"));
        assertEquals("ok", backend(server.baseUrl() + "/chat/completions").complete(messages, options));
    }

    @Test
    void connectionRefusedIsUnavailableAndNamesTheEndpoint() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/v1";
        var e = assertThrows(ChatBackend.UnavailableException.class, () -> backend(url).complete(messages, options));
        assertTrue(e.getMessage().contains("127.0.0.1:" + port) && e.getMessage().contains("cannot be reached"),
                e.getMessage());
    }

    @Test
    void serverErrorsAndRateLimitsAreUnavailableOtherRefusalsAreRejections() {
        server.enqueue(FakeChatCompletionsServer.Reply.status(503, "overloaded"),
                FakeChatCompletionsServer.Reply.status(429, "slow down"),
                FakeChatCompletionsServer.Reply.status(401, "{\"error\": \"bad key\"}"));
        assertThrows(ChatBackend.UnavailableException.class, () -> backend(server.baseUrl()).complete(messages, options));
        assertThrows(ChatBackend.UnavailableException.class, () -> backend(server.baseUrl()).complete(messages, options));
        var e = assertThrows(ChatBackend.RejectedException.class, () -> backend(server.baseUrl()).complete(messages, options));
        assertTrue(e.getMessage().contains("HTTP 401") && e.getMessage().contains("bad key"), e.getMessage());
    }

    /** Counts what the backend reports, as the metrics do. */
    private static final class Recorded implements BackendListener {
        final List<String> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Integer> retries = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void httpCall(String outcome) {
            outcomes.add(outcome);
        }

        @Override
        public void retry(int status) {
            retries.add(status);
        }
    }

    private OpenAiChatBackend retrying(RetryPolicy policy, Duration timeout, BackendListener listener) {
        return new OpenAiChatBackend(server.baseUrl(), "judge-model", Optional.empty(), timeout, policy, listener);
    }

    @Test
    void a429WithRetryAfterIsRetriedNoSoonerThanAskedAndThenSucceeds() throws Exception {
        server.enqueue(FakeChatCompletionsServer.Reply.status(429, "{\"error\": \"rate limited\"}").retryAfter("1"),
                FakeChatCompletionsServer.Reply.content("{\"rating\": 3, \"critique\": \"\"}"));
        Recorded recorded = new Recorded();
        // A tiny backoff: only the header can explain a wait of a second.
        String reply = retrying(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofSeconds(5)), Duration.ofSeconds(5),
                recorded).complete(messages, options);
        assertEquals("{\"rating\": 3, \"critique\": \"\"}", reply);
        List<Long> arrivals = server.arrivals();
        assertEquals(2, arrivals.size());
        long waitedMillis = (arrivals.get(1) - arrivals.get(0)) / 1_000_000;
        assertTrue(waitedMillis >= 1000, "retried after " + waitedMillis + " ms; Retry-After asked for 1 s");
        assertEquals(List.of("rate_limited", "ok"), recorded.outcomes);
        assertEquals(List.of(429), recorded.retries);
    }

    @Test
    void aRetryAfterAboveTheCapIsUnavailableAtOnceNamingTheWaitAskedFor() {
        server.enqueue(FakeChatCompletionsServer.Reply.status(429, "slow down").retryAfter("3600"),
                FakeChatCompletionsServer.Reply.content("never asked for"));
        var e = assertThrows(ChatBackend.UnavailableException.class,
                () -> retrying(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofSeconds(30)), Duration.ofSeconds(5),
                        BackendListener.NONE).complete(messages, options));
        assertTrue(e.getMessage().contains("HTTP 429") && e.getMessage().contains("3600 s")
                && e.getMessage().contains("rlrf.reward.model-judge.max-retry-wait"), e.getMessage());
        assertEquals(1, server.requests().size(), "no retry");
    }

    @Test
    void a503WithoutRetryAfterIsRetriedWithBackoffUntilMaxRetriesThenUnavailable() {
        server.respondWith(request -> FakeChatCompletionsServer.Reply.status(503, "overloaded"));
        Recorded recorded = new Recorded();
        var e = assertThrows(ChatBackend.UnavailableException.class,
                () -> retrying(new RetryPolicy(2, Duration.ofMillis(20), Duration.ofSeconds(1)), Duration.ofSeconds(5),
                        recorded).complete(messages, options));
        assertTrue(e.getMessage().contains("HTTP 503") && e.getMessage().contains("gave up after 2 retries"), e.getMessage());
        assertEquals(3, server.requests().size(), "the first attempt and two retries");
        assertEquals(List.of(503, 503), recorded.retries);
    }

    @Test
    void aBackendSlowerThanTheTimeoutIsUnavailableNamingTheSettingAndIsNotRetried() {
        server.enqueue(FakeChatCompletionsServer.Reply.content("too late").after(3000));
        Recorded recorded = new Recorded();
        var e = assertThrows(ChatBackend.UnavailableException.class,
                () -> retrying(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofSeconds(5)), Duration.ofMillis(300),
                        recorded).complete(messages, options));
        assertTrue(e.getMessage().contains("did not answer within 0.300 s")
                && e.getMessage().contains("rlrf.reward.model-judge.timeout"), e.getMessage());
        assertEquals(1, server.requests().size(), "timeouts are not retried");
        assertEquals(List.of("timeout"), recorded.outcomes);
    }

    @Test
    void aReplyThatIsNotJsonIsMalformed() {
        server.enqueue(FakeChatCompletionsServer.Reply.status(200, "<html>502 Bad Gateway</html>"));
        var e = assertThrows(ChatBackend.MalformedReplyException.class,
                () -> backend(server.baseUrl()).complete(messages, options));
        assertTrue(e.getMessage().contains("not JSON"), e.getMessage());
    }

    @Test
    void aReplyWithoutChoicesIsMalformed() {
        server.enqueue(FakeChatCompletionsServer.Reply.status(200, "{\"object\": \"chat.completion\"}"));
        assertThrows(ChatBackend.MalformedReplyException.class, () -> backend(server.baseUrl()).complete(messages, options));
    }
}
