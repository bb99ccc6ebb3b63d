package io.rlrf.reflector.service;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.Startup;

import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.api.reflector.v1.DescribeReflectorResponse;
import io.rlrf.api.reflector.v1.RefineRequest;
import io.rlrf.api.reflector.v1.RefineResponse;
import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.SamplingValidation;
import io.rlrf.reflector.config.ReflectorConfig;
import io.rlrf.reflector.mapping.ReflectorRequests;

/**
 * Self-reflection. This build validates requests fully; building the reflection prompt and asking
 * generator-svc for rewrites is not part of it yet, so valid requests answer UNIMPLEMENTED.
 */
@ApplicationScoped
@Startup
public class ReflectionService {

    private static final String SERVICE = "rlrf.reflector.v1.Reflector/";

    private final ReflectorConfig config;

    public ReflectionService(ReflectorConfig config) {
        this.config = config;
        // The configured defaults must themselves be valid: fail at start-up, not per call.
        SamplingValidation.validate(ReflectorConfig.PREFIX + ".sampling", defaults(),
                ReflectorConfig.samplingLimits(config.limits()));
    }

    /** Returns m rewrites per item with lineage. */
    public RefineResponse refine(RefineRequest request) {
        ReflectorRequests.validate(request, config.limits());
        throw ServiceException.notImplemented(SERVICE + "Refine",
                "this build of reflector-svc has no reflection template or generator client");
    }

    /** Describes the template and the limits. */
    public DescribeReflectorResponse describe() {
        throw ServiceException.notImplemented(SERVICE + "DescribeReflector",
                "this build of reflector-svc has no reflection template to describe");
    }

    /** The sampling parameters used for fields a request leaves unset. */
    public SamplingParams defaults() {
        ReflectorConfig.SamplingDefaults d = config.sampling();
        return SamplingParams.newBuilder()
                .setTemperature(d.temperature())
                .setTopP(d.topP())
                .setTopK(d.topK())
                .setMaxNewTokens(d.maxNewTokens())
                .build();
    }
}
