package io.rlrf.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.cli.experiment.Experiment;
import io.rlrf.cli.experiment.GrpcRuns;
import io.rlrf.cli.experiment.LocalRuns;
import io.rlrf.cli.experiment.Report;
import io.rlrf.cli.experiment.ResultsFiles;
import io.rlrf.cli.experiment.RunResult;
import io.rlrf.cli.experiment.Runs;
import io.rlrf.common.error.ServiceException;
import io.rlrf.loop.RunListener;
import io.rlrf.loop.config.InProcessGeneratorConfig;
import io.rlrf.loop.config.InProcessVerifierConfig;
import io.rlrf.loop.config.LocalTrainerConfig;
import io.rlrf.loop.local.LocalTrainer;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rlrf-cli experiment}: option parsing and output around {@link Experiment}, through
 * trainer-svc or, with {@code --in-process}, in this process (the same stages and run files, with the
 * generator, judge and reflector as libraries; trainer settings from {@code -Drlrf.trainer.*} system
 * properties, as trainer-svc reads them).
 */
@Command(name = "experiment", description = "Runs the built-in comparison: per seed, one run per mode from the same "
        + "base with the same candidate budget per prompt; prints progress and the tables, and writes results.json and "
        + "accuracy.png. Exit status 0 when every run succeeded, 1 when one failed.")
final class ExperimentCommand extends Cli.Command implements Callable<Integer> {

    @Option(names = "--trainer", paramLabel = "HOST:PORT", defaultValue = Targets.TRAINER,
            description = "trainer-svc's gRPC address (default: ${DEFAULT-VALUE}).")
    String trainer;

    @Option(names = {"--generator", "--reward", "--reflector"}, paramLabel = "HOST:PORT", hidden = true,
            description = "Accepted for symmetry with probe (bin/rlrf passes all four); the experiment talks to trainer-svc only.")
    List<String> ignoredPeers; // one value per option given: picocli refuses a single-valued option given three times

    @Option(names = "--seeds", paramLabel = "S1,S2,...", split = ",", defaultValue = "1",
            description = "Run seeds (default: ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "2", description = "Iterations per run (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--train-prompts", paramLabel = "N", description = "Training prompts per iteration (default: the trainer's).")
    Integer trainPrompts;

    @Option(names = "--eval-prompts", paramLabel = "N", description = "Held-out prompts (default: the trainer's).")
    Integer evalPrompts;

    @Option(names = "--modes", paramLabel = "M1,M2,...", split = ",",
            description = "Modes to compare: reward-only, rlrf, sft, rlrf-novalues (default: reward-only,rlrf).")
    List<String> modes;

    @Option(names = "--task", paramLabel = "TASK",
            description = "The task of every run: arith, gsm8k, svamp or facts (the factuality world: the tables add "
                    + "factual precision per iteration) (default: the config's, else the trainer's, arith).")
    String task;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A partial RunConfig applied to every run before the experiment's own settings: YAML (.yaml, "
                    + ".yml), JSON (.json) or protobuf text format (anything else). Replaces the arith recipe.")
    Path config;

    @Option(names = "--no-recipe", description = "On the arith task without --config, run on the trainer's run defaults "
            + "instead of the built-in experiment's arith recipe (" + ARITH_RECIPE + ").")
    boolean noRecipe;

    /** The built-in experiment's recipe for the arith task, a classpath resource in the --config form. */
    static final String ARITH_RECIPE = "io/rlrf/cli/experiment/arith-recipe.yaml";

    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".rlrf/experiment",
            description = "Where results.json and accuracy.png go (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:RLRF_ACCESS_TOKEN}",
            description = "Access token for trainer-svc (default: $RLRF_ACCESS_TOKEN).")
    String token;

    @Option(names = "--commit", paramLabel = "SHA", defaultValue = "", description = "Commit recorded in results.json.")
    String commit;

    @Option(names = "--in-process", description = "Run the stages in this process with in-process peers (no services).")
    boolean inProcess;

    @Option(names = "--store", paramLabel = "DIR", defaultValue = ".rlrf/models",
            description = "In-process: the model store (default: ${DEFAULT-VALUE}).")
    Path store;

    @Option(names = "--runs", paramLabel = "DIR", defaultValue = ".rlrf/runs-in-process",
            description = "In-process: the run root (default: ${DEFAULT-VALUE}).")
    Path runRoot;

    /**
     * What every run starts from before the experiment's own settings: the --config file if given; else,
     * on the arith task and unless --no-recipe, the arith recipe; else nothing (the trainer's run defaults).
     */
    RunConfig overrides() {
        if (config != null) {
            return RunConfigFiles.read(config);
        }
        return usesRecipe() ? arithRecipe() : RunConfig.getDefaultInstance();
    }

    private boolean usesRecipe() {
        return config == null && !noRecipe && (task == null || task.equals("arith"));
    }

    /** Where the runs' settings come from, as printed before the experiment starts. */
    String settingsSource() {
        if (config != null) {
            return "--config " + config + " on the trainer's run defaults";
        }
        return usesRecipe() ? "the arith recipe (" + ARITH_RECIPE + "): "
                + com.google.protobuf.TextFormat.shortDebugString(arithRecipe()) + ", on the trainer's run defaults"
                : "the trainer's run defaults";
    }

    /** The arith recipe ({@link #ARITH_RECIPE}). */
    static RunConfig arithRecipe() {
        try (var in = ExperimentCommand.class.getClassLoader().getResourceAsStream(ARITH_RECIPE)) {
            if (in == null) {
                throw new IllegalStateException("the build lost the resource " + ARITH_RECIPE);
            }
            return RunConfigFiles.parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8),
                    ARITH_RECIPE, ARITH_RECIPE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    String peer() {
        return "trainer-svc at " + trainer;
    }

    @Override
    public Integer call() {
        Experiment.Plan plan;
        try {
            positive("--iterations", iterations);
            if (trainPrompts != null) {
                positive("--train-prompts", trainPrompts);
            }
            if (evalPrompts != null) {
                positive("--eval-prompts", evalPrompts);
            }
            if (noRecipe && config != null) {
                throw new IllegalArgumentException("--no-recipe and --config exclude each other: a --config file "
                        + "already replaces the arith recipe (on the trainer's run defaults)");
            }
            RunConfig overrides = overrides();
            if (task != null) {
                if (!io.rlrf.loop.plan.RunProblems.KNOWN.contains(task)) {
                    throw new IllegalArgumentException("--task: unknown task '" + task + "'; known: "
                            + String.join(", ", io.rlrf.loop.plan.RunProblems.KNOWN));
                }
                overrides = overrides.toBuilder().setTask(task).build();
            }
            plan = new Experiment.Plan(List.copyOf(seeds), iterations, trainPrompts, evalPrompts, overrides,
                    (modes == null ? Experiment.DEFAULT_MODES : modes).stream().map(String::strip).toList());
        } catch (IllegalArgumentException e) {
            throw new Cli.UsageError(e.getMessage());
        }
        out.println("settings: " + settingsSource());
        ManagedChannel channel = inProcess ? null : ManagedChannelBuilder.forTarget(trainer).usePlaintext().build();
        long start = System.nanoTime();
        try (Runs runs = inProcess ? local(runRoot, store) : new GrpcRuns(channel, token)) {
            List<RunResult> results = new Experiment(runs, out).run(plan);
            Report.print(results, out);
            Path json = dir.resolve("results.json");
            Path png = dir.resolve("accuracy.png");
            ResultsFiles.writeJson(results, json, commit);
            ResultsFiles.writePlot(results, png);
            out.printf("%nwrote %s and %s; experiment took %.1f min%n", json, png, (System.nanoTime() - start) / 60e9);
            return Cli.OK;
        } catch (Experiment.Failed | ServiceException e) {
            throw new Cli.Failure("experiment failed: " + e.getMessage());
        } catch (StatusRuntimeException e) {
            throw new Cli.Failure("experiment failed: trainer-svc at " + trainer + " answered " + Cli.describe(e.getStatus()));
        } catch (IOException e) {
            throw new Cli.Failure("could not write the results: " + e.getMessage());
        } finally {
            if (channel != null) {
                channel.shutdownNow();
                try {
                    channel.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * In-process runs, configured by the {@code rlrf.trainer.*} system properties trainer-svc reads and the
     * {@code rlrf.reward.verifier.*} critique-form properties reward-svc reads, and generator-svc's
     * {@code rlrf.generator.batching.lanes}.
     */
    private static Runs local(Path runRoot, Path store) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().addDefaultSources().withMapping(LocalTrainerConfig.class)
                .withMapping(InProcessVerifierConfig.class).withMapping(InProcessGeneratorConfig.class).build();
        return new LocalRuns(LocalTrainer.of(config.getConfigMapping(LocalTrainerConfig.class),
                config.getConfigMapping(InProcessVerifierConfig.class), config.getConfigMapping(InProcessGeneratorConfig.class),
                runRoot, store, RunListener.NONE));
    }

    private static void positive(String option, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(option + " must be positive, got " + value);
        }
    }
}
