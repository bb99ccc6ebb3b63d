package io.rlrf.loop.stage;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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

    /** The highest normalised score an answer can have. */
    public static final double TOP_SCORE = 1.0;

    /**
     * How far below a bound a score may fall and still reach it: scores are sums of ratings over
     * maxima, so values equal in exact arithmetic can differ in the last bits.
     */
    static final double SCORE_TOLERANCE = 1e-12;

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
        return topK(candidates, k, kind, false);
    }

    /**
     * Step 3: the k best candidates; with {@code distinct}, the best of each text only (a later copy of
     * a text already taken is passed over), so fewer than k when fewer texts differ.
     */
    public static List<Candidate> topK(List<Candidate> candidates, int k, ScoreKind kind, boolean distinct) {
        List<Candidate> sorted = candidates.stream().sorted(bestFirst(kind)).toList();
        if (!distinct) {
            return sorted.stream().limit(k).toList();
        }
        Set<String> texts = new HashSet<>();
        return sorted.stream().filter(c -> texts.add(c.text())).limit(k).toList();
    }

    /**
     * Whether some candidate has the top score (1: rated right on every aspect), so that it is the
     * prompt's best answer whatever else scores ({@link #bestFirst} puts initial answers first on ties).
     */
    public static boolean solved(List<Candidate> candidates) {
        return candidates.stream().anyMatch(c -> solves(c.score()));
    }

    /** Whether an answer with this score solves its prompt: the top score, within {@link #SCORE_TOLERANCE}. */
    public static boolean solves(double score) {
        return reaches(score, TOP_SCORE);
    }

    /** Whether {@code score} reaches {@code bound}, within {@link #SCORE_TOLERANCE}. */
    static boolean reaches(double score, double bound) {
        return score + SCORE_TOLERANCE >= bound;
    }
}
