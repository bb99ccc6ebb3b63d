package io.rlrf.reward.service;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness shows the feedback cache's state. It is always UP, because the service answers without
 * the cache (degraded: every item is judged anew); {@code cache} says {@code UP}, {@code DOWN} or
 * {@code DISABLED}, and {@code mode} says {@code cached} or {@code uncached}.
 */
@Readiness
@ApplicationScoped
public class FeedbackCacheHealthCheck implements HealthCheck {

    private final FeedbackCache cache;

    public FeedbackCacheHealthCheck(FeedbackCache cache) {
        this.cache = cache;
    }

    @Override
    public HealthCheckResponse call() {
        return cache.health("feedback-cache");
    }
}
