package io.rlrf.generator.config;

import io.rlrf.common.validation.Limit;
import io.rlrf.common.validation.SamplingValidation;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Typed configuration of generator-svc (prefix {@code rlrf.generator}). */
@ConfigMapping(prefix = "rlrf.generator")
public interface GeneratorConfig {

    String PREFIX = "rlrf.generator";

    /** Limits every request must respect; above one, a call gets RESOURCE_EXHAUSTED naming it. */
    Limits limits();

    /** Values used for the SamplingParams fields a caller leaves unset. */
    SamplingDefaults sampling();

    interface Limits {
        /** Most prompts in one Generate call. Default 64. */
        @WithDefault("64")
        int maxBatchPrompts();

        /** Most answers per prompt (n). Default 32. */
        @WithDefault("32")
        int maxN();

        /** Most prompt characters, checked before tokenizing. Default 16384. */
        @WithDefault("16384")
        int maxPromptChars();

        /** Most prompt tokens after tokenizing. Default 1024. */
        @WithDefault("1024")
        int maxPromptTokens();

        /** Largest max_new_tokens a request may ask for. Default 512. */
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
        /** Default 0.8 (the method's sampling temperature). */
        @WithDefault("0.8")
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

    /** The limits that apply to a SamplingParams message, with the properties that set them. */
    static SamplingValidation.Limits samplingLimits(Limits limits) {
        return new SamplingValidation.Limits(
                new Limit(PREFIX + ".limits.max-new-tokens", limits.maxNewTokens()),
                new Limit(PREFIX + ".limits.max-stop-strings", limits.maxStopStrings()),
                new Limit(PREFIX + ".limits.max-stop-string-chars", limits.maxStopStringChars()));
    }
}
