package io.rlrf.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** Where each service listens: the documented defaults, overridable per service. */
public final class Targets {

    public static final String GENERATOR = "127.0.0.1:8711";
    public static final String REFLECTOR = "127.0.0.1:8712";
    public static final String REWARD = "127.0.0.1:8713";
    public static final String TRAINER = "127.0.0.1:8714";

    /** Service name -> default host:port (gRPC and HTTP share the port). */
    public static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("generator", GENERATOR);
        defaults.put("reflector", REFLECTOR);
        defaults.put("reward", REWARD);
        defaults.put("trainer", TRAINER);
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
