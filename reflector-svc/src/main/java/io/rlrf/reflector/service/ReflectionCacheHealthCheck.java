package io.rlrf.reflector.service;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness shows the reflections cache's state. It is always UP, because the service answers without
 * the cache (degraded: every item is sent to generator-svc); {@code cache} says {@code UP}, {@code DOWN} or
 * {@code DISABLED}, and {@code mode} says {@code cached} or {@code uncached}.
 */
@Readiness
@ApplicationScoped
public class ReflectionCacheHealthCheck implements HealthCheck {

    private final ReflectionCache cache;

    public ReflectionCacheHealthCheck(ReflectionCache cache) {
        this.cache = cache;
    }

    @Override
    public HealthCheckResponse call() {
        return cache.health("reflections-cache");
    }
}
