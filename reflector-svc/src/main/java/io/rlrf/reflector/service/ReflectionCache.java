package io.rlrf.reflector.service;

import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.jboss.logging.Logger;

import io.rlrf.reflector.config.ReflectorConfig;

/**
 * The "reflections" cache on the Infinispan Server, through the Quarkus Hot Rod client. Keys are
 * {@link ReflectionKeys}; a value is the protobuf bytes of a {@code RefineResponse} holding the m
 * rewrites of one item (the contract's own encoding: exact round trip, readable by any client of
 * the proto). The same back-off logic as reward-svc's FeedbackCache (a shared class in
 * service-common would remove the copy).
 *
 * <p>The cache is an optimisation, never a dependency: when an operation fails, the service answers
 * uncached, marks the cache down (health and the {@code rlrf.reflector.cache.up} gauge say so) and
 * does not touch the server again for {@code rlrf.reflector.cache.retry-interval}; then the next call
 * (or a health probe) tries again.
 */
@ApplicationScoped
public class ReflectionCache {

    private static final Logger LOG = Logger.getLogger(ReflectionCache.class);

    private final Instance<RemoteCacheManager> managers;
    private final ReflectorConfig.Cache config;
    private final ReflectorMetrics metrics;
    private volatile boolean up = true;
    private volatile long retryAtNanos;
    private volatile String lastError = "";

    public ReflectionCache(Instance<RemoteCacheManager> managers, ReflectorConfig config, ReflectorMetrics metrics) {
        this.managers = managers;
        this.config = config.cache();
        this.metrics = metrics;
        metrics.cacheUpGauge(this::isUp);
    }

    /** Whether caching is switched on in the configuration. */
    public boolean enabled() {
        return config.enabled();
    }

    /** Whether the last operation or probe succeeded. */
    public boolean isUp() {
        return config.enabled() && up;
    }

    /** Why the cache is down, when it is. */
    public String lastError() {
        return lastError;
    }

    /** The cached values of {@code keys} (missing keys absent); empty when the cache is off or down. */
    public Map<String, byte[]> getAll(Set<String> keys) {
        RemoteCache<String, byte[]> cache = cacheIfUsable();
        if (cache == null || keys.isEmpty()) {
            return Map.of();
        }
        long start = System.nanoTime();
        try {
            Map<String, byte[]> found = cache.getAll(keys);
            metrics.cacheLookup(System.nanoTime() - start);
            markUp();
            return found;
        } catch (RuntimeException e) {
            markDown("get", e);
            return Map.of();
        }
    }

    /** Stores {@code entries}; a failure is logged and counted, never passed on. */
    public void putAll(Map<String, byte[]> entries) {
        RemoteCache<String, byte[]> cache = cacheIfUsable();
        if (cache == null || entries.isEmpty()) {
            return;
        }
        try {
            cache.putAll(entries);
            markUp();
        } catch (RuntimeException e) {
            markDown("put", e);
        }
    }

    /** Checks the server now unless it failed within the retry interval; returns {@link #isUp()}. */
    public boolean probe() {
        RemoteCache<String, byte[]> cache = cacheIfUsable();
        if (cache == null) {
            return isUp();
        }
        try {
            cache.containsKey("rlrf-probe");
            markUp();
        } catch (RuntimeException e) {
            markDown("probe", e);
        }
        return isUp();
    }

    private RemoteCache<String, byte[]> cacheIfUsable() {
        if (!config.enabled() || (!up && System.nanoTime() < retryAtNanos)) {
            return null;
        }
        try {
            RemoteCache<String, byte[]> cache = managers.get().getCache(config.name());
            if (cache == null) {
                markDown("open", new IllegalStateException("the server has no cache named '" + config.name() + "'"));
            }
            return cache;
        } catch (RuntimeException e) {
            markDown("open", e);
            return null;
        }
    }

    private void markUp() {
        if (!up) {
            LOG.infof("reflections cache '%s' is reachable again; answering with the cache", config.name());
        }
        up = true;
        lastError = "";
    }

    private void markDown(String operation, RuntimeException e) {
        metrics.cacheError(operation);
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        // The innermost message ("Connection refused: /127.0.0.1:11222"), without wrapper class names.
        lastError = operation + " failed: " + (root.getMessage() == null ? "no detail" : root.getMessage());
        if (up) {
            LOG.warnf("reflections cache '%s' is unavailable (%s); answering uncached, next try in %s", config.name(),
                    lastError, config.retryInterval());
        }
        up = false;
        retryAtNanos = System.nanoTime() + config.retryInterval().toNanos();
    }
}
