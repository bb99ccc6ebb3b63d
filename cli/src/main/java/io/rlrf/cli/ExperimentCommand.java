package io.rlrf.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.TextFormat;

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
import io.rlrf.loop.config.LocalTrainerConfig;
import io.rlrf.loop.local.LocalTrainer;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * {@code rlrf-cli experiment}: option parsing and output around {@link Experiment}, through
 * trainer-svc or, with {@code --in-process}, in this process (the same stages and run files, with the
 * generator, judge and reflector as libraries; trainer settings from {@code -Drlrf.trainer.*} system
 * properties, as trainer-svc reads them).
 */
final class ExperimentCommand {

    private ExperimentCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String trainer = Targets.DEFAULTS.get("trainer");
        List<Long> seeds = List.of(1L);
        int iterations = 2;
        Integer trainPrompts = null;
        Integer evalPrompts = null;
        Path dir = Path.of(".rlrf", "experiment");
        String token = System.getenv().getOrDefault("RLRF_ACCESS_TOKEN", "");
        boolean inProcess = false;
        Path store = Path.of(".rlrf", "models");
        Path runRoot = Path.of(".rlrf", "runs-in-process");
        RunConfig overrides = RunConfig.getDefaultInstance();
        String commit = "";
        List<String> modes = Experiment.DEFAULT_MODES;
        Experiment.Plan plan;
        try {
            for (int i = 1; i < args.length; i++) {
                String option = args[i];
                if (option.equals("--in-process")) {
                    inProcess = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                String value = args[++i];
                switch (option) {
                    case "--trainer" -> trainer = value;
                    case "--generator", "--reward", "--reflector" -> {
                        // accepted for symmetry with probe; the experiment talks to trainer-svc only
                    }
                    case "--seeds" -> {
                        List<Long> parsed = new ArrayList<>();
                        for (String s : value.split(",")) {
                            parsed.add(Long.parseLong(s.strip()));
                        }
                        seeds = List.copyOf(parsed);
                    }
                    case "--iterations" -> iterations = positive(option, value);
                    case "--train-prompts" -> trainPrompts = positive(option, value);
                    case "--eval-prompts" -> evalPrompts = positive(option, value);
                    case "--out" -> dir = Path.of(value);
                    case "--token" -> token = value;
                    case "--store" -> store = Path.of(value);
                    case "--runs" -> runRoot = Path.of(value);
                    case "--config" -> overrides = readConfig(Path.of(value));
                    case "--commit" -> commit = value;
                    case "--modes" -> modes = List.of(value.split(",")).stream().map(String::strip).toList();
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            plan = new Experiment.Plan(seeds, iterations, trainPrompts, evalPrompts, overrides, modes);
        } catch (NumberFormatException e) {
            err.println("bad number: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
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
            return 0;
        } catch (Experiment.Failed e) {
            err.println("experiment failed: " + e.getMessage());
            return 1;
        } catch (ServiceException e) {
            err.println("experiment failed: " + e.getMessage());
            return 1;
        } catch (StatusRuntimeException e) {
            err.println("experiment failed: trainer-svc at " + trainer + " answered " + e.getStatus());
            return 1;
        } catch (IOException e) {
            err.println("could not write the results: " + e.getMessage());
            return 1;
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

    /** In-process runs, configured by the {@code rlrf.trainer.*} system properties trainer-svc reads. */
    private static Runs local(Path runRoot, Path store) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().addDefaultSources().withMapping(LocalTrainerConfig.class)
                .build();
        return new LocalRuns(LocalTrainer.of(config.getConfigMapping(LocalTrainerConfig.class), runRoot, store,
                RunListener.NONE));
    }

    /** A partial RunConfig in protobuf text format (the form of the loop's run-defaults.textproto). */
    private static RunConfig readConfig(Path file) {
        try {
            RunConfig.Builder b = RunConfig.newBuilder();
            TextFormat.getParser().merge(Files.readString(file), b);
            return b.build();
        } catch (TextFormat.ParseException e) {
            throw new IllegalArgumentException("--config " + file + " is not a RunConfig in text format: " + e.getMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --config " + file + ": " + e.getMessage());
        }
    }

    private static int positive(String option, String value) {
        int v = Integer.parseInt(value);
        if (v <= 0) {
            throw new IllegalArgumentException(option + " must be positive, got " + v);
        }
        return v;
    }
}
