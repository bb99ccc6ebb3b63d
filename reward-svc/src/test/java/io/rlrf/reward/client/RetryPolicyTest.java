package io.rlrf.reward.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The model judge's one retry policy: what it waits after a 429 or 503, and when it gives up. */
class RetryPolicyTest {

    private static final Instant NOW = Instant.parse("2026-11-26T05:00:00Z");
    private final RetryPolicy policy = new RetryPolicy(4, Duration.ofMillis(500), Duration.ofSeconds(3));

    private Duration waitOf(RetryPolicy.Decision d) {
        return assertInstanceOf(RetryPolicy.Wait.class, d).delay();
    }

    @Test
    void retryAfterInDeltaSecondsIsTheWait() {
        assertEquals(Duration.ofSeconds(2), waitOf(policy.next(1, Optional.of("2"), NOW)));
        assertEquals(Duration.ZERO, waitOf(policy.next(1, Optional.of("0"), NOW)));
    }

    @Test
    void retryAfterAsAnHttpDateIsTheTimeUntilThen() {
        assertEquals(Duration.ofSeconds(2), waitOf(policy.next(1, Optional.of("Thu, 26 Nov 2026 05:00:02 GMT"), NOW)));
        assertEquals(Duration.ZERO, waitOf(policy.next(1, Optional.of("Thu, 26 Nov 2026 04:59:00 GMT"), NOW)),
                "a date in the past: no wait");
    }

    @Test
    void withoutRetryAfterTheBackoffDoublesUpToTheCap() {
        assertEquals(Duration.ofMillis(500), waitOf(policy.next(1, Optional.empty(), NOW)));
        assertEquals(Duration.ofMillis(1000), waitOf(policy.next(2, Optional.empty(), NOW)));
        assertEquals(Duration.ofMillis(2000), waitOf(policy.next(3, Optional.empty(), NOW)));
        assertEquals(Duration.ofSeconds(3), waitOf(policy.next(4, Optional.empty(), NOW)), "capped at max-retry-wait");
        assertEquals(Duration.ofMillis(500), waitOf(policy.next(1, Optional.of("soon, please"), NOW)),
                "a Retry-After that is neither form is ignored");
    }

    @Test
    void aRetryAfterAboveTheCapGivesUpAtOnceNamingTheWaitAskedFor() {
        var giveUp = assertInstanceOf(RetryPolicy.GiveUp.class, policy.next(1, Optional.of("120"), NOW));
        assertTrue(giveUp.reason().contains("120 s") && giveUp.reason().contains("rlrf.reward.model-judge.max-retry-wait (3 s)"),
                giveUp.reason());
    }

    @Test
    void afterMaxRetriesItGivesUpNamingTheSetting() {
        var giveUp = assertInstanceOf(RetryPolicy.GiveUp.class, policy.next(5, Optional.of("1"), NOW));
        assertTrue(giveUp.reason().contains("4 retries") && giveUp.reason().contains("rlrf.reward.model-judge.max-retries"),
                giveUp.reason());
        assertInstanceOf(RetryPolicy.GiveUp.class, RetryPolicy.NONE.next(1, Optional.empty(), NOW));
    }

    @Test
    void only429And503AreRetried() {
        assertTrue(RetryPolicy.retryable(429) && RetryPolicy.retryable(503));
        assertTrue(!RetryPolicy.retryable(500) && !RetryPolicy.retryable(502) && !RetryPolicy.retryable(400));
    }
}
