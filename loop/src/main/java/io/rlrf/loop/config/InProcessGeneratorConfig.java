package io.rlrf.loop.config;

import java.util.Optional;

import io.rlrf.model.generate.BatchingLanes;
import io.smallrye.config.ConfigMapping;

/**
 * The batching of the in-process generator ({@link io.rlrf.loop.local.LocalGenerator}): generator-svc's
 * own {@code rlrf.generator.batching.lanes} property (also set by {@code RLRF_GENERATOR_BATCHING_LANES},
 * as for {@code bin/rlrf up}), read here too. The lane engines keep generator-svc's defaults
 * ({@link io.rlrf.model.generate.EngineParams#defaults()}).
 */
@ConfigMapping(prefix = "rlrf.generator.batching")
public interface InProcessGeneratorConfig {

    /**
     * Batching lanes stepping in parallel, 1 to 64. Unset: one per libtorch thread, at most 4, which is
     * what {@code bin/rlrf up} gives generator-svc (generator-svc's own default is 1).
     */
    Optional<Integer> lanes();

    /** The lanes these properties give. */
    default BatchingLanes.Settings settings() {
        BatchingLanes.Settings perCore = BatchingLanes.Settings.perCore();
        return lanes().map(n -> new BatchingLanes.Settings(n, perCore.engine(), perCore.maxWait())).orElse(perCore);
    }
}
