package io.rlrf.loop.stage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.loop.plan.RunPlan.SftPlan;
import io.rlrf.loop.plan.RunProblems;
import io.rlrf.loop.run.Records.Problem;
import io.rlrf.loop.run.Records.TrainResult;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunLayout;
import io.rlrf.loop.run.Seeds;
import io.rlrf.model.Engines;
import io.rlrf.model.Policy;
import io.rlrf.model.score.SequenceScorer.Sequence;
import io.rlrf.model.train.OptimizerParams;
import io.rlrf.model.train.SftStats;
import io.rlrf.model.train.SftTrainer;

/** TRAIN in MODE_SFT: supervised fine-tuning on the iteration's prompts' reference solutions. */
public final class SftTrainStage implements RunStage {

    @Override
    public Stage stage() {
        return Stage.STAGE_TRAIN;
    }

    @Override
    public StageFigures run(StageContext ctx) {
        int t = ctx.iteration();
        SftPlan s = ctx.plan().sft();
        try (StartingPolicy start = StartingPolicy.load(ctx, ctx.version(t - 1), 401)) {
            Policy policy = start.policy();
            policy.model().setActivationCheckpointing(ctx.settings().activationCheckpointing());
            List<Sequence> examples = new ArrayList<>();
            for (Problem p : RunProblems.train(ctx.plan(), t)) {
                examples.add(new Sequence(policy.encodePrompt(ctx.settings().answerPrompt().render(p.question())),
                        policy.encodeCompletion(p.reference())));
            }
            int stepsPerEpoch = (examples.size() + s.batchSize() - 1) / s.batchSize();
            int total = Math.max(1, stepsPerEpoch * s.epochs());
            double loss = 0;
            int steps = 0;
            try (SftTrainer sft = new SftTrainer(policy.model(), OptimizerParams.of(s.learningRate(), 0, total),
                    s.batchSize(), Engines.trainingShards())) {
                Random shuffle = new Random(Seeds.mix(ctx.plan().seed(), t, 400));
                for (int epoch = 0; epoch < s.epochs(); epoch++) {
                    List<Sequence> order = new ArrayList<>(examples);
                    Collections.shuffle(order, shuffle);
                    for (int from = 0; from < order.size(); from += s.batchSize()) {
                        SftStats st = sft.step(order.subList(from, Math.min(order.size(), from + s.batchSize())));
                        loss = st.loss();
                        steps++;
                        ctx.progress(steps, total);
                        ctx.safePoint("step-" + steps);
                    }
                }
            }
            DpoTrainStage.saveCheckpoint(policy, ctx.file(RunLayout.CHECKPOINT), t, ctx.settings().checkpoints());
            DpoTrainStage.saveAdapter(start, ctx.file(RunLayout.ADAPTER));
            RunFiles.writeRecord(ctx.file(RunLayout.TRAIN), new TrainResult(steps, loss, 0, 0, 0, 0, 0, RunLayout.CHECKPOINT));
            return new StageFigures.Sft(steps, loss);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
