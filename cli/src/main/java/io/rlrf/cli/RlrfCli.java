package io.rlrf.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/**
 * Command-line client of the RLRF services.
 *
 * <pre>
 * rlrf-cli health [--generator HOST:PORT] [--reward ...] [--reflector ...] [--trainer ...]
 * rlrf-cli probe  [same options]
 * rlrf-cli experiment [--trainer HOST:PORT] [--seeds 1,2,3] [--iterations N] [--train-prompts N]
 *                     [--eval-prompts N] [--modes reward-only,rlrf,sft,rlrf-novalues] [--config RUNCONFIG.textproto]
 *                     [--out DIR] [--token TOKEN] [--commit SHA] [--in-process [--store DIR] [--runs DIR]]
 * rlrf-cli bootstrap [--store DIR]
 * </pre>
 *
 * {@code health} checks grpc.health.v1 on each service; {@code probe} also calls every RPC with a
 * valid, side-effect-free request and prints what it answered. Exit status 0 when every service is
 * SERVING and no RPC failed (answering UNIMPLEMENTED is not a failure), 1 otherwise, 2 on bad usage.
 * {@code experiment} runs the built-in comparison ({@link io.rlrf.cli.experiment.Experiment}) through trainer-svc, prints
 * its tables and writes {@code results.json} and {@code accuracy.png} to the output folder (default
 * {@code .rlrf/experiment}); the token (or the environment variable {@code RLRF_ACCESS_TOKEN}) is sent
 * when trainer-svc requires one. Exit status 0 when every run succeeded.
 */
public final class RlrfCli {

    private RlrfCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("experiment")) {
            return ExperimentCommand.run(args, out, err);
        }
        if (args.length > 0 && args[0].equals("bootstrap")) {
            return BootstrapCommand.run(args, out, err);
        }
        if (args.length == 0 || !(args[0].equals("health") || args[0].equals("probe"))) {
            err.println("usage: rlrf-cli (health|probe) [--generator HOST:PORT] [--reward HOST:PORT]"
                    + " [--reflector HOST:PORT] [--trainer HOST:PORT]");
            err.println("       rlrf-cli experiment [--trainer HOST:PORT] [--seeds 1,2,3] [--iterations N]"
                    + " [--train-prompts N] [--eval-prompts N] [--modes reward-only,rlrf,sft,rlrf-novalues]"
                    + " [--config RUNCONFIG.textproto] [--out DIR] [--token TOKEN] [--commit SHA]"
                    + " [--in-process [--store DIR] [--runs DIR]]");
            err.println("       rlrf-cli bootstrap [--store DIR]");
            return 2;
        }
        Map<String, String> targets = new LinkedHashMap<>();
        for (String service : Targets.ORDER) {
            targets.put(service, Targets.DEFAULTS.get(service));
        }
        for (int i = 1; i < args.length; i++) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : "";
            if (!targets.containsKey(name) || i + 1 >= args.length) {
                err.println("unknown option or missing HOST:PORT: " + args[i]);
                return 2;
            }
            targets.put(name, args[++i]);
        }

        Map<String, ManagedChannel> channels = new LinkedHashMap<>();
        targets.forEach((service, target) -> channels.put(service,
                ManagedChannelBuilder.forTarget(target).usePlaintext().build()));
        try {
            List<Probe.Result> results = new ArrayList<>();
            channels.forEach((service, channel) -> results.add(Probe.health(service, channel)));
            boolean healthy = results.stream().allMatch(r -> r.outcome() == Probe.Outcome.IMPLEMENTED);
            if (args[0].equals("probe") && healthy) {
                results.addAll(Probe.rpcs(channels));
            }
            print(results, targets, out);
            boolean failed = !healthy || results.stream().anyMatch(r -> r.outcome() == Probe.Outcome.FAILED);
            return failed ? 1 : 0;
        } finally {
            for (ManagedChannel channel : channels.values()) {
                channel.shutdownNow();
                try {
                    channel.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static void print(List<Probe.Result> results, Map<String, String> targets, PrintStream out) {
        out.printf("%-10s %-16s %-30s %-16s %s%n", "SERVICE", "TARGET", "RPC", "OUTCOME", "DETAIL");
        for (Probe.Result r : results) {
            String outcome = switch (r.outcome()) {
                case IMPLEMENTED -> "ok";
                case NOT_IMPLEMENTED -> "not implemented";
                case FAILED -> "FAILED";
            };
            // The services say which build lacks what after "in this build: "; the RPC is already a column.
            String detail = r.detail();
            int why = detail.indexOf("in this build: ");
            if (r.outcome() == Probe.Outcome.NOT_IMPLEMENTED && why >= 0) {
                detail = detail.substring(why + "in this build: ".length());
            }
            out.printf("%-10s %-16s %-30s %-16s %s%n", r.service(), targets.get(r.service()), r.rpc(), outcome,
                    abbreviate(detail, 110));
        }
        long notImplemented = results.stream().filter(r -> r.outcome() == Probe.Outcome.NOT_IMPLEMENTED).count();
        long failed = results.stream().filter(r -> r.outcome() == Probe.Outcome.FAILED).count();
        out.printf("%d checked: %d ok, %d not implemented yet, %d failed%n", results.size(),
                results.size() - notImplemented - failed, notImplemented, failed);
    }

    private static String abbreviate(String text, int max) {
        String oneLine = text.replace('\n', ' ');
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max - 3) + "...";
    }
}
