package io.rlrf.model;

import java.util.function.Supplier;

import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd switch, which is per thread. Inference (generation, scoring, reference
 * log-probabilities) runs without gradients so that no graph is recorded; {@link Autograd} turns
 * them on for training passes.
 */
public final class GradMode {

    private GradMode() {
    }

    /** Runs {@code work} with gradient recording off on this thread, restoring the previous mode. */
    public static <T> T withoutGradients(Supplier<T> work) {
        Engines.pytorch();
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return work.get();
        } finally {
            JniUtils.setGradMode(previous);
        }
    }
}
