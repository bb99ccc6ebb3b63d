package io.rlrf.reflector.service;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
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
        HealthCheckResponseBuilder response = HealthCheckResponse.named("reflections-cache").up();
        if (!cache.enabled()) {
            return response.withData("cache", "DISABLED").withData("mode", "uncached").build();
        }
        boolean up = cache.probe();
        response.withData("cache", up ? "UP" : "DOWN").withData("mode", up ? "cached" : "uncached");
        if (!up) {
            response.withData("error", cache.lastError());
        }
        return response.build();
    }
}
