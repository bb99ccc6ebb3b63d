package io.rlrf.loop.stage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.loop.run.Records.Candidate;
import io.rlrf.loop.run.Records.Selection;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunLayout;

/**
 * Step 3: the k most promising answers per prompt ({@code selected.jsonl}): of distinct texts if so
 * set, and none for a prompt already solved by a sample if so set.
 */
public final class SelectStage implements RunStage {

    @Override
    public Stage stage() {
        return Stage.STAGE_SELECT;
    }

    @Override
    public StageFigures run(StageContext ctx) {
        Map<String, Feedback> fb = Candidates.feedbackById(ctx.file(RunLayout.FEEDBACK));
        List<Selection> selections = new ArrayList<>();
        int withoutFault = 0;
        int solved = 0;
        var reflection = ctx.plan().reflection();
        for (var e : Candidates.initial(ctx).entrySet()) {
            List<Candidate> pool = e.getValue();
            if (reflection.unsolvedOnly() && Ranking.solved(pool)) {
                // a sample with the top score is the chosen answer whatever the rewrites score
                solved++;
                continue;
            }
            if (ctx.settings().reflectFaultedOnly()) {
                // An answer with no critique gives the reflection nothing to fix: the most promising
                // answers are the best of those the judge faulted.
                pool = pool.stream().filter(c -> Ranking.hasCritique(fb.get(c.id()))).toList();
                if (pool.isEmpty()) {
                    withoutFault++;
                    continue;
                }
            }
            selections.add(new Selection(e.getKey(), Ranking.topK(pool, reflection.k(), ctx.plan().pairing().score(),
                    reflection.distinctSources()).stream().map(Candidate::id).toList()));
        }
        RunFiles.writeRecords(ctx.file(RunLayout.SELECTED), selections);
        return new StageFigures.Select(selections.stream().mapToInt(s -> s.answerIds().size()).sum(), withoutFault,
                solved);
    }
}
