package io.rlrf.model.tokenizer;

/**
 * Text to token ids and back. Special tokens (BOS, EOS, padding) are never added by
 * {@link #encode} and are dropped by {@link #decode}: the model library places BOS and EOS itself.
 */
public interface Tokenizer extends AutoCloseable {

    /** Token ids of {@code text}, without special tokens. */
    int[] encode(String text);

    /** The text of {@code ids}, special tokens skipped. */
    String decode(int[] ids);

    /** Number of ids the tokenizer can produce (its vocabulary plus added tokens). */
    int vocabSize();

    @Override
    void close();
}
