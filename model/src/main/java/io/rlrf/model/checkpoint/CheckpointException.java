package io.rlrf.model.checkpoint;

import java.io.IOException;

/**
 * A checkpoint that cannot be read or written: missing or damaged file, unknown or missing tensor,
 * wrong shape or dtype. The message always names the file and, where there is one, the tensor.
 */
public class CheckpointException extends IOException {

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
