package io.rlrf.loop.stage;

import io.rlrf.api.reflector.v1.DescribeReflectorResponse;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.loop.bootstrap.Bootstrap;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunLayout;
import io.rlrf.tasks.prompt.ReflectionPrompt;

/**
 * BOOTSTRAP (iteration 0 of a run without a base checkpoint): trains the built-in base, or finds it
 * cached in the model store, and records its version ({@code iter-0/bootstrap.json}). Its revision
 * examples use the template the run's reflector serves, so the base revises under exactly the
 * prompts it will see.
 */
public final class BootstrapStage implements RunStage {

    private final Bootstrap bootstrap;

    public BootstrapStage(Bootstrap bootstrap) {
        this.bootstrap = bootstrap;
    }

    @Override
    public Stage stage() {
        return Stage.STAGE_BOOTSTRAP;
    }

    @Override
    public StageFigures run(StageContext ctx) {
        DescribeReflectorResponse reflector = ctx.peers().reflector().describe();
        ReflectionPrompt template = new ReflectionPrompt(reflector.getTemplate(), reflector.getTemplateVersion());
        Bootstrap.Result r = bootstrap.ensure(ctx.plan().data().task(), ctx.plan().seed(), template, (done, total) -> {
            ctx.progress(done, total);
            ctx.safePoint("step-" + done);
        });
        RunFiles.writeRecord(ctx.file(RunLayout.BOOTSTRAP), r);
        return new StageFigures.Bootstrap(r.cached(), r.examples(), r.steps(), r.finalLoss(), r.devAccuracy());
    }
}
