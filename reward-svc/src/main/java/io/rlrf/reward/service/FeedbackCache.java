package io.rlrf.reward.service;

import jakarta.enterprise.inject.Default;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.Readiness;

import org.infinispan.client.hotrod.RemoteCacheManager;

import io.rlrf.common.cache.ResilientCache;
import io.rlrf.reward.config.RewardConfig;

/**
 * The "feedback" cache on the Infinispan Server. Keys are {@link FeedbackKeys}; values are the
 * protobuf bytes of {@code rlrf.reward.v1.Feedback} (the contract's own encoding: exact round trip,
 * compact, and readable by any client of the proto). An optimisation, never a dependency: see
 * {@link ResilientCache} for what happens when the server is down ({@code rlrf.reward.cache.*}).
 */
@Singleton
@Default // also injected plainly, not only as the readiness check
@Readiness
public class FeedbackCache extends ResilientCache {

    public FeedbackCache(Instance<RemoteCacheManager> managers, RewardConfig config, RewardMetrics metrics) {
        super("feedback", managers::get, new ResilientCache.Settings(config.cache().enabled(), config.cache().name(),
                config.cache().retryInterval()), metrics);
        metrics.cacheUpGauge(this::isUp);
    }
}
