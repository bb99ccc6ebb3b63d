package io.rlrf.loop.stage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.rlrf.loop.run.Records.Candidate;

/**
 * What sampling and reflection found in one iteration, from its candidates by prompt: the share of
 * samples and of rewrites that are correct, and the prompts whose only correct candidates are
 * rewrites (the reflection yield: what reflection found that sampling did not).
 */
record Mechanism(double sampleAccuracy, double rewriteAccuracy, double reflectionYield, List<Integer> yielded) {

    private static final int CORRECT = 3; // Ranking.outcomeRank of a correct final answer

    static Mechanism of(Map<Integer, List<Candidate>> byPrompt, int prompts) {
        int samples = 0;
        int samplesRight = 0;
        int rewrites = 0;
        int rewritesRight = 0;
        List<Integer> yielded = new ArrayList<>();
        for (var e : byPrompt.entrySet()) {
            boolean sampleRight = false;
            boolean rewriteRight = false;
            for (Candidate c : e.getValue()) {
                boolean right = c.outcomeRank() == CORRECT;
                if (c.initial()) {
                    samples++;
                    samplesRight += right ? 1 : 0;
                    sampleRight |= right;
                } else {
                    rewrites++;
                    rewritesRight += right ? 1 : 0;
                    rewriteRight |= right;
                }
            }
            if (rewriteRight && !sampleRight) {
                yielded.add(e.getKey());
            }
        }
        return new Mechanism(samples == 0 ? 0 : (double) samplesRight / samples,
                rewrites == 0 ? 0 : (double) rewritesRight / rewrites, prompts == 0 ? 0 : (double) yielded.size() / prompts,
                List.copyOf(yielded));
    }
}
