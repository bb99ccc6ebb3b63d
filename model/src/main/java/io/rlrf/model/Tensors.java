package io.rlrf.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Host arrays to tensors whose memory libtorch owns.
 *
 * <p>Why not {@code manager.create(data, shape)} alone: DJL's PyTorch engine wraps a Java direct
 * buffer with {@code torch::from_blob}, so the tensor's memory belongs to the Java heap's cleaner.
 * Tensors derived from it that share its storage (autograd's saved tensors, views) can outlive the
 * wrapper, and once the garbage collector frees the buffer they read freed memory. Measured here:
 * SFT turned to NaN within two steps when a thread called {@code System.gc()} every 5 ms (the
 * culprit was a scalar saved by autograd, see {@link #scalar}). A copy made by libtorch (one memcpy)
 * is reference-counted by libtorch and has no such lifetime.
 */
public final class Tensors {

    private Tensors() {
    }

    public static NDArray of(NDManager manager, float[] data, Shape shape) {
        return owned(manager.create(data, shape));
    }

    public static NDArray of(NDManager manager, long[] data, Shape shape) {
        return owned(manager.create(data, shape));
    }

    public static NDArray of(NDManager manager, float[] data) {
        return owned(manager.create(data));
    }

    /**
     * A scalar tensor owned by libtorch. Use it instead of DJL's {@code mul(Number)} and friends in
     * anything autograd records: those wrap the number in a {@code from_blob} tensor and close it right
     * away, and an op that saves it for the backward pass (mul, div, pow) then reads freed memory.
     */
    public static NDArray scalar(NDManager manager, float value) {
        return owned(manager.create(value));
    }

    private static NDArray owned(NDArray fromBlob) {
        NDArray copy = fromBlob.duplicate(); // (same shape) memory allocated by libtorch
        fromBlob.close();
        return copy;
    }
}
