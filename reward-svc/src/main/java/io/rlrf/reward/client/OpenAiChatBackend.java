package io.rlrf.reward.client;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp server, hosted APIs):
 * {@code POST <url>/chat/completions} with {@code model}, {@code messages}, {@code temperature},
 * {@code max_tokens} and, in JSON mode, {@code response_format: {"type": "json_object"}}; the
 * reply is {@code choices[0].message.content}. Uses the JDK's HTTP client; no retries here (the
 * judge retries replies that do not parse, and callers retry UNAVAILABLE).
 */
public final class OpenAiChatBackend implements ChatBackend {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ERROR_CHARS = 300;

    private final URI endpoint;
    private final String model;
    private final Optional<String> apiKey;
    private final Duration timeout;
    private final HttpClient http;

    public OpenAiChatBackend(String url, String model, Optional<String> apiKey, Duration timeout) {
        Objects.requireNonNull(url, "url");
        this.endpoint = URI.create(url.endsWith("/chat/completions") ? url
                : (url.endsWith("/") ? url.substring(0, url.length() - 1) : url) + "/chat/completions");
        this.model = Objects.requireNonNull(model, "model");
        this.apiKey = apiKey.filter(k -> !k.isBlank());
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    @Override
    public String modelId() {
        return "openai:" + model;
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public String complete(List<Message> messages, Options options)
            throws UnavailableException, RejectedException, MalformedReplyException {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        ArrayNode list = body.putArray("messages");
        for (Message m : messages) {
            list.addObject().put("role", m.role()).put("content", m.content());
        }
        body.put("temperature", options.temperature());
        body.put("max_tokens", options.maxTokens());
        if (options.jsonMode()) {
            body.putObject("response_format").put("type", "json_object");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        apiKey.ifPresent(key -> request.header("Authorization", "Bearer " + key));

        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UnavailableException("the model judge backend at " + endpoint + " cannot be reached ("
                    + describe(e) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting for the model judge backend at " + endpoint, e);
        }
        int status = response.statusCode();
        if (status == 429 || status >= 500) {
            throw new UnavailableException("the model judge backend at " + endpoint + " answered HTTP " + status + ": "
                    + truncate(response.body()), null);
        }
        if (status != 200) {
            throw new RejectedException("the model judge backend at " + endpoint + " rejected the request with HTTP "
                    + status + ": " + truncate(response.body()));
        }
        JsonNode reply;
        try {
            reply = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new MalformedReplyException("the backend's reply is not JSON: " + truncate(response.body()));
        }
        JsonNode content = reply.path("choices").path(0).path("message").path("content");
        if (!content.isTextual()) {
            throw new MalformedReplyException("the backend's reply has no choices[0].message.content: "
                    + truncate(response.body()));
        }
        return content.asText();
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        String kind = e instanceof java.net.ConnectException ? "connection refused"
                : e instanceof java.net.http.HttpTimeoutException ? "timed out" : "I/O error";
        return message == null || message.isBlank() ? kind : kind + ": " + message;
    }

    private static String truncate(String text) {
        String t = text == null ? "" : text.strip();
        return t.length() <= MAX_ERROR_CHARS ? t : t.substring(0, MAX_ERROR_CHARS) + "...";
    }
}
