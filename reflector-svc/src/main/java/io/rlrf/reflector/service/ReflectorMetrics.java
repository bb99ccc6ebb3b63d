package io.rlrf.reflector.service;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.rlrf.common.cache.ResilientCache;

/**
 * The metrics reflector-svc publishes (Prometheus names on {@code /q/metrics} in brackets):
 * <ul>
 * <li>{@code rlrf.reflector.refinements.requested} and {@code .served} [..._total]: rewrites asked
 *     for (items x m) and returned, {@code served} tagged {@code cached} true/false;</li>
 * <li>{@code rlrf.reflector.cache.hits}, {@code .misses}, {@code .errors} [..._total] (items), the
 *     lookup latency {@code rlrf.reflector.cache.lookup} and the gauge {@code rlrf.reflector.cache.up}:
 *     1 when the last cache operation or probe succeeded;</li>
 * <li>{@code rlrf.reflector.generator.latency} [rlrf_reflector_generator_latency_seconds] per RPC
 *     (DescribeModel, Generate), retries included.</li>
 * </ul>
 */
@ApplicationScoped
public class ReflectorMetrics implements ResilientCache.Listener {

    private final MeterRegistry registry;

    public ReflectorMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void requested(int rewrites) {
        Counter.builder("rlrf.reflector.refinements.requested").description("Rewrites asked for (items x m)")
                .register(registry).increment(rewrites);
    }

    public void served(int rewrites, boolean cached) {
        Counter.builder("rlrf.reflector.refinements.served").description("Rewrites returned")
                .tag("cached", Boolean.toString(cached)).register(registry).increment(rewrites);
    }

    public void generatorLatency(String rpc, long nanos) {
        Timer.builder("rlrf.reflector.generator.latency").description("Calls to generator-svc, retries included")
                .tag("rpc", rpc).register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void cacheHits(int n) {
        Counter.builder("rlrf.reflector.cache.hits").description("Items served from the cache").register(registry)
                .increment(n);
    }

    public void cacheMisses(int n) {
        Counter.builder("rlrf.reflector.cache.misses").description("Items looked up and not found in the cache")
                .register(registry).increment(n);
    }

    @Override
    public void error(String operation) {
        Counter.builder("rlrf.reflector.cache.errors").description("Cache operations that failed (answered uncached)")
                .tag("operation", operation).register(registry).increment();
    }

    @Override
    public void lookup(long nanos) {
        Timer.builder("rlrf.reflector.cache.lookup").description("One batched cache lookup (all items of a call)")
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void cacheUpGauge(BooleanSupplier up) {
        Gauge.builder("rlrf.reflector.cache.up", () -> up.getAsBoolean() ? 1.0 : 0.0)
                .description("1 when the reflections cache answered the last operation or probe, else 0").register(registry);
    }
}
