package io.rlrf.model.generate;

/**
 * How the {@link GenerationEngine} batches. Validated here, once.
 *
 * @param maxRows            most sequences decoded together (rows of the KV cache)
 * @param maxBatchTokens     most KV positions the rows decoding together may reserve, each row its
 *                           prompt plus its max_new_tokens: a batch of 400-token reflection prompts
 *                           holds fewer rows than one of 100-token questions. A row that alone
 *                           exceeds it still runs, alone.
 * @param prefillChunk       positions per prefill pass: prompts run through the KV cache in chunks of
 *                           this many tokens, so a pass's attention scores are bounded by (prompts x
 *                           heads x chunk x prompt length) instead of growing with the prompt squared
 * @param prefillBatchTokens most prompt tokens (prompts x chunk) in one prefill pass
 * @param sharePrefixes      compute each distinct prompt once and copy its keys and values to every
 *                           row with the same prompt (the n samples of a question, the m rewrites of
 *                           a source), whether they arrive together or while a sibling still decodes;
 *                           and in decoding, compute once the rows whose prompt and tokens so far are
 *                           the same (each samples with its own random stream, and keeps keys and
 *                           values of its own for when it parts from the others)
 * @param minAdmit           while rows are decoding, a prompt that must be prefilled is admitted only
 *                           once this many rows are free (or every waiting request fits), so that
 *                           prefill runs for several prompts at a time instead of one prompt per freed
 *                           row; a request whose prompt a running row holds joins as soon as a row is
 *                           free (it costs a copy, not a prefill)
 * @param minSharedPrefix    with {@code sharePrefixes}, a prompt that begins with at least this many
 *                           tokens of a prompt whose keys and values a row holds (the question and the
 *                           draft's first lines in the two reflection prompts of one question; a long
 *                           system prompt) copies those columns and prefills only the rest; 0 shares
 *                           whole prompts only
 */
public record EngineParams(int maxRows, int maxBatchTokens, int prefillChunk, int prefillBatchTokens,
        boolean sharePrefixes, int minAdmit, int minSharedPrefix) {

    public EngineParams {
        positive("maxRows", maxRows);
        positive("maxBatchTokens", maxBatchTokens);
        positive("prefillChunk", prefillChunk);
        positive("prefillBatchTokens", prefillBatchTokens);
        positive("minAdmit", minAdmit);
        if (minSharedPrefix < 0) {
            throw new IllegalArgumentException("minSharedPrefix must be >= 0 (0: whole prompts only), got " + minSharedPrefix);
        }
    }

    /**
     * The defaults, measured on the 2-core development machine with the built-in policy (see the
     * module README's benchmark): 256 rows, 102,400 reserved positions (256 rows of 400, or 204 of a
     * 340-token reflection prompt with 160 new tokens), chunks of 64, 1,024 prompt tokens per prefill
     * pass, shared prompts and shared prefixes of at least 32 tokens, new prompts admitted 128 rows at
     * a time (the main job's reflection stage in process: 5.4 s of prefill at 128 against 10.4 s at 32,
     * the same decoding time; 192 was no better).
     */
    public static EngineParams defaults() {
        return new EngineParams(256, 102_400, 64, 1_024, true, 128, 32);
    }

    /**
     * The plain path the fast one is tested against: one sequence at a time, its prompt in a single
     * pass, nothing shared.
     */
    public static EngineParams plain() {
        return new EngineParams(1, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, false, 1, 0);
    }

    public EngineParams withMaxRows(int rows) {
        return new EngineParams(rows, maxBatchTokens, prefillChunk, prefillBatchTokens, sharePrefixes, Math.min(minAdmit, rows),
                minSharedPrefix);
    }

    public EngineParams withMaxBatchTokens(int tokens) {
        return new EngineParams(maxRows, tokens, prefillChunk, prefillBatchTokens, sharePrefixes, minAdmit, minSharedPrefix);
    }

    public EngineParams withPrefillChunk(int chunk) {
        return new EngineParams(maxRows, maxBatchTokens, chunk, prefillBatchTokens, sharePrefixes, minAdmit, minSharedPrefix);
    }

    public EngineParams withPrefillBatchTokens(int tokens) {
        return new EngineParams(maxRows, maxBatchTokens, prefillChunk, tokens, sharePrefixes, minAdmit, minSharedPrefix);
    }

    public EngineParams withSharePrefixes(boolean share) {
        return new EngineParams(maxRows, maxBatchTokens, prefillChunk, prefillBatchTokens, share, minAdmit, minSharedPrefix);
    }

    public EngineParams withMinAdmit(int rows) {
        return new EngineParams(maxRows, maxBatchTokens, prefillChunk, prefillBatchTokens, sharePrefixes, rows, minSharedPrefix);
    }

    public EngineParams withMinSharedPrefix(int tokens) {
        return new EngineParams(maxRows, maxBatchTokens, prefillChunk, prefillBatchTokens, sharePrefixes, minAdmit, tokens);
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }
}
