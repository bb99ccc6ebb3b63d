package io.rlrf.cli.experiment;

import java.io.PrintStream;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.grpc.StatusRuntimeException;
import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunEvent;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.StageCompleted;
import io.rlrf.api.trainer.v1.StageProgress;

/**
 * The built-in experiment: for each seed, one run per mode from the same base policy with the same
 * candidate budget per prompt, watched to the end, then the comparison table, {@code results.json}
 * and {@code accuracy.png}. Modes ({@link #MODES}): {@code reward-only} and {@code rlrf} (the
 * default pair), {@code sft} (the reference solutions of the same prompts: an upper bound, so that
 * extra training cannot pass for RL) and {@code rlrf-novalues} (rlrf judged by
 * {@code verifier-gsm8k-novalues}, whose critiques name the faulty line but not its right value).
 *
 * <p>Same budget: an rlrf iteration judges n samples plus m rewrites per prompt, so the reward-only
 * run samples n + m answers per prompt (the method's baseline: pairs from the samples only).
 */
public final class Experiment {

    /**
     * What to run; a null prompt count takes the trainer's default; {@code overrides} (a partial
     * RunConfig, e.g. from {@code --config}) applies to every run before the experiment's own settings.
     */
    public record Plan(List<Long> seeds, int iterations, Integer trainPrompts, Integer evalPrompts,
            RunConfig overrides, List<String> modes) {

        public Plan {
            for (String mode : modes) {
                if (!MODES.contains(mode)) {
                    throw new IllegalArgumentException("unknown mode '" + mode + "'; modes: " + String.join(", ", MODES));
                }
            }
            if (modes.isEmpty() || seeds.isEmpty()) {
                throw new IllegalArgumentException("an experiment needs at least one mode and one seed");
            }
            modes = List.copyOf(modes);
        }

        public Plan(List<Long> seeds, int iterations, Integer trainPrompts, Integer evalPrompts) {
            this(seeds, iterations, trainPrompts, evalPrompts, RunConfig.getDefaultInstance(), DEFAULT_MODES);
        }
    }

    /** Every mode an experiment can run, in the order it runs them per seed. */
    public static final List<String> MODES = List.of("reward-only", "rlrf", "sft", "rlrf-novalues");
    /** The method's comparison. */
    public static final List<String> DEFAULT_MODES = List.of("reward-only", "rlrf");
    /** The judge of {@code rlrf-novalues} on the math tasks (reward-svc's, and the in-process judge's). */
    static final String NO_VALUES_JUDGE = io.rlrf.tasks.verify.VerifierJudges.VERIFIER_NO_VALUES;

    /** Why the experiment stopped early. */
    public static final class Failed extends RuntimeException {
        Failed(String message) {
            super(message);
        }
    }

    private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Runs trainer;
    private final PrintStream out;

    public Experiment(Runs trainer, PrintStream out) {
        this.trainer = trainer;
        this.out = out;
    }

    /** Runs the plan; returns every finished run in order (per seed: reward-only, then rlrf). */
    public List<RunResult> run(Plan plan) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        RunConfig rlrf = resolve(config(plan, Mode.MODE_RLRF, plan.seeds().get(0)));
        int n = rlrf.getSampling().getN();
        int m = rlrf.getReflection().getM();
        out.printf("[experiment] %d seed(s) x (%s), %d iterations each; budget %d candidates per prompt "
                + "per iteration (rlrf: %d samples + %d rewrites; reward-only: %d samples)%n", plan.seeds().size(),
                String.join(", ", plan.modes()), plan.iterations(), n + m, n, m, n + m);
        out.printf("[experiment] %d training prompts per iteration, %d held-out prompts, task %s, levels %s%n",
                rlrf.getData().getTrainPrompts(), rlrf.getData().getEvalPrompts(), rlrf.getTask(),
                rlrf.getData().getDifficultyLevelsList());
        List<RunResult> results = new ArrayList<>();
        for (long seed : plan.seeds()) {
            for (String mode : MODES) {
                if (plan.modes().contains(mode)) {
                    results.add(execute(mode, seed, "exp-" + stamp + "-s" + seed + "-" + mode, config(plan, mode, seed, n, m)));
                }
            }
        }
        return results;
    }

    /** Mode {@code name}'s run config: reward-only gets the n + m budget as samples. */
    private RunConfig config(Plan plan, String name, long seed, int n, int m) {
        return switch (name) {
            case "reward-only" -> {
                RunConfig.Builder c = config(plan, Mode.MODE_REWARD_ONLY, seed);
                yield c.setSampling(c.getSampling().toBuilder().setN(n + m)).clearReflection().build();
            }
            case "rlrf" -> config(plan, Mode.MODE_RLRF, seed).build();
            case "sft" -> config(plan, Mode.MODE_SFT, seed).clearReflection().build();
            case "rlrf-novalues" -> config(plan, Mode.MODE_RLRF, seed)
                    .setJudge(io.rlrf.tasks.verify.VerifierJudges.noValuesFor(plan.overrides().getTask())).build();
            default -> throw new IllegalArgumentException("unknown mode " + name);
        };
    }

    private RunConfig.Builder config(Plan plan, Mode mode, long seed) {
        RunConfig.Builder c = plan.overrides().toBuilder().setMode(mode).setSeed(seed).setIterations(plan.iterations())
                .putLabels("experiment", "built-in");
        DataConfig.Builder data = c.getData().toBuilder();
        if (plan.trainPrompts() != null) {
            data.setTrainPrompts(plan.trainPrompts());
        }
        if (plan.evalPrompts() != null) {
            data.setEvalPrompts(plan.evalPrompts());
        }
        c.setData(data);
        if (mode == Mode.MODE_RLRF) {
            c.setReflection(c.getReflection().toBuilder().setEnabled(true));
        }
        return c;
    }

    private RunConfig resolve(RunConfig.Builder c) {
        return trainer.resolve(c.build());
    }

    private RunResult execute(String mode, long seed, String runId, RunConfig config) {
        long start = System.nanoTime();
        trainer.start(runId, config);
        out.printf("[%s seed %d] run %s started%n", mode, seed, runId);
        List<StageCompleted> stages = new ArrayList<>();
        long after = 0;
        int reconnects = 0;
        boolean terminal = false;
        long lastPrint = 0;
        String lastStage = "";
        while (!terminal) {
            try {
                Iterator<RunEvent> events = trainer.watch(runId, after);
                while (events.hasNext()) {
                    RunEvent e = events.next();
                    after = e.getSequence();
                    switch (e.getEventCase()) {
                        case PROGRESS -> {
                            StageProgress p = e.getProgress();
                            String key = p.getIteration() + "/" + p.getStage();
                            long now = System.nanoTime();
                            if (p.getTotal() > 0 && (!key.equals(lastStage) || now - lastPrint > PROGRESS_EVERY_NANOS)) {
                                out.printf("[%s seed %d] iteration %d %-17s %5d/%-5d %s%n", mode, seed, p.getIteration(),
                                        stageName(p.getStage()), p.getDone(), p.getTotal(), bar(p.getDone(), p.getTotal()));
                                lastPrint = now;
                                lastStage = key;
                            }
                        }
                        case STAGE_COMPLETED -> {
                            StageCompleted s = e.getStageCompleted();
                            stages.add(s);
                            out.printf("[%s seed %d] iteration %d %-17s done in %.1f s%s%n", mode, seed, s.getIteration(),
                                    stageName(s.getStage()), s.getDurationMillis() / 1000.0, highlights(s));
                        }
                        case ITERATION_COMPLETED -> out.printf(
                                "[%s seed %d] iteration %d: held-out accuracy %.1f%%, mean score %.3f%n", mode, seed,
                                e.getIterationCompleted().getIteration(), 100 * e.getIterationCompleted().getEvalAccuracy(),
                                e.getIterationCompleted().getMeanScore());
                        case STATE_CHANGED -> {
                            RunState state = e.getStateChanged().getState();
                            if (state == RunState.RUN_STATE_FAILED || state == RunState.RUN_STATE_CANCELLED
                                    || state == RunState.RUN_STATE_INTERRUPTED) {
                                throw new Failed("run " + runId + " ended " + state + ": " + e.getStateChanged().getError()
                                        + " (its files stay in the trainer's run root; ResumeRun continues it)");
                            }
                            terminal = state == RunState.RUN_STATE_SUCCEEDED;
                        }
                        default -> {
                        }
                    }
                }
                Run run = trainer.get(runId);
                terminal = terminal || run.getState() == RunState.RUN_STATE_SUCCEEDED;
                if (!terminal) {
                    throw new Failed("run " + runId + " stopped in state " + run.getState() + ": " + run.getError());
                }
            } catch (StatusRuntimeException e) {
                if (++reconnects > 5) {
                    throw new Failed("lost the trainer while watching " + runId + ": " + e.getStatus());
                }
                out.printf("[%s seed %d] watch interrupted (%s); reconnecting after event %d%n", mode, seed,
                        e.getStatus().getCode(), after);
                sleep(2000L * reconnects);
            }
        }
        Run run = trainer.get(runId);
        long wall = (System.nanoTime() - start) / 1_000_000;
        out.printf("[%s seed %d] run %s finished in %.1f s%n", mode, seed, runId, wall / 1000.0);
        return new RunResult(mode, seed, run, stages, wall);
    }

    public static String stageName(io.rlrf.api.trainer.v1.Stage stage) {
        return stage.name().substring("STAGE_".length()).toLowerCase(Locale.ROOT);
    }

    public static String bar(long done, long total) {
        int width = 20;
        int filled = (int) Math.min(width, total == 0 ? 0 : done * width / total);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    public static String highlights(StageCompleted s) {
        StringBuilder b = new StringBuilder();
        for (String key : List.of("cached", "dev_accuracy", "samples", "rewrites", "mean_score", "pairs",
                "refine_acceptance_rate", "chosen_refined", "loss", "preference_loss", "nll_loss", "reward_accuracy",
                "accuracy")) {
            if (s.getMetricsMap().containsKey(key)) {
                double v = s.getMetricsOrThrow(key);
                b.append(b.length() == 0 ? " (" : ", ").append(key).append(' ')
                        .append(v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3f", v));
            }
        }
        return b.length() == 0 ? "" : b.append(')').toString();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failed("interrupted");
        }
    }
}
