package io.rlrf.model.generate;

/** Why a completion ended. */
public enum FinishReason {
    /** The model produced one of its end-of-sequence tokens ({@link StopTokens}). */
    EOS,
    /** The text came to contain one of the request's stop strings (or it sampled one that is an added token). */
    STOP_STRING,
    /** {@code max_new_tokens} were generated. */
    LENGTH,
    /** The caller cancelled the request (or its deadline passed) before it finished. */
    CANCELLED
}
