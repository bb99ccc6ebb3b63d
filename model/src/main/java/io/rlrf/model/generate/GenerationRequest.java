package io.rlrf.model.generate;

import java.util.function.BooleanSupplier;

/**
 * One completion to generate.
 *
 * @param prompt    prompt token ids (BOS included by the caller), at least one
 * @param params    how to sample
 * @param cancelled polled between decoding steps; when it returns true the request stops consuming
 *                  compute and finishes with {@link FinishReason#CANCELLED}
 */
public record GenerationRequest(int[] prompt, SamplingParams params, BooleanSupplier cancelled) {

    public GenerationRequest {
        if (prompt == null || prompt.length == 0) {
            throw new IllegalArgumentException("prompt must hold at least one token (BOS)");
        }
        if (params == null) {
            throw new IllegalArgumentException("params must be set");
        }
        prompt = prompt.clone();
        cancelled = cancelled == null ? () -> false : cancelled;
    }

    public GenerationRequest(int[] prompt, SamplingParams params) {
        this(prompt, params, null);
    }
}
