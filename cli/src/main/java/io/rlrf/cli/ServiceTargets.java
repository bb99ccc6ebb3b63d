package io.rlrf.cli;

import java.util.LinkedHashMap;
import java.util.Map;

import picocli.CommandLine.Option;

/** The four services' addresses (a picocli mixin), defaults from {@link Targets#DEFAULTS}. */
public final class ServiceTargets {

    @Option(names = "--generator", paramLabel = "HOST:PORT", defaultValue = Targets.GENERATOR,
            description = "generator-svc's gRPC address (default: ${DEFAULT-VALUE}).")
    String generator;

    @Option(names = "--reward", paramLabel = "HOST:PORT", defaultValue = Targets.REWARD,
            description = "reward-svc's gRPC address (default: ${DEFAULT-VALUE}).")
    String reward;

    @Option(names = "--reflector", paramLabel = "HOST:PORT", defaultValue = Targets.REFLECTOR,
            description = "reflector-svc's gRPC address (default: ${DEFAULT-VALUE}).")
    String reflector;

    @Option(names = "--trainer", paramLabel = "HOST:PORT", defaultValue = Targets.TRAINER,
            description = "trainer-svc's gRPC address (default: ${DEFAULT-VALUE}).")
    String trainer;

    /** Service name -> address, in {@link Targets#ORDER}. */
    Map<String, String> byService() {
        Map<String, String> given = Map.of("generator", generator, "reward", reward, "reflector", reflector,
                "trainer", trainer);
        Map<String, String> out = new LinkedHashMap<>();
        for (String service : Targets.ORDER) {
            out.put(service, given.get(service));
        }
        return out;
    }
}
