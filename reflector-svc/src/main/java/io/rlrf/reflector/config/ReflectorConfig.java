package io.rlrf.reflector.config;

import io.rlrf.common.validation.Limit;
import io.rlrf.common.validation.SamplingValidation;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Typed configuration of reflector-svc (prefix {@code rlrf.reflector}). */
@ConfigMapping(prefix = "rlrf.reflector")
public interface ReflectorConfig {

    String PREFIX = "rlrf.reflector";

    /** Limits every Refine call must respect; above one, a call gets RESOURCE_EXHAUSTED naming it. */
    Limits limits();

    /** Values used for the sampling fields a Refine call leaves unset. */
    SamplingDefaults sampling();

    interface Limits {
        /** Most items in one Refine call. Default 64. */
        @WithDefault("64")
        int maxItems();

        /** Most rewrites per item (m). Default 16. */
        @WithDefault("16")
        int maxM();

        /** Longest prompt, answer or critique, in characters. Default 16384. */
        @WithDefault("16384")
        int maxTextChars();

        /** Largest max_new_tokens of a rewrite. Default 512. */
        @WithDefault("512")
        int maxNewTokens();

        /** Most stop strings per request. Default 8. */
        @WithDefault("8")
        int maxStopStrings();

        /** Longest stop string, in characters. Default 64. */
        @WithDefault("64")
        int maxStopStringChars();
    }

    interface SamplingDefaults {
        /** Default 0.7 (the method's reflection temperature). */
        @WithDefault("0.7")
        float temperature();

        /** Default 0.95. */
        @WithDefault("0.95")
        float topP();

        /** Default 0 (off). */
        @WithDefault("0")
        int topK();

        /** Default 256. */
        @WithDefault("256")
        int maxNewTokens();
    }

    static SamplingValidation.Limits samplingLimits(Limits limits) {
        return new SamplingValidation.Limits(
                new Limit(PREFIX + ".limits.max-new-tokens", limits.maxNewTokens()),
                new Limit(PREFIX + ".limits.max-stop-strings", limits.maxStopStrings()),
                new Limit(PREFIX + ".limits.max-stop-string-chars", limits.maxStopStringChars()));
    }
}
