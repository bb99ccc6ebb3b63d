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
import io.rlrf.model.generate.GenerationEngine;

/**
 * The metrics generator-svc publishes (Prometheus names on {@code /q/metrics} in brackets):
 * <ul>
 * <li>{@code rlrf.generator.tokens} [rlrf_generator_tokens_total] with {@code kind} = prompt or
 *     completion: prompt tokens of the sequences admitted, and tokens sampled;</li>
 * <li>{@code rlrf.generator.prefill.tokens} [rlrf_generator_prefill_tokens_total] with
 *     {@code source} = computed or shared: prompt tokens run through the model, and prompt tokens
 *     copied from a sequence with the same prompt instead (the n samples of a prompt share one
 *     prefill);</li>
 * <li>{@code rlrf.generator.decode.rows} [rlrf_generator_decode_rows_total] with {@code source} =
 *     computed or shared: sequences fed to decoding passes, computed, or given the logits of a sequence
 *     with the same prompt and the same tokens so far (the n samples of a prompt until they part);</li>
 * <li>{@code rlrf.generator.batch.size} [rlrf_generator_batch_size]: sequences decoding together in
 *     one engine step (a distribution: continuous batching keeps it near max-batch-sequences while
 *     work is queued);</li>
 * <li>{@code rlrf.generator.queue.wait} [rlrf_generator_queue_wait_seconds]: per sequence, time from
 *     the call's admission to the step that gives it a decoding row;</li>
 * <li>{@code rlrf.generator.time.per.token} [rlrf_generator_time_per_token_seconds]: per engine
 *     step, its wall time divided by the tokens it sampled;</li>
 * <li>{@code rlrf.generator.batch.duration} [rlrf_generator_batch_duration_seconds]: per engine step
 *     (admission and prefill, then one decoding pass);</li>
 * <li>{@code rlrf.generator.lane.steps} [rlrf_generator_lane_steps_total] with {@code lane} = 0, 1, ...:
 *     engine steps each batching lane ran (how evenly {@code batching.lanes} share the work);</li>
 * <li>{@code rlrf.generator.sequences.cancelled} [..._total]: sequences whose call was cancelled or
 *     ran past its deadline, dropped from the queue or stopped mid-batch;</li>
 * <li>{@code rlrf.generator.sequences.finished} [..._total] with {@code reason} = eos, stop, length or
 *     cancelled: every sequence, by why it ended;</li>
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
    private final Counter computedPromptTokens;
    private final Counter sharedPromptTokens;
    private final Counter computedDecodeRows;
    private final Counter sharedDecodeRows;
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
                .description("Prompt tokens admitted, and tokens sampled").register(registry);
        completionTokens = Counter.builder("rlrf.generator.tokens").tag("kind", "completion")
                .description("Prompt tokens admitted, and tokens sampled").register(registry);
        computedPromptTokens = Counter.builder("rlrf.generator.prefill.tokens").tag("source", "computed")
                .description("Prompt tokens run through the model by prefill").register(registry);
        sharedPromptTokens = Counter.builder("rlrf.generator.prefill.tokens").tag("source", "shared")
                .description("Prompt tokens copied from a sequence with the same prompt instead of computed")
                .register(registry);
        computedDecodeRows = Counter.builder("rlrf.generator.decode.rows").tag("source", "computed")
                .description("Sequences a decoding pass computed").register(registry);
        sharedDecodeRows = Counter.builder("rlrf.generator.decode.rows").tag("source", "shared")
                .description("Sequences that took the logits of one with the same prompt and tokens so far")
                .register(registry);
        batchSize = DistributionSummary.builder("rlrf.generator.batch.size")
                .description("Sequences (prompt x sample) decoding together in one engine step").publishPercentileHistogram()
                .minimumExpectedValue(1.0).maximumExpectedValue(256.0).register(registry);
        queueWait = Timer.builder("rlrf.generator.queue.wait").description("Time a sequence waited for a decoding row")
                .publishPercentileHistogram().register(registry);
        timePerToken = Timer.builder("rlrf.generator.time.per.token")
                .description("Engine step wall time per token it sampled").register(registry);
        batchDuration = Timer.builder("rlrf.generator.batch.duration").description("Wall time of one engine step")
                .register(registry);
        cancelled = Counter.builder("rlrf.generator.sequences.cancelled")
                .description("Sequences stopped because their call was cancelled or ran past its deadline")
                .register(registry);
        loadedVersion = MultiGauge.builder("rlrf.generator.model.loaded")
                .description("1 for the policy version being served").register(registry);
    }

    /** Records one engine step, run by batching lane {@code lane}. */
    void step(int lane, GenerationEngine.Step step) {
        Counter.builder("rlrf.generator.lane.steps").tag("lane", Integer.toString(lane))
                .description("Engine steps run by each batching lane").register(registry).increment();
        if (step.decodeRows() > 0) {
            batchSize.record(step.decodeRows());
        }
        promptTokens.increment(step.prefillTokens() + step.sharedTokens());
        computedPromptTokens.increment(step.prefillTokens());
        sharedPromptTokens.increment(step.sharedTokens());
        computedDecodeRows.increment(step.decodeComputed());
        sharedDecodeRows.increment(step.decodeRows() - step.decodeComputed());
        completionTokens.increment(step.sampledTokens());
        long nanos = step.prefillNanos() + step.decodeNanos();
        batchDuration.record(nanos, TimeUnit.NANOSECONDS);
        if (step.sampledTokens() > 0) {
            timePerToken.record(nanos / step.sampledTokens(), TimeUnit.NANOSECONDS);
        }
        if (step.cancelled() > 0) {
            cancelled.increment(step.cancelled());
        }
    }

    void queueWait(long nanos) {
        queueWait.record(nanos, TimeUnit.NANOSECONDS);
    }

    void cancelled(int sequences) {
        cancelled.increment(sequences);
    }

    /** One sequence finished (or was dropped), for {@code reason}: eos, stop, length or cancelled. */
    void finished(io.rlrf.model.generate.FinishReason reason) {
        String tag = switch (reason) {
            case EOS -> "eos";
            case STOP_STRING -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
        };
        Counter.builder("rlrf.generator.sequences.finished").tag("reason", tag)
                .description("Sequences finished, by why they ended").register(registry).increment();
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
        Gauge.builder("rlrf.generator.queue.length", length).description("Sequences waiting for a decoding row")
                .register(registry);
    }
}
