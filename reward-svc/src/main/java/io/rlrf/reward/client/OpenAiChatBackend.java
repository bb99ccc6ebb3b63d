package io.rlrf.reward.client;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
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
 * reply is {@code choices[0].message.content}. Uses the JDK's HTTP client.
 * <p>
 * HTTP 429 and 503 are retried per the {@link RetryPolicy} (honouring {@code Retry-After}); when it
 * gives up, the call is UNAVAILABLE naming the last status and why. A backend that does not answer
 * within the timeout ({@code rlrf.reward.model-judge.timeout}) is UNAVAILABLE at once, not retried:
 * a backend too slow once is likely too slow again, and each retry would cost another full timeout
 * (the caller retries UNAVAILABLE calls on its own schedule). Other 5xx and refused connections are
 * UNAVAILABLE, other 4xx are rejections, without retries. Replies that do not parse are the judge's
 * to retry.
 */
public final class OpenAiChatBackend implements ChatBackend {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ERROR_CHARS = 300;

    private final URI endpoint;
    private final String model;
    private final Optional<String> apiKey;
    private final Duration timeout;
    private final RetryPolicy retries;
    private final BackendListener listener;
    private final HttpClient http;

    /** A backend without retries that reports to nobody. */
    public OpenAiChatBackend(String url, String model, Optional<String> apiKey, Duration timeout) {
        this(url, model, apiKey, timeout, RetryPolicy.NONE, BackendListener.NONE);
    }

    public OpenAiChatBackend(String url, String model, Optional<String> apiKey, Duration timeout, RetryPolicy retries,
            BackendListener listener) {
        Objects.requireNonNull(url, "url");
        this.endpoint = URI.create(url.endsWith("/chat/completions") ? url
                : (url.endsWith("/") ? url.substring(0, url.length() - 1) : url) + "/chat/completions");
        this.model = Objects.requireNonNull(model, "model");
        this.apiKey = apiKey.filter(k -> !k.isBlank());
        this.timeout = timeout;
        this.retries = Objects.requireNonNull(retries, "retries");
        this.listener = Objects.requireNonNull(listener, "listener");
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
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        apiKey.ifPresent(key -> builder.header("Authorization", "Bearer " + key));
        HttpRequest request = builder.build();

        for (int retry = 1;; retry++) {
            HttpResponse<String> response = send(request);
            int status = response.statusCode();
            if (RetryPolicy.retryable(status)) {
                listener.httpCall(status == 429 ? "rate_limited" : "unavailable");
                RetryPolicy.Decision next = retries.next(retry, response.headers().firstValue("Retry-After"),
                        Instant.now());
                if (next instanceof RetryPolicy.GiveUp giveUp) {
                    throw new UnavailableException("the model judge backend at " + endpoint + " answered HTTP " + status
                            + " (" + truncate(response.body()) + "); " + giveUp.reason(), null);
                }
                listener.retry(status);
                sleep(((RetryPolicy.Wait) next).delay());
                continue;
            }
            if (status >= 500) {
                listener.httpCall("unavailable");
                throw new UnavailableException("the model judge backend at " + endpoint + " answered HTTP " + status
                        + ": " + truncate(response.body()), null);
            }
            if (status != 200) {
                listener.httpCall("rejected");
                throw new RejectedException("the model judge backend at " + endpoint
                        + " rejected the request with HTTP " + status + ": " + truncate(response.body()));
            }
            return content(response.body());
        }
    }

    private HttpResponse<String> send(HttpRequest request) throws UnavailableException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            listener.httpCall("timeout");
            throw new UnavailableException("the model judge backend at " + endpoint + " did not answer within "
                    + RetryPolicy.seconds(timeout) + " (rlrf.reward.model-judge.timeout); not retried", e);
        } catch (IOException e) {
            listener.httpCall("unreachable");
            throw new UnavailableException("the model judge backend at " + endpoint + " cannot be reached ("
                    + describe(e) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting for the model judge backend at " + endpoint, e);
        }
    }

    private void sleep(Duration wait) throws UnavailableException {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting to retry the model judge backend at " + endpoint, e);
        }
    }

    private String content(String text) throws MalformedReplyException {
        JsonNode reply;
        try {
            reply = JSON.readTree(text);
        } catch (IOException e) {
            listener.httpCall("malformed");
            throw new MalformedReplyException("the backend's reply is not JSON: " + truncate(text));
        }
        JsonNode content = reply == null ? null : reply.path("choices").path(0).path("message").path("content");
        if (content == null || !content.isTextual()) {
            listener.httpCall("malformed");
            throw new MalformedReplyException("the backend's reply has no choices[0].message.content: " + truncate(text));
        }
        listener.httpCall("ok");
        return content.asText();
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        String kind = e instanceof java.net.ConnectException ? "connection refused" : "I/O error";
        return message == null || message.isBlank() ? kind : kind + ": " + message;
    }

    private static String truncate(String text) {
        String t = text == null ? "" : text.strip();
        return t.length() <= MAX_ERROR_CHARS ? t : t.substring(0, MAX_ERROR_CHARS) + "...";
    }
}
