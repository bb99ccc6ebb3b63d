package io.rlrf.trainer.service;

import jakarta.enterprise.context.ApplicationScoped;

import io.rlrf.loop.SafePoints;

/**
 * The loop's safe points in this service: nothing happens at them. Tests replace this bean
 * (QuarkusMock) to crash or fault a run at a chosen point.
 */
@ApplicationScoped
public class RunSafePoints implements SafePoints {

    @Override
    public void reached(String where) {
    }
}
