package io.rlrf.model.generate;

/** Why a completion ended. */
public enum FinishReason {
    /** The model produced its end-of-sequence token. */
    EOS,
    /** The text came to contain one of the request's stop strings. */
    STOP_STRING,
    /** {@code max_new_tokens} were generated. */
    LENGTH,
    /** The caller cancelled the request (or its deadline passed) before it finished. */
    CANCELLED
}
