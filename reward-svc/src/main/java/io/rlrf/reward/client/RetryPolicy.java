package io.rlrf.reward.client;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The one retry policy of the model judge's HTTP backend: which answers are retried (HTTP 429 and
 * 503, the two a server sends when it is busy, with or without {@code Retry-After}), how long to wait
 * before the next attempt, and when to give up. Pure: the backend does the waiting.
 * <ul>
 * <li>With {@code Retry-After} (delta-seconds, or an HTTP-date taken relative to now): that wait,
 *     unless it is above {@code maxRetryWait}, in which case the backend gives up at once.</li>
 * <li>Without it (or with one that does not parse): {@code backoff x 2^(retry-1)}, capped at
 *     {@code maxRetryWait}.</li>
 * </ul>
 * Timeouts, refused connections and other statuses are not retried here (see {@link OpenAiChatBackend}).
 *
 * @param maxRetries   retries after the first attempt ({@code rlrf.reward.model-judge.max-retries}); 0 = none
 * @param backoff      the first wait without Retry-After ({@code rlrf.reward.model-judge.retry-backoff})
 * @param maxRetryWait the longest wait accepted ({@code rlrf.reward.model-judge.max-retry-wait})
 */
public record RetryPolicy(int maxRetries, Duration backoff, Duration maxRetryWait) {

    /** No retries: every 429 and 503 is UNAVAILABLE at once. */
    public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
        }
        if (backoff.isNegative() || maxRetryWait.isNegative()) {
            throw new IllegalArgumentException("backoff and maxRetryWait must be >= 0, got " + backoff + " and " + maxRetryWait);
        }
    }

    /** Whether an HTTP status is one this policy retries. */
    public static boolean retryable(int status) {
        return status == 429 || status == 503;
    }

    /** What to do after a retryable answer. */
    public sealed interface Decision {
    }

    /** Wait this long, then try again. */
    public record Wait(Duration delay, boolean fromHeader) implements Decision {
    }

    /** Do not try again; {@code reason} says why (for the UNAVAILABLE message). */
    public record GiveUp(String reason) implements Decision {
    }

    /**
     * @param retry      the number of the retry this would be (1 for the first)
     * @param retryAfter the answer's {@code Retry-After} header, if any
     * @param now        the current time (HTTP-dates are relative to it)
     */
    public Decision next(int retry, Optional<String> retryAfter, Instant now) {
        if (retry > maxRetries) {
            return new GiveUp(maxRetries == 0 ? "no retries are configured (rlrf.reward.model-judge.max-retries=0)"
                    : "gave up after " + maxRetries + " retries (rlrf.reward.model-judge.max-retries)");
        }
        Optional<Duration> asked = retryAfter.flatMap(h -> parseRetryAfter(h, now));
        if (asked.isPresent()) {
            if (asked.get().compareTo(maxRetryWait) > 0) {
                return new GiveUp("the backend asked to retry after " + seconds(asked.get())
                        + ", longer than rlrf.reward.model-judge.max-retry-wait (" + seconds(maxRetryWait) + ")");
            }
            return new Wait(asked.get(), true);
        }
        Duration wait = backoff;
        for (int i = 1; i < retry && wait.compareTo(maxRetryWait) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return new Wait(wait.compareTo(maxRetryWait) > 0 ? maxRetryWait : wait, false);
    }

    /**
     * A {@code Retry-After} value as a wait from {@code now}: delta-seconds ({@code 120}) or an
     * HTTP-date ({@code Wed, 21 Oct 2015 07:28:00 GMT}; a date in the past is no wait). Empty when
     * it is neither.
     */
    public static Optional<Duration> parseRetryAfter(String header, Instant now) {
        String value = header.strip();
        if (value.matches("\\d{1,10}")) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
        }
        try {
            Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.3f s", ms / 1000.0);
    }
}
