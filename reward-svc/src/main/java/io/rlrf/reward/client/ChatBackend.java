package io.rlrf.reward.client;

import java.util.List;

/**
 * The seam between the model judge and whatever language model answers it: one chat completion.
 * Implementations: {@link OpenAiChatBackend} (any OpenAI-compatible endpoint) and
 * {@link LocalModelChatBackend} (a checkpoint run in process by the model library).
 */
public interface ChatBackend {

    /** One chat message; role is {@code system}, {@code user} or {@code assistant}. */
    record Message(String role, String content) {
    }

    /**
     * Options of one completion.
     *
     * @param temperature sampling temperature, {@code >= 0}
     * @param maxTokens   most tokens in the reply, {@code >= 1}
     * @param jsonMode    ask the backend for a JSON object reply where it supports that
     */
    record Options(double temperature, int maxTokens, boolean jsonMode) {
        public Options {
            if (!(temperature >= 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
            }
            if (maxTokens < 1) {
                throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
            }
        }
    }

    /** The backend cannot be reached or refuses service for now (connection refused, timeout, HTTP 5xx/429). */
    final class UnavailableException extends Exception {
        private static final long serialVersionUID = 1L;

        public UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The backend rejected the request itself (HTTP 4xx other than 429): configuration to fix, not to retry. */
    final class RejectedException extends Exception {
        private static final long serialVersionUID = 1L;

        public RejectedException(String message) {
            super(message);
        }
    }

    /** The reply could not be read as a chat completion at all (no choices, no content). */
    final class MalformedReplyException extends Exception {
        private static final long serialVersionUID = 1L;

        public MalformedReplyException(String message) {
            super(message);
        }
    }

    /** Identifies the model behind the backend, e.g. {@code openai:Qwen/Qwen2.5-7B-Instruct}; part of cache keys. */
    String modelId();

    /** The assistant's reply text. */
    String complete(List<Message> messages, Options options)
            throws UnavailableException, RejectedException, MalformedReplyException;
}
