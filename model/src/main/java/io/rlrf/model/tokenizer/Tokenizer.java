package io.rlrf.model.tokenizer;

import java.util.Map;

/**
 * Text to token ids and back. Special tokens (BOS, EOS, padding) are never added by
 * {@link #encode} and are dropped by {@link #decode}: the model library places BOS and EOS itself.
 * An added token written in the text (e.g. {@code <|im_start|>} in a rendered chat template) is
 * encoded as its single id.
 */
public interface Tokenizer extends AutoCloseable {

    /** Token ids of {@code text}, without special tokens. */
    int[] encode(String text);

    /** The text of {@code ids}, special tokens skipped. */
    String decode(int[] ids);

    /** Number of ids the tokenizer can produce (its vocabulary plus added tokens). */
    int vocabSize();

    /**
     * The added tokens ({@code added_tokens} of a {@code tokenizer.json}: {@code <|im_end|>},
     * {@code <|eot_id|>}, {@code </s>}...), text to id: each is matched whole in the text, never split.
     */
    default Map<String, Integer> addedTokens() {
        return Map.of();
    }

    @Override
    void close();
}
