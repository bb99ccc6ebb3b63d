package io.rlrf.reward.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Typed configuration of reward-svc (prefix {@code rlrf.reward}). */
@ConfigMapping(prefix = "rlrf.reward")
public interface RewardConfig {

    String PREFIX = "rlrf.reward";

    /** Limits every Evaluate call must respect; above one, a call gets RESOURCE_EXHAUSTED naming it. */
    Limits limits();

    interface Limits {
        /** Most items in one Evaluate call. Default 256. */
        @WithDefault("256")
        int maxBatch();

        /** Longest prompt, answer or reference, in characters. Default 16384. */
        @WithDefault("16384")
        int maxTextChars();

        /** Most aspects rated per answer (the method selects up to 3). Default 3. */
        @WithDefault("3")
        int maxAspects();
    }
}
