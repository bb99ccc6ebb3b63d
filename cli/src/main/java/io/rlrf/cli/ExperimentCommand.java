package io.rlrf.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.rlrf.cli.experiment.Experiment;
import io.rlrf.cli.experiment.Report;
import io.rlrf.cli.experiment.ResultsFiles;
import io.rlrf.cli.experiment.RunResult;

/** {@code rlrf-cli experiment}: option parsing and output around {@link Experiment}. */
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
        try {
            for (int i = 1; i < args.length; i++) {
                String option = args[i];
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
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
        } catch (NumberFormatException e) {
            err.println("bad number: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        ManagedChannel channel = ManagedChannelBuilder.forTarget(trainer).usePlaintext().build();
        long start = System.nanoTime();
        try {
            List<RunResult> results = new Experiment(channel, token, out)
                    .run(new Experiment.Plan(seeds, iterations, trainPrompts, evalPrompts));
            Report.print(results, out);
            Path json = dir.resolve("results.json");
            Path png = dir.resolve("accuracy.png");
            ResultsFiles.writeJson(results, json);
            ResultsFiles.writePlot(results, png);
            out.printf("%nwrote %s and %s; experiment took %.1f min%n", json, png, (System.nanoTime() - start) / 60e9);
            return 0;
        } catch (Experiment.Failed e) {
            err.println("experiment failed: " + e.getMessage());
            return 1;
        } catch (StatusRuntimeException e) {
            err.println("experiment failed: trainer-svc at " + trainer + " answered " + e.getStatus());
            return 1;
        } catch (IOException e) {
            err.println("could not write the results: " + e.getMessage());
            return 1;
        } finally {
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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
