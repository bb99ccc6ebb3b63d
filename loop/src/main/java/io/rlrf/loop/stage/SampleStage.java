package io.rlrf.loop.stage;

import java.util.List;

import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.loop.plan.RunProblems;
import io.rlrf.loop.run.Records.Problem;
import io.rlrf.loop.run.Records.Sample;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunLayout;
import io.rlrf.loop.run.Seeds;

/** Step 1: n answers per training prompt from the iteration's starting policy ({@code samples.jsonl}). */
public final class SampleStage implements RunStage {

    @Override
    public Stage stage() {
        return Stage.STAGE_SAMPLE;
    }

    @Override
    public StageFigures run(StageContext ctx) {
        int t = ctx.iteration();
        String version = ctx.serve(t - 1);
        List<Problem> problems = RunProblems.train(ctx.plan(), t);
        long seed = ctx.plan().seed();
        List<Sample> samples = Answering.answer(ctx, problems, ctx.plan().n(), ctx.plan().sampling(),
                from -> Seeds.mix(seed, t, 100 + from), (p, i) -> "s" + t + "-" + p.index() + "-" + i, version);
        RunFiles.writeRecords(ctx.file(RunLayout.SAMPLES), samples);
        return new StageFigures.Sample(problems.size(), samples.size());
    }
}
