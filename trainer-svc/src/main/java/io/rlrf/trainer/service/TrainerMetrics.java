package io.rlrf.trainer.service;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.rlrf.api.trainer.v1.IterationSummary;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.StageCompleted;
import io.rlrf.loop.RunListener;
import io.rlrf.loop.run.RunHandle;
import io.rlrf.loop.stage.StageFigures;
import io.rlrf.model.train.DpoStats;

/**
 * The trainer's telemetry, as the loop reports a run: {@code rlrf.trainer.stage.duration} (timer per
 * mode and stage), {@code rlrf.trainer.items} (counter per mode and kind: samples, feedback, rewrites,
 * pairs, prompts_skipped), {@code rlrf.trainer.train.step.loss} (per run and {@code part}: total,
 * preference, nll; the last step), and gauges per run and iteration for the figures a run reports
 * ({@code rlrf.trainer.train.loss} per {@code part}, {@code ...dpo.reward.margin}, {@code ...dpo.reward.accuracy},
 * {@code rlrf.trainer.refine.acceptance.rate}, {@code rlrf.trainer.eval.accuracy},
 * {@code rlrf.trainer.eval.answer.tokens}, {@code rlrf.trainer.eval.aspect.rating}).
 *
 * <p>For alerting, per run and without the iteration tag: {@code rlrf.trainer.run.active} (1 while the
 * run is RUNNING), {@code rlrf.trainer.run.progress.timestamp} [rlrf_trainer_run_progress_timestamp_seconds]
 * (when the run's persisted state last changed: a progress step, a finished stage or a state change),
 * {@code rlrf.trainer.run.iteration} (the last finished iteration) and
 * {@code rlrf.trainer.eval.accuracy.change} (that iteration's held-out accuracy minus the previous
 * iteration's, or the base policy's for iteration 1).
 */
@ApplicationScoped
public class TrainerMetrics implements RunListener {

    private final MeterRegistry registry;
    private final Map<String, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<RunHandle>> watched = new ConcurrentHashMap<>();

    public TrainerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Publishes the live per-run gauges for {@code run}: read from its handle at every scrape, so a
     * run stuck inside a stage shows a progress time that stops moving.
     */
    @Override
    public void started(RunHandle run) {
        AtomicReference<RunHandle> current = watched.computeIfAbsent(run.id(), id -> {
            AtomicReference<RunHandle> ref = new AtomicReference<>(run);
            Tags tags = Tags.of("run", id, "mode", run.run().getConfig().getMode().name());
            Gauge.builder("rlrf.trainer.run.active", ref,
                    r -> r.get().run().getState() == RunState.RUN_STATE_RUNNING ? 1.0 : 0.0)
                    .description("1 while the run is RUNNING").tags(tags).register(registry);
            Gauge.builder("rlrf.trainer.run.progress.timestamp", ref, r -> {
                var t = r.get().run().getUpdatedAt();
                return t.getSeconds() + t.getNanos() / 1e9;
            }).description("Unix time of the run's last persisted change (progress, finished stage or state)")
                    .baseUnit("seconds").tags(tags).register(registry);
            return ref;
        });
        current.set(run); // a run reloaded from disk has a new handle
    }

    @Override
    public void stageCompleted(Run run, StageCompleted completed, StageFigures figures) {
        String mode = run.getConfig().getMode().name();
        Timer.builder("rlrf.trainer.stage.duration").tags("mode", mode, "stage", completed.getStage().name())
                .register(registry).record(Duration.ofMillis(completed.getDurationMillis()));
        if (figures instanceof StageFigures.Sample s) {
            count(mode, "samples", s.samples());
        } else if (figures instanceof StageFigures.Judge j) {
            count(mode, "feedback", j.items());
        } else if (figures instanceof StageFigures.Reflect r) {
            count(mode, "rewrites", r.rewrites());
        } else if (figures instanceof StageFigures.Pair p) {
            count(mode, "pairs", p.pairs());
            count(mode, "prompts_skipped", p.promptsSkipped());
        }
    }

    private void count(String mode, String kind, double amount) {
        registry.counter("rlrf.trainer.items", "mode", mode, "kind", kind).increment(amount);
    }

    @Override
    public void dpoStep(Run run, DpoStats st) {
        Tags tags = Tags.of("run", run.getRunId());
        gauge("rlrf.trainer.train.step.loss", tags.and("part", "total"), st.loss());
        gauge("rlrf.trainer.train.step.loss", tags.and("part", "preference"), st.preferenceLoss());
        gauge("rlrf.trainer.train.step.loss", tags.and("part", "nll"), st.nllLoss());
    }

    @Override
    public void iterationCompleted(Run run, IterationSummary s) {
        Tags tags = Tags.of("run", run.getRunId(), "mode", run.getConfig().getMode().name(), "iteration",
                Integer.toString(s.getIteration()));
        gauge("rlrf.trainer.train.loss", tags.and("part", "total"), s.getLoss());
        gauge("rlrf.trainer.train.loss", tags.and("part", "preference"), s.getPreferenceLoss());
        gauge("rlrf.trainer.train.loss", tags.and("part", "nll"), s.getNllLoss());
        gauge("rlrf.trainer.dpo.reward.margin", tags, s.getRewardMargin());
        gauge("rlrf.trainer.dpo.reward.accuracy", tags, s.getRewardAccuracy());
        gauge("rlrf.trainer.refine.acceptance.rate", tags, s.getRefineAcceptanceRate());
        gauge("rlrf.trainer.eval.accuracy", tags, s.getEvalAccuracy());
        gauge("rlrf.trainer.eval.answer.tokens", tags, s.getMeanAnswerTokens());
        gauge("rlrf.trainer.pairs", tags, s.getPairs());
        s.getMeanAspectRatingMap().forEach((aspect, v) -> gauge("rlrf.trainer.eval.aspect.rating", tags.and("aspect", aspect), v));
        Tags perRun = Tags.of("run", run.getRunId(), "mode", run.getConfig().getMode().name());
        gauge("rlrf.trainer.run.iteration", perRun, s.getIteration());
        previousAccuracy(run, s.getIteration())
                .ifPresent(previous -> gauge("rlrf.trainer.eval.accuracy.change", perRun, s.getEvalAccuracy() - previous));
    }

    /** Held-out accuracy before {@code iteration}: the previous iteration's, or the base policy's for iteration 1. */
    private static OptionalDouble previousAccuracy(Run run, int iteration) {
        for (IterationSummary earlier : run.getIterationsList()) {
            if (earlier.getIteration() == iteration - 1) {
                return OptionalDouble.of(earlier.getEvalAccuracy());
            }
        }
        return iteration == 1 && run.hasBaseEvalAccuracy() ? OptionalDouble.of(run.getBaseEvalAccuracy())
                : OptionalDouble.empty();
    }

    private void gauge(String name, Tags tags, double value) {
        String key = name + tags;
        AtomicReference<Double> ref = gauges.computeIfAbsent(key, k -> {
            AtomicReference<Double> r = new AtomicReference<>(0.0);
            Gauge.builder(name, r, AtomicReference::get).tags(tags).register(registry);
            return r;
        });
        ref.set(value);
    }
}
