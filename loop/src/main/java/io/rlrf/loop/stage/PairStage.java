package io.rlrf.loop.stage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.loop.plan.RunProblems;
import io.rlrf.loop.run.Records.Candidate;
import io.rlrf.loop.run.Records.Pair;
import io.rlrf.loop.run.Records.Problem;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunLayout;

/**
 * Step 6: preference pairs from C = Y0 + Y1 with lineage ({@code pairs.jsonl}): which answer a chosen
 * rewrite refined, under which feedback. Each answer keeps its finish reason, policy version and
 * sampled ids, which training uses; how many candidates were cut at their token cap, and how many of
 * those were paired ({@code pairing.truncated}), are figures of the stage.
 */
public final class PairStage implements RunStage {

    @Override
    public Stage stage() {
        return Stage.STAGE_PAIR;
    }

    @Override
    public StageFigures run(StageContext ctx) {
        int t = ctx.iteration();
        List<Problem> problems = RunProblems.train(ctx.plan(), t);
        boolean reflected = ctx.plan().reflection().enabled();
        Map<Integer, List<Candidate>> byPrompt = reflected ? Candidates.withRewrites(ctx) : Candidates.initial(ctx);
        // The share of rewrites that scored above their source.
        Map<String, Double> sourceScore = new HashMap<>();
        byPrompt.values().forEach(list -> list.stream().filter(Candidate::initial)
                .forEach(c -> sourceScore.put(c.id(), c.score())));
        int improved = 0;
        int rewritesJudged = 0;
        for (List<Candidate> list : byPrompt.values()) {
            for (Candidate c : list) {
                if (!c.initial()) {
                    rewritesJudged++;
                    improved += c.score() > sourceScore.getOrDefault(c.sourceAnswerId(), Double.MAX_VALUE) ? 1 : 0;
                }
            }
        }
        Mechanism m = Mechanism.of(byPrompt, problems.size());
        List<Pair> pairs = new ArrayList<>();
        int skipped = problems.size() - byPrompt.size();
        for (var e : byPrompt.entrySet()) {
            List<Pairing.Choice> choices = Pairing.pairs(e.getValue(), ctx.plan().pairing());
            if (choices.isEmpty()) {
                skipped++;
            }
            Problem p = problems.get(e.getKey());
            for (int i = 0; i < choices.size(); i++) {
                pairs.add(new Pair("p" + t + "-" + p.index() + "-" + i, p.index(), p.id(), p.question(),
                        choices.get(i).chosen(), choices.get(i).rejected(), null, null));
            }
        }
        RunFiles.writeRecords(ctx.file(RunLayout.PAIRS), pairs);
        double acceptance = rewritesJudged == 0 ? 0 : (double) improved / rewritesJudged;
        int chosenRefined = (int) pairs.stream().filter(p -> !p.chosen().initial()).count();
        int truncated = (int) byPrompt.values().stream().flatMap(List::stream).filter(Candidate::truncated).count();
        int truncatedPaired = (int) pairs.stream().flatMap(p -> Stream.of(p.chosen(), p.rejected()))
                .filter(Candidate::truncated).count();
        return new StageFigures.Pair(pairs.size(), skipped, acceptance, chosenRefined, m.sampleAccuracy(),
                m.rewriteAccuracy(), m.reflectionYield(), truncated, truncatedPaired);
    }
}
