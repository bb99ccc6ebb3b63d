package io.rlrf.generator.service;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness is DOWN until a checkpoint is loaded (Generate would answer UNAVAILABLE "model is
 * loading"), then UP with the served {@code policy_version}.
 */
@Readiness
@ApplicationScoped
public class ModelReadinessCheck implements HealthCheck {

    private final ModelStore store;

    public ModelReadinessCheck(ModelStore store) {
        this.store = store;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("policy-model");
        return store.peekCurrent()
                .map(m -> response.up().withData("state", "READY").withData("policy_version", m.version()))
                .orElseGet(() -> {
                    response.down().withData("state", "LOADING");
                    if (!store.lastLoadError().isEmpty()) {
                        response.withData("error", store.lastLoadError());
                    }
                    return response;
                }).build();
    }
}
