package io.rlrf.loop.stage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.loop.plan.RunPlan.PairingRule;
import io.rlrf.loop.run.Records.Candidate;

/** Step 6 as a pure function: best-versus-worst pairs that clear delta. */
public final class Pairing {

    private Pairing() {
    }

    /** A chosen/rejected couple. */
    public record Choice(Candidate chosen, Candidate rejected) {
    }

    /**
     * Pair p takes the p-th best as chosen and the p-th worst as rejected (the worst among the initial
     * answers only, when the rule says so); a pair whose chosen answer scores below the rule's least
     * chosen score, whose score gap is below delta, or whose two texts are the same, is not built.
     * Under {@code TRUNCATION_DROP} an answer cut at its token cap takes no part. Empty: the prompt is
     * skipped.
     */
    public static List<Choice> pairs(List<Candidate> candidates, PairingRule rule) {
        boolean drop = rule.truncated() == Truncation.TRUNCATION_DROP;
        List<Candidate> best = candidates.stream().filter(c -> !(drop && c.truncated()))
                .sorted(Ranking.bestFirst(rule.score())).toList();
        List<Candidate> worst = new ArrayList<>(rule.rejectedFromSamples()
                ? best.stream().filter(Candidate::initial).toList() : best);
        Collections.reverse(worst);
        List<Choice> out = new ArrayList<>();
        for (int p = 0; p < rule.pairsPerPrompt() && p < best.size() / 2 && p < worst.size(); p++) {
            Candidate chosen = best.get(p);
            if (!Ranking.reaches(chosen.score(), rule.minChosenScore())) {
                break; // best first: no later answer clears it either
            }
            Candidate rejected = worst.get(p);
            if (chosen != rejected && Ranking.reaches(chosen.score() - rejected.score(), rule.delta())
                    && !chosen.text().equals(rejected.text())) {
                out.add(new Choice(chosen, rejected));
            }
        }
        return out;
    }
}
