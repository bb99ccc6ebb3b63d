package io.rlrf.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Gradient recording for one training pass on the calling thread: opening it turns PyTorch's autograd
 * on for this thread, {@link #backward} accumulates the gradients of a scalar loss into every leaf that
 * requires them, and closing it restores the thread's previous mode. PyTorch's switch is per thread and
 * each pass builds its own graph, so passes on different threads (the shards of a training step, or two
 * trainers in one process) record and back-propagate independently. DJL's {@code GradientCollector} makes
 * the same two calls but also holds a process-wide flag that refuses a second collector while one is open
 * ("Only one can be collecting at a time"), which would fail the second shard; this has no flag.
 */
public final class Autograd implements AutoCloseable {

    private final boolean previous;

    private Autograd() {
        Engines.pytorch();
        this.previous = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
    }

    /** Starts recording on this thread; close it (try-with-resources) on the same thread. */
    public static Autograd record() {
        return new Autograd();
    }

    /** Back-propagates the scalar {@code loss}: its gradient, accumulated into the leaves' gradient buffers. */
    public void backward(NDArray loss) {
        if (loss.getShape().size() != 1) {
            throw new IllegalArgumentException("backward needs a scalar loss, got shape " + loss.getShape());
        }
        NDArray seed = loss.onesLike(); // d loss / d loss
        JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
