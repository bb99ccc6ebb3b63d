package io.rlrf.generator.mapping;

import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.common.validation.Check;
import io.rlrf.common.validation.Limit;
import io.rlrf.common.validation.SamplingValidation;
import io.rlrf.generator.config.GeneratorConfig;

/** Checks incoming requests against the contract and the configured limits, field by field. */
public final class GeneratorRequests {

    private static final String LIMITS = GeneratorConfig.PREFIX + ".limits.";

    private GeneratorRequests() {
    }

    public static void validate(GenerateRequest request, GeneratorConfig.Limits limits) {
        Check.notEmpty("prompts", request.getPromptsCount());
        Check.withinLimit("prompts (count)", request.getPromptsCount(),
                new Limit(LIMITS + "max-batch-prompts", limits.maxBatchPrompts()));
        Limit promptChars = new Limit(LIMITS + "max-prompt-chars", limits.maxPromptChars());
        for (int i = 0; i < request.getPromptsCount(); i++) {
            String text = request.getPrompts(i).getText();
            Check.notBlank("prompts[" + i + "].text", text);
            Check.withinLimit("prompts[" + i + "].text (characters)", text.length(), promptChars);
            if (request.getPrompts(i).hasMaxNewTokens()) {
                String field = "prompts[" + i + "].max_new_tokens";
                Check.atLeast(field, request.getPrompts(i).getMaxNewTokens(), 1);
                Check.withinLimit(field, request.getPrompts(i).getMaxNewTokens(),
                        new Limit(LIMITS + "max-new-tokens", limits.maxNewTokens()));
            }
        }
        Check.atLeast("n", request.getN(), 1);
        Check.withinLimit("n", request.getN(), new Limit(LIMITS + "max-n", limits.maxN()));
        SamplingValidation.validate("sampling", request.getSampling(), GeneratorConfig.samplingLimits(limits));
    }

    public static void validate(LoadCheckpointRequest request) {
        Check.relativePath("version", request.getVersion());
    }
}
