package io.rlrf.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code health}: grpc.health.v1 on each of the four services; {@code probe} ({@link ProbeCommand}) also
 * calls every RPC with a valid request that changes nothing.
 */
@Command(name = "health", description = "Checks grpc.health.v1 of each of the four services (the server and its RLRF "
        + "service). Exit status 0 when all are SERVING, 1 otherwise.")
class HealthCommand extends Cli.Command implements Callable<Integer> {

    @Mixin
    ServiceTargets targets;

    @Override
    public Integer call() {
        return check(targets.byService(), false);
    }

    /** Health of every service, then (probe) every RPC; prints one line per check. */
    int check(Map<String, String> targets, boolean probe) {
        Map<String, ManagedChannel> channels = new LinkedHashMap<>();
        targets.forEach((service, target) -> channels.put(service,
                ManagedChannelBuilder.forTarget(target).usePlaintext().build()));
        try {
            List<Probe.Result> results = new ArrayList<>();
            channels.forEach((service, channel) -> results.add(Probe.health(service, channel)));
            boolean healthy = results.stream().allMatch(r -> r.outcome() == Probe.Outcome.IMPLEMENTED);
            if (probe && healthy) {
                results.addAll(Probe.rpcs(channels));
            }
            print(results, targets);
            boolean failed = !healthy || results.stream().anyMatch(r -> r.outcome() == Probe.Outcome.FAILED);
            return failed ? Cli.FAILED : Cli.OK;
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

    private void print(List<Probe.Result> results, Map<String, String> targets) {
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

    static String abbreviate(String text, int max) {
        String oneLine = text.replace('\n', ' ');
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max - 3) + "...";
    }
}
