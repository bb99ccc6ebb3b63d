package io.rlrf.generator.service;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.Startup;

import io.rlrf.api.generator.v1.DescribeModelResponse;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.api.generator.v1.LoadCheckpointResponse;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.SamplingValidation;
import io.rlrf.generator.config.GeneratorConfig;
import io.rlrf.generator.mapping.GeneratorRequests;

/**
 * Serves the policy. This build validates requests fully; sampling, checkpoint loading and model
 * description need the policy model library, which is not part of this build yet, so they answer
 * UNIMPLEMENTED rather than invent output.
 */
@ApplicationScoped
@Startup
public class GenerationService {

    private static final String SERVICE = "rlrf.generator.v1.Generator/";

    private final GeneratorConfig config;

    public GenerationService(GeneratorConfig config) {
        this.config = config;
        // The configured defaults must themselves be valid requests: fail at start-up, not per call.
        SamplingValidation.validate(GeneratorConfig.PREFIX + ".sampling", defaults(),
                GeneratorConfig.samplingLimits(config.limits()));
    }

    /** Samples n answers per prompt. */
    public GenerateResponse generate(GenerateRequest request) {
        GeneratorRequests.validate(request, config.limits());
        throw ServiceException.notImplemented(SERVICE + "Generate",
                "no policy model is served by this build of generator-svc");
    }

    /** Loads a checkpoint from the model store and swaps it in. */
    public LoadCheckpointResponse loadCheckpoint(LoadCheckpointRequest request) {
        GeneratorRequests.validate(request);
        throw ServiceException.notImplemented(SERVICE + "LoadCheckpoint",
                "this build of generator-svc cannot load checkpoints");
    }

    /** Describes the loaded model and the limits. */
    public DescribeModelResponse describeModel() {
        throw ServiceException.notImplemented(SERVICE + "DescribeModel",
                "this build of generator-svc serves no model to describe");
    }

    /** The sampling parameters used for fields a request leaves unset. */
    public SamplingParams defaults() {
        GeneratorConfig.SamplingDefaults d = config.sampling();
        return SamplingParams.newBuilder()
                .setTemperature(d.temperature())
                .setTopP(d.topP())
                .setTopK(d.topK())
                .setMaxNewTokens(d.maxNewTokens())
                .build();
    }
}
