package io.rlrf.trainer.run;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.rlrf.api.trainer.v1.IterationSummary;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.model.train.DpoStats;

/**
 * The trainer's telemetry: {@code rlrf.trainer.stage.duration} (timer per mode and stage),
 * {@code rlrf.trainer.items} (counter per mode and kind: samples, feedback, rewrites, pairs,
 * prompts_skipped), and gauges per run and iteration for the figures a run reports
 * ({@code rlrf.trainer.dpo.loss}, {@code ...dpo.reward.margin}, {@code ...dpo.reward.accuracy},
 * {@code rlrf.trainer.refine.acceptance.rate}, {@code rlrf.trainer.eval.accuracy},
 * {@code rlrf.trainer.eval.answer.tokens}, {@code rlrf.trainer.eval.aspect.rating}).
 */
@ApplicationScoped
public class TrainerMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();

    public TrainerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void stageCompleted(Run run, Stage stage, long millis, Map<String, Double> figures) {
        String mode = run.getConfig().getMode().name();
        Timer.builder("rlrf.trainer.stage.duration").tags("mode", mode, "stage", stage.name()).register(registry)
                .record(Duration.ofMillis(millis));
        count(mode, "samples", stage == Stage.STAGE_SAMPLE ? figures.get("samples") : null);
        count(mode, "feedback", stage == Stage.STAGE_JUDGE || stage == Stage.STAGE_JUDGE_REFINEMENTS ? figures.get("items") : null);
        count(mode, "rewrites", stage == Stage.STAGE_REFLECT ? figures.get("rewrites") : null);
        if (stage == Stage.STAGE_PAIR) {
            count(mode, "pairs", figures.get("pairs"));
            count(mode, "prompts_skipped", figures.get("prompts_skipped"));
        }
    }

    private void count(String mode, String kind, Double amount) {
        if (amount != null) {
            registry.counter("rlrf.trainer.items", "mode", mode, "kind", kind).increment(amount);
        }
    }

    void dpoStep(Run run, DpoStats st) {
        Tags tags = Tags.of("run", run.getRunId());
        gauge("rlrf.trainer.dpo.step.loss", tags, st.loss());
    }

    void iterationCompleted(Run run, IterationSummary s) {
        Tags tags = Tags.of("run", run.getRunId(), "mode", run.getConfig().getMode().name(), "iteration",
                Integer.toString(s.getIteration()));
        gauge("rlrf.trainer.dpo.loss", tags, s.getDpoLoss());
        gauge("rlrf.trainer.dpo.reward.margin", tags, s.getRewardMargin());
        gauge("rlrf.trainer.dpo.reward.accuracy", tags, s.getRewardAccuracy());
        gauge("rlrf.trainer.refine.acceptance.rate", tags, s.getRefineAcceptanceRate());
        gauge("rlrf.trainer.eval.accuracy", tags, s.getEvalAccuracy());
        gauge("rlrf.trainer.eval.answer.tokens", tags, s.getMeanAnswerTokens());
        gauge("rlrf.trainer.pairs", tags, s.getPairs());
        s.getMeanAspectRatingMap().forEach((aspect, v) -> gauge("rlrf.trainer.eval.aspect.rating", tags.and("aspect", aspect), v));
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
