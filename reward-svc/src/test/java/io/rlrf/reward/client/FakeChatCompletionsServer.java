package io.rlrf.reward.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

/**
 * A small in-process HTTP server that speaks the OpenAI chat-completions protocol
 * ({@code POST /v1/chat/completions}), for tests. No real model endpoint (vLLM, Ollama, a hosted
 * API) can run on the build machines, so the model judge's backend is tested against this: it
 * records every request and answers with scripted contents (a queue, or a function of the request),
 * or with an HTTP error status.
 */
public final class FakeChatCompletionsServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A scripted answer: the assistant's content wrapped in a chat completion (HTTP 200), or a raw
     * HTTP status and body.
     */
    public record Reply(int status, String content, boolean raw) {
        public static Reply content(String content) {
            return new Reply(200, content, false);
        }

        public static Reply status(int status, String body) {
            return new Reply(status, body, true);
        }
    }

    private final HttpServer server;
    private final Deque<Reply> queue = new ArrayDeque<>();
    private final List<JsonNode> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
    private volatile Function<JsonNode, Reply> responder;

    public FakeChatCompletionsServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/v1/chat/completions", exchange -> {
            byte[] in = exchange.getRequestBody().readAllBytes();
            JsonNode request = JSON.readTree(in);
            requests.add(request);
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            Reply reply = next(request);
            byte[] out;
            if (!reply.raw()) {
                ObjectNode body = JSON.createObjectNode();
                body.put("id", "chatcmpl-fake").put("object", "chat.completion").put("model",
                        request.path("model").asText());
                ObjectNode choice = body.putArray("choices").addObject();
                choice.put("index", 0).put("finish_reason", "stop");
                choice.putObject("message").put("role", "assistant").put("content", reply.content());
                out = body.toString().getBytes(StandardCharsets.UTF_8);
            } else {
                out = reply.content().getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(reply.status(), out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.start();
    }

    private synchronized Reply next(JsonNode request) {
        if (!queue.isEmpty()) {
            return queue.poll();
        }
        if (responder != null) {
            return responder.apply(request);
        }
        return Reply.status(500, "{\"error\": \"no scripted reply\"}");
    }

    /** Queues replies, answered in order before the responder is asked. */
    public synchronized FakeChatCompletionsServer enqueue(Reply... replies) {
        queue.addAll(List.of(replies));
        return this;
    }

    /** Answers every request not covered by the queue. */
    public FakeChatCompletionsServer respondWith(Function<JsonNode, Reply> responder) {
        this.responder = responder;
        return this;
    }

    /** Base URL as the backend is configured with it, e.g. {@code http://127.0.0.1:43123/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public List<JsonNode> requests() {
        return List.copyOf(requests);
    }

    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    public synchronized void reset() {
        queue.clear();
        requests.clear();
        authorizations.clear();
        responder = null;
    }

    /** The last user message of a request: what the judge asked. */
    public static String lastUserMessage(JsonNode request) {
        JsonNode messages = request.path("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).path("role").asText().equals("user")) {
                return messages.get(i).path("content").asText();
            }
        }
        return "";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
