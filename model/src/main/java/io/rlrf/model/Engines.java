package io.rlrf.model;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;

/**
 * Access to the compute engine the policy runs on: DJL's PyTorch engine, with libtorch loaded from
 * the bundled native jar (CPU here; a CUDA build where a GPU is present). The project never lets DJL
 * download anything, so {@code ai.djl.offline} is forced to {@code true} before the engine loads.
 */
public final class Engines {

    /** DJL's name of the PyTorch engine. */
    public static final String PYTORCH = "PyTorch";

    private Engines() {
    }

    /**
     * The PyTorch engine.
     *
     * @throws IllegalStateException if libtorch cannot be loaded from the classpath, with the reason
     */
    public static Engine pytorch() {
        System.setProperty("ai.djl.offline", "true");
        try {
            return Engine.getEngine(PYTORCH);
        } catch (EngineException | IllegalArgumentException e) {
            throw new IllegalStateException("The PyTorch engine could not be loaded offline; check that "
                    + "ai.djl.pytorch:pytorch-native-cpu (or a CUDA build) is on the classpath: " + e.getMessage(), e);
        }
    }
}
