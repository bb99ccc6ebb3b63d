package io.rlrf.reward.service;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.Outcome;
import io.rlrf.common.cache.ResilientCache;
import io.rlrf.reward.client.BackendListener;

/**
 * The metrics reward-svc publishes (Prometheus names on {@code /q/metrics} in brackets):
 * <ul>
 * <li>{@code rlrf.reward.evaluations} [rlrf_reward_evaluations_total] per judge, status (ok,
 *     judge_failure), outcome (correct, incorrect, no_answer, not_verifiable) and cached;</li>
 * <li>{@code rlrf.reward.judge.latency} [rlrf_reward_judge_latency_seconds] per judge, items
 *     judged now (not cache hits);</li>
 * <li>{@code rlrf.reward.judge.parse.failures} [rlrf_reward_judge_parse_failures_total] per judge:
 *     model judge replies that did not match the schema (each attempt);</li>
 * <li>{@code rlrf.reward.judge.http.calls} [rlrf_reward_judge_http_calls_total] per judge and outcome
 *     (ok, rate_limited, unavailable, rejected, malformed, timeout, unreachable): the model judge's
 *     HTTP exchanges, retries included;</li>
 * <li>{@code rlrf.reward.judge.retries} [rlrf_reward_judge_retries_total] per judge and status (429,
 *     503): retries made after a busy answer;</li>
 * <li>{@code rlrf.reward.judge.in.flight} [rlrf_reward_judge_in_flight] per judge: prompts holding a
 *     concurrency slot now;</li>
 * <li>{@code rlrf.reward.cache.hits}, {@code .misses}, {@code .errors} [..._total]; the lookup
 *     latency {@code rlrf.reward.cache.lookup} (one batched get per call); the gauge
 *     {@code rlrf.reward.cache.up} [rlrf_reward_cache_up]: 1 when the last cache operation or
 *     probe succeeded;</li>
 * <li>{@code rlrf.reward.ratings} [rlrf_reward_ratings_total] per aspect and rating: the rating
 *     distribution.</li>
 * </ul>
 */
@ApplicationScoped
public class RewardMetrics implements ResilientCache.Listener {

    private final MeterRegistry registry;

    public RewardMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void evaluation(String judge, FeedbackStatus status, Outcome outcome, boolean cached) {
        Counter.builder("rlrf.reward.evaluations").description("Items judged or served from the cache")
                .tag("judge", judge).tag("status", status == FeedbackStatus.FEEDBACK_STATUS_OK ? "ok" : "judge_failure")
                .tag("outcome", outcome.name().replace("OUTCOME_", "").toLowerCase(Locale.ROOT))
                .tag("cached", Boolean.toString(cached)).register(registry).increment();
    }

    public void judgeLatency(String judge, long nanos) {
        Timer.builder("rlrf.reward.judge.latency").description("Time to judge one item (cache hits excluded)")
                .tag("judge", judge).register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void parseFailure(String judge) {
        parseFailures(judge).increment();
    }

    /** The parse-failure counter of {@code judge} (registered at 0 when a model judge is created). */
    public Counter parseFailures(String judge) {
        return Counter.builder("rlrf.reward.judge.parse.failures")
                .description("Model judge replies that did not match the JSON schema (per attempt)")
                .tag("judge", judge).register(registry);
    }

    /** The model judge backend's HTTP outcomes and retries, tagged with {@code judge}. */
    public BackendListener backendListener(String judge) {
        return new BackendListener() {
            @Override
            public void httpCall(String outcome) {
                Counter.builder("rlrf.reward.judge.http.calls").description("Model judge HTTP exchanges, per outcome")
                        .tag("judge", judge).tag("outcome", outcome).register(registry).increment();
            }

            @Override
            public void retry(int status) {
                Counter.builder("rlrf.reward.judge.retries")
                        .description("Model judge prompts retried after HTTP 429 or 503")
                        .tag("judge", judge).tag("status", Integer.toString(status)).register(registry).increment();
            }
        };
    }

    /** Registers the gauge of prompts {@code judge} has in flight. */
    public void inFlightGauge(String judge, IntSupplier inFlight) {
        Gauge.builder("rlrf.reward.judge.in.flight", inFlight::getAsInt)
                .description("Model judge prompts holding a concurrency slot now").tag("judge", judge).register(registry);
    }

    public void rating(String aspect, int rating) {
        Counter.builder("rlrf.reward.ratings").description("Ratings given, per aspect and rating")
                .tag("aspect", aspect).tag("rating", Integer.toString(rating)).register(registry).increment();
    }

    public void cacheHits(int n) {
        Counter.builder("rlrf.reward.cache.hits").description("Feedback served from the cache").register(registry)
                .increment(n);
    }

    public void cacheMisses(int n) {
        Counter.builder("rlrf.reward.cache.misses").description("Feedback looked up and not found in the cache")
                .register(registry).increment(n);
    }

    @Override
    public void error(String operation) {
        Counter.builder("rlrf.reward.cache.errors").description("Cache operations that failed (answered uncached)")
                .tag("operation", operation).register(registry).increment();
    }

    @Override
    public void lookup(long nanos) {
        Timer.builder("rlrf.reward.cache.lookup").description("One batched cache lookup (all items of a call)")
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Registers the cache-up gauge (1 up, 0 down). */
    public void cacheUpGauge(BooleanSupplier up) {
        Gauge.builder("rlrf.reward.cache.up", () -> up.getAsBoolean() ? 1.0 : 0.0)
                .description("1 when the feedback cache answered the last operation or probe, else 0").register(registry);
    }
}
