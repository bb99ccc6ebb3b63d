package io.rlrf.loop.config;

import io.smallrye.config.WithDefault;

import io.rlrf.loop.plan.RunLimits;

/**
 * Limits a run configuration must respect ({@code rlrf.trainer.limits.*}); above one, a run is refused
 * with RESOURCE_EXHAUSTED naming the property.
 */
public interface RunLimitsConfig {

    /** Most iterations per run. Default 20. */
    @WithDefault("20")
    int maxIterations();

    /** Most samples per prompt (n). Default 32, generator-svc's default max-n. */
    @WithDefault("32")
    int maxN();

    /** Most rewrites per prompt (m, spread over k answers). Default 32. */
    @WithDefault("32")
    int maxM();

    /** Most training or evaluation prompts per iteration. Default 100000. */
    @WithDefault("100000")
    int maxPrompts();

    /**
     * Largest max_new_tokens for sampling, reflection and evaluation. Default 512, what
     * generator-svc and reflector-svc accept by default; raise them together.
     */
    @WithDefault("512")
    int maxNewTokens();

    /** Most labels on a run. Default 32. */
    @WithDefault("32")
    int maxLabels();

    /** These limits as the validator takes them. */
    default RunLimits runLimits() {
        return new RunLimits("rlrf.trainer.limits.", maxIterations(), maxN(), maxM(), maxPrompts(), maxNewTokens(),
                maxLabels());
    }
}
