package io.rlrf.common.cache;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.jboss.logging.Logger;

/**
 * A byte-valued cache on the Infinispan Server (Hot Rod) that is an optimisation, never a
 * dependency: when an operation fails, callers get an empty lookup or a silently skipped store, the
 * cache is marked down (health and the service's cache-up gauge say so), and the server is not
 * touched again for the retry interval; then the next call or health probe tries again. Used by
 * reward-svc ("feedback") and reflector-svc ("reflections"): each declares a {@code @Singleton}
 * subclass that passes its typed configuration and its metrics (the {@link Listener}), and marks it
 * {@code @Readiness}, which makes it the service's cache readiness check ({@code <label>-cache}; see
 * {@link #call()}).
 */
public class ResilientCache implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(ResilientCache.class);

    /** What a service records about its cache. */
    public interface Listener {
        /** A successful bulk lookup took {@code nanos}. */
        void lookup(long nanos);

        /** An operation ({@code open}, {@code get}, {@code put}, {@code probe}) failed. */
        void error(String operation);
    }

    /**
     * @param enabled       whether to cache at all
     * @param name          the cache's name on the server
     * @param retryInterval how long to answer uncached after a failure
     */
    public record Settings(boolean enabled, String name, Duration retryInterval) {
    }

    private final String label;
    private final Supplier<RemoteCacheManager> managers;
    private final Settings settings;
    private final Listener listener;
    private volatile boolean up = true;
    private volatile long retryAtNanos;
    private volatile String lastError = "";

    /**
     * @param label    what the cache holds, for log lines ("feedback", "reflections")
     * @param managers the Hot Rod client (resolved lazily, so a dead server never fails start-up)
     */
    public ResilientCache(String label, Supplier<RemoteCacheManager> managers, Settings settings, Listener listener) {
        this.label = label;
        this.managers = managers;
        this.settings = settings;
        this.listener = listener;
    }

    /** Whether caching is switched on in the configuration. */
    public boolean enabled() {
        return settings.enabled();
    }

    /** Whether caching is on and the last operation or probe succeeded. */
    public boolean isUp() {
        return settings.enabled() && up;
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
            listener.lookup(System.nanoTime() - start);
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

    /**
     * The readiness answer for this cache, named {@code <label>-cache}: always UP (the service works
     * without it), with {@code cache} = UP, DOWN or DISABLED, {@code mode} = cached or uncached, and the
     * error when down.
     */
    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(label + "-cache").up();
        if (!enabled()) {
            return response.withData("cache", "DISABLED").withData("mode", "uncached").build();
        }
        boolean isUp = probe();
        response.withData("cache", isUp ? "UP" : "DOWN").withData("mode", isUp ? "cached" : "uncached");
        if (!isUp) {
            response.withData("error", lastError());
        }
        return response.build();
    }

    private RemoteCache<String, byte[]> cacheIfUsable() {
        if (!settings.enabled() || (!up && System.nanoTime() < retryAtNanos)) {
            return null;
        }
        try {
            RemoteCache<String, byte[]> cache = managers.get().getCache(settings.name());
            if (cache == null) {
                markDown("open", new IllegalStateException("the server has no cache named '" + settings.name() + "'"));
            }
            return cache;
        } catch (RuntimeException e) {
            markDown("open", e);
            return null;
        }
    }

    private void markUp() {
        if (!up) {
            LOG.infof("%s cache '%s' is reachable again; answering with the cache", label, settings.name());
        }
        up = true;
        lastError = "";
    }

    private void markDown(String operation, RuntimeException e) {
        listener.error(operation);
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        // The innermost message ("Connection refused: /127.0.0.1:11222"), without wrapper class names.
        lastError = operation + " failed: " + (root.getMessage() == null ? "no detail" : root.getMessage());
        if (up) {
            LOG.warnf("%s cache '%s' is unavailable (%s); answering uncached, next try in %s", label, settings.name(),
                    lastError, settings.retryInterval());
        }
        up = false;
        retryAtNanos = System.nanoTime() + settings.retryInterval().toNanos();
    }
}
