package io.rlrf.reflector.config;

import java.time.Duration;

import io.rlrf.common.validation.Limit;
import io.rlrf.common.validation.SamplingValidation;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import io.rlrf.tasks.prompt.ReflectionPrompt;

/** Typed configuration of reflector-svc (prefix {@code rlrf.reflector}). */
@ConfigMapping(prefix = "rlrf.reflector")
public interface ReflectorConfig {

    String PREFIX = "rlrf.reflector";

    /** Limits every Refine call must respect; above one, a call gets RESOURCE_EXHAUSTED naming it. */
    Limits limits();

    /** Values used for the sampling fields a Refine call leaves unset. */
    SamplingDefaults sampling();

    /** The reflection prompt. */
    Template template();

    /** Calls to generator-svc (its address is {@code quarkus.grpc.clients.generator.host/port}). */
    Generator generator();

    /** The "reflections" cache (the Hot Rod client is configured by quarkus.infinispan-client.*). */
    Cache cache();

    interface Template {
        /**
         * Version of the template; part of every cache key, so change it whenever the text changes.
         * Default {@code reflect-v2} (the tasks library's {@code ReflectionPrompt.DEFAULT_VERSION}).
         */
        @WithDefault(ReflectionPrompt.DEFAULT_VERSION)
        String version();

        /**
         * The reflection prompt with the placeholders {@code {prompt}}, {@code {answer}} and
         * {@code {critiques}} (one line per aspect rated below 3: {@code - aspect (rating r/3):
         * critique}). Default: the tasks library's {@code ReflectionPrompt.DEFAULT_TEMPLATE}, the one
         * the built-in base policy was trained to revise with (the prompt, the previous answer, the
         * critiques and the instruction to write a corrected answer only).
         */
        @WithDefault(ReflectionPrompt.DEFAULT_TEMPLATE)
        String text();
    }

    interface Generator {
        /**
         * Deadline of each Generate or DescribeModel call to generator-svc. Default 300s: a full Refine
         * call (64 items, 4 rewrites each, prompts of a few hundred tokens) can take minutes on a
         * loaded 2-core machine.
         */
        @WithDefault("300s")
        Duration deadline();

        /** Attempts per call; only UNAVAILABLE and DEADLINE_EXCEEDED are retried. Default 3. */
        @WithDefault("3")
        int maxAttempts();

        /** Pause before the first retry, doubled for each later one. Default 200ms. */
        @WithDefault("200ms")
        Duration retryBackoff();
    }

    interface Cache {
        /** Whether rewrites are cached at all. Default true. */
        @WithDefault("true")
        boolean enabled();

        /** Name of the cache on the server. Default reflections. */
        @WithDefault("reflections")
        String name();

        /** After a cache failure, how long to answer uncached before trying the server again. Default 10s. */
        @WithDefault("10s")
        Duration retryInterval();
    }

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
