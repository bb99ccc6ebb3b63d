package io.rlrf.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** Where each service listens: the documented defaults, overridable per service. */
public final class Targets {

    /** Service name -> default host:port (gRPC and HTTP share the port). */
    public static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("generator", "127.0.0.1:8711");
        defaults.put("reflector", "127.0.0.1:8712");
        defaults.put("reward", "127.0.0.1:8713");
        defaults.put("trainer", "127.0.0.1:8714");
        DEFAULTS = Map.copyOf(defaults);
    }

    /** Fully qualified gRPC service name of each service. */
    public static final Map<String, String> GRPC_SERVICES = Map.of(
            "generator", "rlrf.generator.v1.Generator",
            "reflector", "rlrf.reflector.v1.Reflector",
            "reward", "rlrf.reward.v1.Reward",
            "trainer", "rlrf.trainer.v1.Trainer");

    /** Service names in data-flow order. */
    public static final String[] ORDER = {"generator", "reward", "reflector", "trainer"};

    private Targets() {
    }
}
