package io.rlrf.reflector.service;

import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.infinispan.client.hotrod.RemoteCacheManager;

import io.rlrf.common.cache.ResilientCache;
import io.rlrf.reflector.config.ReflectorConfig;

/**
 * The "reflections" cache on the Infinispan Server. Keys are {@link ReflectionKeys}; a value is the
 * protobuf bytes of a {@code RefineResponse} holding the m rewrites of one item (the contract's own
 * encoding: exact round trip, readable by any client of the proto). An optimisation, never a
 * dependency: see {@link ResilientCache} for what happens when the server is down
 * ({@code rlrf.reflector.cache.*}).
 */
@ApplicationScoped
public class ReflectionCache {

    private final ResilientCache cache;

    public ReflectionCache(Instance<RemoteCacheManager> managers, ReflectorConfig config, ReflectorMetrics metrics) {
        ReflectorConfig.Cache c = config.cache();
        this.cache = new ResilientCache("reflections", managers::get,
                new ResilientCache.Settings(c.enabled(), c.name(), c.retryInterval()),
                new ResilientCache.Listener() {
                    @Override
                    public void lookup(long nanos) {
                        metrics.cacheLookup(nanos);
                    }

                    @Override
                    public void error(String operation) {
                        metrics.cacheError(operation);
                    }
                });
        metrics.cacheUpGauge(cache::isUp);
    }

    public boolean enabled() {
        return cache.enabled();
    }

    public boolean isUp() {
        return cache.isUp();
    }

    public String lastError() {
        return cache.lastError();
    }

    public Map<String, byte[]> getAll(Set<String> keys) {
        return cache.getAll(keys);
    }

    public void putAll(Map<String, byte[]> entries) {
        cache.putAll(entries);
    }

    /** Checks the server now unless it failed within the retry interval; returns {@link #isUp()}. */
    public boolean probe() {
        return cache.probe();
    }

    /** The shared cache's readiness answer, under {@code checkName}. */
    public HealthCheckResponse health(String checkName) {
        return cache.health(checkName);
    }
}
