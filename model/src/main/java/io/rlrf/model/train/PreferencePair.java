package io.rlrf.model.train;

/**
 * A preference: for {@code prompt}, {@code chosen} is better than {@code rejected}. Token ids;
 * completions end with EOS when the answer is complete.
 */
public record PreferencePair(int[] prompt, int[] chosen, int[] rejected) {

    public PreferencePair {
        if (prompt == null || prompt.length == 0) {
            throw new IllegalArgumentException("prompt must hold at least one token (BOS)");
        }
        if (chosen == null || chosen.length == 0 || rejected == null || rejected.length == 0) {
            throw new IllegalArgumentException("chosen and rejected must each hold at least one token");
        }
    }
}
