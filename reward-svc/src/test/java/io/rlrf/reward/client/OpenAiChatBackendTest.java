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

/**
 * The OpenAI-compatible backend against {@link FakeChatCompletionsServer}, a local stand-in: no real
 * chat-completions endpoint (vLLM, Ollama, a hosted API) runs on the build machines.
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

    @Test
    void aReplyWithoutChoicesIsMalformed() {
        server.enqueue(FakeChatCompletionsServer.Reply.status(200, "{\"object\": \"chat.completion\"}"));
        assertThrows(ChatBackend.MalformedReplyException.class, () -> backend(server.baseUrl()).complete(messages, options));
    }
}
