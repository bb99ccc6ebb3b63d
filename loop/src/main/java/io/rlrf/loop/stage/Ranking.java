package io.rlrf.loop.stage;

import java.util.Comparator;
import java.util.List;

import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.Outcome;
import io.rlrf.api.trainer.v1.ScoreKind;
import io.rlrf.loop.run.Records.Candidate;
import io.rlrf.tasks.prompt.ReflectionPrompt;

/**
 * How candidates compare (steps 3 and 6): by score, ties by the verifiable outcome for the
 * fine-grained score; and step 3's selection of the k most promising.
 */
public final class Ranking {

    private Ranking() {
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

    /** Whether the judge faulted the answer on some aspect, i.e. gave a critique to act on. */
    public static boolean hasCritique(Feedback f) {
        return f != null && f.getAspectsList().stream().anyMatch(a -> ReflectionPrompt.isFault(a.getRating()));
    }

    /** Step 3: the k best candidates. */
    public static List<Candidate> topK(List<Candidate> candidates, int k, ScoreKind kind) {
        return candidates.stream().sorted(bestFirst(kind)).limit(k).toList();
    }
}
