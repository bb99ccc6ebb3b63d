package io.rlrf.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.StartRunRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code run start}: a run on trainer-svc from a config file and flags. */
@Command(name = "run", description = "Starts a run on trainer-svc.", subcommands = RunCommand.Start.class)
final class RunCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: start");
    }

    @Command(name = "start", description = {
        "Starts a run on trainer-svc (StartRun): the config file, if any, then the flags, which override it; every "
                + "setting left unset takes trainer-svc's default (--validate-only prints them all). Prints the run id; "
                + "with --watch follows the run to its end.",
        "The config file is a (partial) RunConfig of trainer.proto: YAML (.yaml, .yml) or JSON (.json) in the proto "
                + "JSON mapping (e.g. 'mode: MODE_RLRF', 'sampling: {n: 8}'), or protobuf text format (any other "
                + "extension, the form of the loop's run-defaults.textproto)."})
    static final class Start extends Cli.Command implements Callable<Integer> {

        @Mixin
        TrainerOptions trainer;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "A RunConfig file (YAML, JSON or text format).")
        Path config;

        @Option(names = "--mode", paramLabel = "MODE",
                description = "rlrf, reward-only, sft or dpo-offline (or MODE_RLRF, ...).")
        String mode;

        @Option(names = "--pairs", paramLabel = "FILE.jsonl",
                description = "dpo-offline: the preference file to train on (rows as 'pairs export' writes them, or any "
                        + "TRL/OpenRLHF rows whose prompt is under the trainer's answer template); sent as an absolute path, "
                        + "which trainer-svc must be able to read. Implies --mode dpo-offline when no mode is given.")
        Path pairs;

        @Option(names = "--task", paramLabel = "TASK", description = "The task (default: the trainer's, arith).")
        String task;

        @Option(names = "--iterations", paramLabel = "N", description = "Iterations.")
        Integer iterations;

        @Option(names = "--seed", paramLabel = "SEED", description = "Seed of data selection, sampling and training.")
        Long seed;

        @Option(names = "--base-checkpoint", paramLabel = "VERSION",
                description = "Model-store version to start from (default: the built-in base).")
        String baseCheckpoint;

        @Option(names = "--train-prompts", paramLabel = "N", description = "Training prompts per iteration.")
        Integer trainPrompts;

        @Option(names = "--eval-prompts", paramLabel = "N", description = "Held-out prompts evaluated after each iteration.")
        Integer evalPrompts;

        @Option(names = "--samples", paramLabel = "N", description = "Answers sampled per prompt (sampling.n).")
        Integer samples;

        @Option(names = "--rewrites", paramLabel = "M", description = "Rewrites per prompt (reflection.m).")
        Integer rewrites;

        @Option(names = "--judge", paramLabel = "JUDGE", description = "reward-svc's judge id (default: the task's).")
        String judge;

        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label stored with the run (repeatable).")
        Map<String, String> labels;

        @Option(names = "--run-id", paramLabel = "ID",
                description = "The run's id ([a-z0-9][a-z0-9-]{0,62}); repeating a start with the same id and config "
                        + "returns the existing run (default: trainer-svc assigns one).")
        String runId;

        @Option(names = "--validate-only", description = "Only resolve and validate: print the complete config as JSON.")
        boolean validateOnly;

        @Option(names = {"-w", "--watch"}, description = "Follow the run until it ends; exit status 1 unless it succeeded.")
        boolean watch;

        @Override
        String peer() {
            return trainer.peer();
        }

        @Override
        public Integer call() {
            RunConfig requested = config();
            StartRunRequest request = StartRunRequest.newBuilder().setConfig(requested)
                    .setRunId(runId == null ? "" : runId).setValidateOnly(validateOnly).build();
            try (TrainerOptions.Connection c = trainer.connect()) {
                Run run = c.call().startRun(request);
                if (validateOnly) {
                    out.println(RunViews.json(run.getConfig()));
                    return Cli.OK;
                }
                out.printf("run %s %s (%s, %d iteration(s))%n", run.getRunId(), RunViews.stateName(run.getState()),
                        RunViews.modeName(run.getConfig().getMode()), run.getConfig().getIterations());
                if (!watch) {
                    return Cli.OK;
                }
                return RunViews.ended(RunViews.follow(c, run.getRunId(), 0, out));
            }
        }

        /** The file's config with the flags applied over it. */
        RunConfig config() {
            RunConfig.Builder b = config == null ? RunConfig.newBuilder() : RunConfigFiles.read(config).toBuilder();
            if (mode != null) {
                b.setMode(mode(mode));
            }
            if (pairs != null) {
                b.getDataBuilder().setPairsFile(pairs.toAbsolutePath().normalize().toString());
                if (b.getMode() == Mode.MODE_UNSPECIFIED) {
                    b.setMode(Mode.MODE_DPO_OFFLINE);
                }
            }
            if (task != null) {
                b.setTask(task);
            }
            if (iterations != null) {
                b.setIterations(iterations);
            }
            if (seed != null) {
                b.setSeed(seed);
            }
            if (baseCheckpoint != null) {
                b.setBaseCheckpoint(baseCheckpoint);
            }
            if (trainPrompts != null) {
                b.getDataBuilder().setTrainPrompts(trainPrompts);
            }
            if (evalPrompts != null) {
                b.getDataBuilder().setEvalPrompts(evalPrompts);
            }
            if (samples != null) {
                b.getSamplingBuilder().setN(samples);
            }
            if (rewrites != null) {
                b.getReflectionBuilder().setM(rewrites);
            }
            if (judge != null) {
                b.setJudge(judge);
            }
            if (labels != null) {
                b.putAllLabels(labels);
            }
            return b.build();
        }

        /** "reward-only" or "MODE_REWARD_ONLY" -> MODE_REWARD_ONLY. */
        static Mode mode(String name) {
            for (Mode m : Mode.values()) {
                if (m != Mode.UNRECOGNIZED && m != Mode.MODE_UNSPECIFIED
                        && (m.name().equals(name.toUpperCase(Locale.ROOT)) || RunViews.modeName(m).equals(name))) {
                    return m;
                }
            }
            throw new Cli.UsageError("--mode " + name + " is not a mode; modes: " + String.join(", ", Arrays.stream(Mode.values())
                    .filter(m -> m != Mode.UNRECOGNIZED && m != Mode.MODE_UNSPECIFIED).map(RunViews::modeName).toList()));
        }
    }
}
