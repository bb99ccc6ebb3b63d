package io.rlrf.reward.client;

/**
 * What the HTTP backend tells about its calls, for metrics ({@code RewardMetrics} implements it).
 * Outcomes: {@code ok}, {@code rate_limited} (HTTP 429), {@code unavailable} (HTTP 5xx),
 * {@code rejected} (other HTTP 4xx), {@code malformed} (HTTP 200 that is not a chat completion),
 * {@code timeout}, {@code unreachable}.
 */
public interface BackendListener {

    /** Tells nobody. */
    BackendListener NONE = new BackendListener() {
        @Override
        public void httpCall(String outcome) {
        }

        @Override
        public void retry(int status) {
        }
    };

    /** One HTTP exchange ended with {@code outcome}. */
    void httpCall(String outcome);

    /** A retry is about to be made after an answer with HTTP {@code status}. */
    void retry(int status);
}
