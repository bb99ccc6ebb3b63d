package io.rlrf.model.train;

import java.util.Objects;
import java.util.Set;

/**
 * Where a preference pair's contrast sits: which completion tokens the log-probabilities of the
 * DPO margin are summed over. Two variants, chosen by {@link Kind}:
 * <ul>
 * <li>{@link WholeAnswer}: every completion token (the paper's DPO, Rafailov et al. 2023). Tokens
 *     before the first difference cancel in the margin (same tokens, same context); every token
 *     after it counts, including those of the rejected answer that are right given its slip (the
 *     copied result, the carried operand, the {@code ####} line), so DPO pushes them down too.</li>
 * <li>{@link FirstDivergence}: Step-DPO style (Lai et al. 2024, arXiv 2406.18629: the preference on
 *     the first wrong step, given the shared correct steps). The sums start at the first token where
 *     chosen and rejected differ and end, inclusive, at the first step-end token (the newline) at or
 *     after it in each answer ({@link Extent#STEP}), or at the end of the answer
 *     ({@link Extent#ANSWER}). [ours] STEP is the default: in this world an answer is one step per
 *     line, so the contrast is the faulty step against its correction and nothing that follows
 *     (which the chosen answer's NLL term teaches instead).</li>
 * </ul>
 */
public sealed interface PreferenceLoss permits PreferenceLoss.WholeAnswer, PreferenceLoss.FirstDivergence {

    /** The variants, for configuration. */
    enum Kind {
        WHOLE_ANSWER, FIRST_DIVERGENCE
    }

    /** Where a {@link FirstDivergence} contrast ends. */
    enum Extent {
        /** At the first step-end token at or after the divergence (included). */
        STEP,
        /** At the end of the answer. */
        ANSWER
    }

    /**
     * Half-open ranges of completion token indices, {@code [from, to)}, summed in each answer.
     * Empty ranges ({@code from == to}) contribute nothing.
     */
    record Spans(int chosenFrom, int chosenTo, int rejectedFrom, int rejectedTo) {
        public Spans {
            if (chosenFrom < 0 || chosenTo < chosenFrom || rejectedFrom < 0 || rejectedTo < rejectedFrom) {
                throw new IllegalArgumentException("bad spans [" + chosenFrom + ", " + chosenTo + "), ["
                        + rejectedFrom + ", " + rejectedTo + ")");
            }
        }
    }

    /** The spans of {@code pair}'s two completions. */
    Spans spans(PreferencePair pair);

    /** This variant's kind. */
    Kind kind();

    /** The paper's objective: all completion tokens. */
    record WholeAnswer() implements PreferenceLoss {
        @Override
        public Spans spans(PreferencePair pair) {
            return new Spans(0, pair.chosen().length, 0, pair.rejected().length);
        }

        @Override
        public Kind kind() {
            return Kind.WHOLE_ANSWER;
        }
    }

    /**
     * The contrast from the first differing token to the end of its step (or of the answer).
     *
     * @param stepEndTokens token ids that end a step (the newline's)
     * @param extent        where the contrast ends
     */
    record FirstDivergence(Set<Integer> stepEndTokens, Extent extent) implements PreferenceLoss {
        public FirstDivergence {
            stepEndTokens = Set.copyOf(Objects.requireNonNull(stepEndTokens, "stepEndTokens"));
            Objects.requireNonNull(extent, "extent");
            if (extent == Extent.STEP && stepEndTokens.isEmpty()) {
                throw new IllegalArgumentException("a step-wise contrast needs at least one step-end token");
            }
        }

        @Override
        public Spans spans(PreferencePair pair) {
            int[] c = pair.chosen();
            int[] r = pair.rejected();
            int d = 0;
            while (d < c.length && d < r.length && c[d] == r[d]) {
                d++;
            }
            if (d == c.length && d == r.length) {
                return new Spans(d, d, d, d); // identical answers: no contrast
            }
            return new Spans(Math.min(d, c.length), end(c, d), Math.min(d, r.length), end(r, d));
        }

        private int end(int[] tokens, int from) {
            if (extent == Extent.ANSWER) {
                return tokens.length;
            }
            for (int i = from; i < tokens.length; i++) {
                if (stepEndTokens.contains(tokens[i])) {
                    return i + 1;
                }
            }
            return tokens.length;
        }

        @Override
        public Kind kind() {
            return Kind.FIRST_DIVERGENCE;
        }
    }

    /** The variant of {@code kind}; {@code stepEndTokens} and {@code extent} are used by FIRST_DIVERGENCE. */
    static PreferenceLoss of(Kind kind, Set<Integer> stepEndTokens, Extent extent) {
        return switch (kind) {
            case WHOLE_ANSWER -> new WholeAnswer();
            case FIRST_DIVERGENCE -> new FirstDivergence(stepEndTokens, extent);
        };
    }
}
