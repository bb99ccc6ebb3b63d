package io.rlrf.generator.service;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;

/**
 * The metrics generator-svc publishes (Prometheus names on {@code /q/metrics} in brackets):
 * <ul>
 * <li>{@code rlrf.generator.tokens} [rlrf_generator_tokens_total] with {@code kind} = prompt or
 *     completion: tokens processed in forward batches;</li>
 * <li>{@code rlrf.generator.batch.size} [rlrf_generator_batch_size]: sequences per forward batch
 *     (a distribution: its max above 1 shows that concurrent calls were batched together);</li>
 * <li>{@code rlrf.generator.queue.wait} [rlrf_generator_queue_wait_seconds]: per sequence, time from
 *     admission to the start of its batch;</li>
 * <li>{@code rlrf.generator.time.per.token} [rlrf_generator_time_per_token_seconds]: per batch, its
 *     wall time divided by the completion tokens it produced;</li>
 * <li>{@code rlrf.generator.batch.duration} [rlrf_generator_batch_duration_seconds]: per batch;</li>
 * <li>{@code rlrf.generator.sequences.cancelled} [..._total]: sequences whose call was cancelled or
 *     ran past its deadline, dropped from the queue or stopped mid-batch;</li>
 * <li>{@code rlrf.generator.model.loaded} [rlrf_generator_model_loaded] with tag {@code version}:
 *     1 for the served version (no series while none is loaded), and
 *     {@code rlrf.generator.model.loads} [..._total] with {@code outcome}.</li>
 * </ul>
 * Quarkus's gRPC server timer {@code grpc.server.processing.duration}
 * [grpc_server_processing_duration_seconds] is published here as a histogram with the buckets in
 * {@link #LATENCY_BUCKETS}, so Prometheus can compute the p99 latency of {@code Generate} calls
 * ({@code histogram_quantile} over {@code _bucket}).
 */
@ApplicationScoped
public class GeneratorMetrics {

    private final MeterRegistry registry;
    private final Counter promptTokens;
    private final Counter completionTokens;
    private final DistributionSummary batchSize;
    private final Timer queueWait;
    private final Timer timePerToken;
    private final Timer batchDuration;
    private final Counter cancelled;
    private final MultiGauge loadedVersion;

    /** Histogram buckets of the gRPC server latency: from a cached short answer to a long batch on CPU. */
    static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(300)};

    /** Publishes the gRPC server latency with histogram buckets (Micrometer applies every MeterFilter bean). */
    @Produces
    @Singleton
    static MeterFilter grpcLatencyHistogram() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (!id.getName().equals("grpc.server.processing.duration")) {
                    return config;
                }
                double[] slos = new double[LATENCY_BUCKETS.length];
                for (int i = 0; i < slos.length; i++) {
                    slos[i] = LATENCY_BUCKETS[i].toNanos();
                }
                return DistributionStatisticConfig.builder().serviceLevelObjectives(slos).build().merge(config);
            }
        };
    }

    public GeneratorMetrics(MeterRegistry registry) {
        this.registry = registry;
        promptTokens = Counter.builder("rlrf.generator.tokens").tag("kind", "prompt")
                .description("Tokens processed by forward batches").register(registry);
        completionTokens = Counter.builder("rlrf.generator.tokens").tag("kind", "completion")
                .description("Tokens processed by forward batches").register(registry);
        batchSize = DistributionSummary.builder("rlrf.generator.batch.size")
                .description("Sequences (prompt x sample) per forward batch").publishPercentileHistogram()
                .minimumExpectedValue(1.0).maximumExpectedValue(256.0).register(registry);
        queueWait = Timer.builder("rlrf.generator.queue.wait").description("Time a sequence waited for its batch")
                .publishPercentileHistogram().register(registry);
        timePerToken = Timer.builder("rlrf.generator.time.per.token")
                .description("Batch wall time per completion token it produced").register(registry);
        batchDuration = Timer.builder("rlrf.generator.batch.duration").description("Wall time of one forward batch")
                .register(registry);
        cancelled = Counter.builder("rlrf.generator.sequences.cancelled")
                .description("Sequences stopped because their call was cancelled or ran past its deadline")
                .register(registry);
        loadedVersion = MultiGauge.builder("rlrf.generator.model.loaded")
                .description("1 for the policy version being served").register(registry);
    }

    void batch(int sequences, int promptTokenCount, int completionTokenCount, long nanos) {
        batchSize.record(sequences);
        promptTokens.increment(promptTokenCount);
        completionTokens.increment(completionTokenCount);
        batchDuration.record(nanos, TimeUnit.NANOSECONDS);
        if (completionTokenCount > 0) {
            timePerToken.record(nanos / completionTokenCount, TimeUnit.NANOSECONDS);
        }
    }

    void queueWait(long nanos) {
        queueWait.record(nanos, TimeUnit.NANOSECONDS);
    }

    void cancelled(int sequences) {
        cancelled.increment(sequences);
    }

    void loaded(String version, boolean ok) {
        Counter.builder("rlrf.generator.model.loads").description("LoadCheckpoint attempts (start-up included)")
                .tag("outcome", ok ? "ok" : "failed").register(registry).increment();
    }

    /** Publishes {@code version} as the served one (1), replacing the previous series. */
    void servedVersion(Supplier<String> version) {
        String v = version.get();
        loadedVersion.register(v == null ? java.util.List.of()
                : java.util.List.of(MultiGauge.Row.of(Tags.of("version", v), 1.0)), true);
    }

    /** Largest batch recorded so far (for tests and logs). */
    public double maxBatchSize() {
        return batchSize.max();
    }

    /** Registers an extra gauge (queue length). */
    void queueLengthGauge(Supplier<Number> length) {
        Gauge.builder("rlrf.generator.queue.length", length).description("Sequences waiting for a batch")
                .register(registry);
    }
}
