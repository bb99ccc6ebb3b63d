package io.rlrf.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A small in-process HTTP server that speaks the OpenAI chat-completions protocol
 * ({@code POST /v1/chat/completions}), for tests. No real model endpoint (vLLM, Ollama, a hosted
 * API) can run on the build machines, so the model judge's backend is tested against this: it
 * records every request and answers with scripted contents (a queue, or a function of the request),
 * or with an HTTP error status, optionally with a {@code Retry-After} header or after a delay. Requests
 * are answered concurrently; the server records when each arrived and the most it answered at once.
 */
public final class FakeChatCompletionsServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A scripted answer: the assistant's content wrapped in a chat completion (HTTP 200), or a raw
     * HTTP status and body.
     */
    public record Reply(int status, String content, boolean raw, String retryAfter, long delayMillis) {
        public static Reply content(String content) {
            return new Reply(200, content, false, null, 0);
        }

        public static Reply status(int status, String body) {
            return new Reply(status, body, true, null, 0);
        }

        /** The same reply with a {@code Retry-After} header. */
        public Reply retryAfter(String value) {
            return new Reply(status, content, raw, value, delayMillis);
        }

        /** The same reply, sent after {@code millis}. */
        public Reply after(long millis) {
            return new Reply(status, content, raw, retryAfter, millis);
        }
    }

    private final HttpServer server;
    private final Deque<Reply> queue = new ArrayDeque<>();
    private final List<JsonNode> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile Function<JsonNode, Reply> responder;

    public FakeChatCompletionsServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/v1/chat/completions", exchange -> {
            arrivals.add(System.nanoTime());
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                answer(exchange);
            } finally {
                inFlight.decrementAndGet();
            }
        });
        // Concurrent requests are answered concurrently (the default executor answers one at a time).
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-chat-completions");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    private void answer(HttpExchange exchange) throws IOException {
        byte[] in = exchange.getRequestBody().readAllBytes();
        JsonNode request = JSON.readTree(in);
        requests.add(request);
        authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
        Reply reply = next(request);
        if (reply.delayMillis() > 0) {
            try {
                Thread.sleep(reply.delayMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
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
        if (reply.retryAfter() != null) {
            exchange.getResponseHeaders().add("Retry-After", reply.retryAfter());
        }
        try {
            exchange.sendResponseHeaders(reply.status(), out.length);
            exchange.getResponseBody().write(out);
        } catch (IOException e) {
            // the client gave up (a timeout): nothing to answer
        }
        exchange.close();
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

    /** When each request arrived ({@link System#nanoTime()}), in order. */
    public List<Long> arrivals() {
        return List.copyOf(arrivals);
    }

    /** The most requests this server was answering at once. */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    public synchronized void reset() {
        queue.clear();
        requests.clear();
        authorizations.clear();
        arrivals.clear();
        maxInFlight.set(0);
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
