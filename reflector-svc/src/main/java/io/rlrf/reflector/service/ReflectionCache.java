package io.rlrf.reflector.service;

import jakarta.enterprise.inject.Default;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.Readiness;

import org.infinispan.client.hotrod.RemoteCacheManager;

import io.rlrf.common.cache.ResilientCache;
import io.rlrf.reflector.config.ReflectorConfig;

/**
 * The "reflections" cache on the Infinispan Server. Keys are content keys (ReflectionService.KEY_FORMAT); a value is the
 * protobuf bytes of a {@code RefineResponse} holding the m rewrites of one item (the contract's own
 * encoding: exact round trip, readable by any client of the proto). An optimisation, never a
 * dependency: see {@link ResilientCache} for what happens when the server is down
 * ({@code rlrf.reflector.cache.*}).
 */
@Singleton
@Default // also injected plainly, not only as the readiness check
@Readiness
public class ReflectionCache extends ResilientCache {

    public ReflectionCache(Instance<RemoteCacheManager> managers, ReflectorConfig config, ReflectorMetrics metrics) {
        super("reflections", managers::get, new ResilientCache.Settings(config.cache().enabled(), config.cache().name(),
                config.cache().retryInterval()), metrics);
        metrics.cacheUpGauge(this::isUp);
    }
}
