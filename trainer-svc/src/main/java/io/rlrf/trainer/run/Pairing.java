package io.rlrf.trainer.run;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.Outcome;
import io.rlrf.api.trainer.v1.ScoreKind;
import io.rlrf.trainer.run.Records.Candidate;

/**
 * Steps 3 and 6 as pure functions: ranking answers by score (ties by the verifiable outcome for
 * the fine-grained score), selecting the top k, and building best-vs-worst pairs that clear delta.
 */
public final class Pairing {

    private Pairing() {
    }

    /** CORRECT above INCORRECT above NO_ANSWER above not verifiable. */
    public static int outcomeRank(Feedback f) {
        Outcome o = f.getOutcome().getOutcome();
        return switch (o) {
            case OUTCOME_CORRECT -> 3;
            case OUTCOME_INCORRECT -> 2;
            case OUTCOME_NO_ANSWER -> 1;
            default -> 0;
        };
    }

    /**
     * Best first: score, then (fine-grained only) the outcome, then initial answers before rewrites,
     * then the id, so the order is total and a redo reproduces it.
     */
    public static Comparator<Candidate> bestFirst(ScoreKind kind) {
        Comparator<Candidate> c = Comparator.comparingDouble(Candidate::score).reversed();
        if (kind != ScoreKind.SCORE_KIND_SCALAR) {
            c = c.thenComparing(Comparator.comparingInt(Candidate::outcomeRank).reversed());
        }
        return c.thenComparing(Candidate::initial, Comparator.reverseOrder()).thenComparing(Candidate::id);
    }

    /** Whether the judge faulted the answer on some aspect (rated below 3), i.e. gave a critique to act on. */
    public static boolean hasCritique(Feedback f) {
        return f != null && f.getAspectsList().stream().anyMatch(a -> a.getRating() < 3);
    }

    /** Step 3: the k best candidates. */
    public static List<Candidate> topK(List<Candidate> candidates, int k, ScoreKind kind) {
        return candidates.stream().sorted(bestFirst(kind)).limit(k).toList();
    }

    /** A chosen/rejected couple. */
    public record Choice(Candidate chosen, Candidate rejected) {
    }

    /**
     * Step 6: pair p takes the p-th best as chosen and the p-th worst as rejected (the worst among the
     * initial answers only, when {@code rejectedFromInitial}); a pair whose score gap is below delta,
     * or whose two texts are the same, is not built. Empty: the prompt is skipped.
     */
    public static List<Choice> pairs(List<Candidate> candidates, double delta, int pairsPerPrompt, ScoreKind kind,
            boolean rejectedFromInitial) {
        List<Candidate> best = candidates.stream().sorted(bestFirst(kind)).toList();
        List<Candidate> worst = new ArrayList<>(rejectedFromInitial
                ? best.stream().filter(Candidate::initial).toList() : best);
        Collections.reverse(worst);
        List<Choice> out = new ArrayList<>();
        for (int p = 0; p < pairsPerPrompt && p < best.size() / 2 && p < worst.size(); p++) {
            Candidate chosen = best.get(p);
            Candidate rejected = worst.get(p);
            if (chosen != rejected && chosen.score() - rejected.score() + 1e-12 >= delta
                    && !chosen.text().equals(rejected.text())) {
                out.add(new Choice(chosen, rejected));
            }
        }
        return out;
    }
}
