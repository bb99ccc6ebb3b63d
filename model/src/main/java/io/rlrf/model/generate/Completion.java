package io.rlrf.model.generate;

/**
 * A generated completion.
 *
 * @param tokens       every sampled token id, in order; the EOS id is included when it ended the
 *                     completion, and so are the tokens of a stop string
 * @param text         the decoded text without EOS and without the stop string; null when the
 *                     policy has no tokenizer
 * @param logprobs     log-probability of each sampled token under the model at temperature 1
 *                     (aligned with {@code tokens}); null unless requested
 * @param finishReason why generation ended
 * @param promptTokens length of the prompt in tokens
 */
public record Completion(int[] tokens, String text, float[] logprobs, FinishReason finishReason, int promptTokens) {
}
