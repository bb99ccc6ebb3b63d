package io.rlrf.loop.stage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.trainer.v1.ScoreKind;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.loop.plan.RunPlan.ReflectionPlan;
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
        for (var e : Candidates.initial(ctx).entrySet()) {
            Choice choice = choose(e.getValue(), fb, ctx.plan().reflection(), ctx.plan().pairing().score(),
                    ctx.settings().reflectFaultedOnly());
            switch (choice.skipped()) {
                case SOLVED -> solved++;
                case NO_FAULT -> withoutFault++;
                case NONE -> selections.add(new Selection(e.getKey(), choice.sources().stream().map(Candidate::id).toList()));
            }
        }
        RunFiles.writeRecords(ctx.file(RunLayout.SELECTED), selections);
        return new StageFigures.Select(selections.stream().mapToInt(s -> s.answerIds().size()).sum(), withoutFault,
                solved);
    }

    /** Why a prompt gets no sources: it does not skip, a sample solved it, or the judge faulted none of its answers. */
    enum Skip {
        NONE, SOLVED, NO_FAULT
    }

    /** One prompt's sources for reflection, or why it has none. */
    record Choice(List<Candidate> sources, Skip skipped) {
    }

    /**
     * One prompt's sources from its judged samples {@code pool}: none if {@code reflection.unsolvedOnly()}
     * and a sample has the top score (it is the chosen answer whatever the rewrites score); with
     * {@code faultedOnly}, only answers the judge faulted (an answer with no critique gives the
     * reflection nothing to fix), none if there are none; then the k best (of distinct texts if so set).
     */
    static Choice choose(List<Candidate> pool, Map<String, Feedback> fb, ReflectionPlan reflection, ScoreKind score,
            boolean faultedOnly) {
        if (reflection.unsolvedOnly() && Ranking.solved(pool)) {
            return new Choice(List.of(), Skip.SOLVED);
        }
        List<Candidate> eligible = faultedOnly ? pool.stream().filter(c -> Ranking.hasCritique(fb.get(c.id()))).toList()
                : pool;
        if (eligible.isEmpty()) {
            return new Choice(List.of(), Skip.NO_FAULT);
        }
        return new Choice(Ranking.topK(eligible, reflection.k(), score, reflection.distinctSources()), Skip.NONE);
    }
}
