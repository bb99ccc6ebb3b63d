package io.rlrf.loop.stage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import io.rlrf.api.reflector.v1.DescribeReflectorResponse;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.core.AtomicFiles;
import io.rlrf.loop.plan.RunPlan.DpoPlan;
import io.rlrf.loop.run.Records.Pair;
import io.rlrf.loop.run.Records.Sample;
import io.rlrf.loop.run.Records.TrainResult;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunLayout;
import io.rlrf.loop.run.Seeds;
import io.rlrf.model.Engines;
import io.rlrf.model.Policy;
import io.rlrf.model.checkpoint.SaveOptions;
import io.rlrf.model.score.SequenceScorer.Sequence;
import io.rlrf.model.train.DpoParams;
import io.rlrf.model.train.DpoStats;
import io.rlrf.model.train.DpoTrainer;
import io.rlrf.model.train.PreferenceExample;
import io.rlrf.model.train.PreferenceLoss;
import io.rlrf.model.train.PreferencePair;
import io.rlrf.model.train.ReflectionExample;
import io.rlrf.model.train.ScoredPair;
import io.rlrf.tasks.prompt.ReflectionPrompt;

/**
 * TRAIN with DPO: the iteration's pairs against the frozen starting policy, whose log-probabilities
 * are computed once and stored with the pairs ({@code scored-pairs.jsonl}); the new weights go to
 * {@code checkpoint/}, the figures to {@code train.json}. Chosen answers, rewrites included, are
 * trained as answers to the plain answer prompt, on the token ids the policy sampled
 * ({@link TrainedCompletion}). The contrast sits where {@code dpo.objective} says
 * (the reference is scored over the same spans; at {@code dpo.beta} 0 the preference term is off and
 * neither the reference nor the rejected answers are computed); with {@code dpo.reflection_weight} set, the right
 * rewrites that were chosen are also trained, in the same update, as answers to their reflection
 * prompts. With {@code lora} enabled, an adapter is trained instead of every weight
 * ({@link StartingPolicy}: the previous iteration's, or a fresh one with B = 0 whose reference is the
 * base with the adapter switched off), {@code checkpoint/} holds the merged weights and
 * {@code adapter/} the adapter in PEFT's layout, naming the store checkpoint it sits on.
 */
public final class DpoTrainStage implements RunStage {

    @Override
    public Stage stage() {
        return Stage.STAGE_TRAIN;
    }

    @Override
    public StageFigures run(StageContext ctx) {
        int t = ctx.iteration();
        DpoPlan plan = ctx.plan().dpo();
        List<Pair> pairs = RunFiles.readRecords(ctx.file(RunLayout.PAIRS), Pair.class);
        String version = ctx.version(t - 1);
        Truncation truncated = ctx.plan().pairing().truncated();
        try (StartingPolicy start = StartingPolicy.load(ctx, version, 301)) {
            Policy policy = start.policy();
            policy.model().setActivationCheckpointing(ctx.settings().activationCheckpointing());
            List<PreferencePair> prefs = new ArrayList<>();
            for (Pair p : pairs) {
                prefs.add(new PreferencePair(policy.encodePrompt(ctx.settings().answerPrompt().render(p.question())),
                        TrainedCompletion.of(p.chosen(), policy, version, truncated),
                        TrainedCompletion.of(p.rejected(), policy, version, truncated)));
            }
            DpoParams params = plan.params(Set.of(policy.requireTokenizer().encode("\n")[0]));
            List<PreferenceExample> examples = new ArrayList<>();
            if (params.preferenceOff()) {
                // beta 0: the DPO term has no gradient, so the reference is not scored (its log-probabilities stay unset)
                for (PreferencePair p : prefs) {
                    examples.add(new ScoredPair(p, 0, 0));
                }
            } else {
                List<Pair> scored = referenceScores(ctx, start, pairs, prefs, params.loss());
                for (int i = 0; i < scored.size(); i++) {
                    examples.add(new ScoredPair(prefs.get(i), scored.get(i).refChosenLogProb(),
                            scored.get(i).refRejectedLogProb()));
                }
            }
            List<ReflectionExample> reflections = plan.reflectionWeight() > 0
                    ? reflectionExamples(ctx, policy, version, pairs) : List.of();
            examples.addAll(reflections);
            int perStep = plan.schedule().perStep();
            int total = plan.schedule().totalSteps(examples.size());
            Means last = new Means();
            int steps = 0;
            if (!examples.isEmpty()) {
                try (DpoTrainer dpo = new DpoTrainer(policy.model(), params, plan.schedule().optimizer(total),
                        plan.schedule().batchSize(), Engines.trainingShards())) {
                    Random shuffle = new Random(Seeds.mix(ctx.plan().seed(), t, 300));
                    for (int epoch = 0; epoch < plan.schedule().epochs(); epoch++) {
                        List<PreferenceExample> order = new ArrayList<>(examples);
                        Collections.shuffle(order, shuffle);
                        last = new Means();
                        for (int from = 0; from < order.size(); from += perStep) {
                            DpoStats st = dpo.step(order.subList(from, Math.min(order.size(), from + perStep)));
                            ctx.listener().dpoStep(ctx.run().run(), st);
                            last.add(st);
                            steps++;
                            ctx.progress(steps, total);
                            ctx.safePoint("step-" + steps);
                        }
                    }
                }
            }
            saveCheckpoint(policy, ctx.file(RunLayout.CHECKPOINT), t, ctx.settings().checkpoints());
            saveAdapter(start, ctx.file(RunLayout.ADAPTER));
            TrainResult result = last.result(steps);
            RunFiles.writeRecord(ctx.file(RunLayout.TRAIN), result);
            return new StageFigures.Dpo(steps, examples.size(), result.loss(), result.preferenceLoss(), result.nllLoss(),
                    result.rewardMargin(), result.rewardAccuracy(), result.chosenLogProb());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The accepted rewrites as reflection examples: for each pair whose chosen answer is a right rewrite
     * (outcome CORRECT), the reflection prompt of its source answer and that answer's feedback, rendered
     * with the reflector's template, then the rewrite.
     */
    private static List<ReflectionExample> reflectionExamples(StageContext ctx, Policy policy, String version,
            List<Pair> pairs) {
        List<Pair> accepted = pairs.stream().filter(p -> !p.chosen().initial() && p.chosen().outcomeRank() == 3).toList();
        if (accepted.isEmpty()) {
            return List.of();
        }
        DescribeReflectorResponse reflector = ctx.peers().reflector().describe();
        ReflectionPrompt template = new ReflectionPrompt(reflector.getTemplate(), reflector.getTemplateVersion());
        Map<String, Sample> samples = new HashMap<>();
        for (Sample s : RunFiles.readRecords(ctx.file(RunLayout.SAMPLES), Sample.class)) {
            samples.put(s.id(), s);
        }
        Map<String, Feedback> feedback = Candidates.feedbackById(ctx.file(RunLayout.FEEDBACK));
        List<ReflectionExample> out = new ArrayList<>();
        for (Pair p : accepted) {
            Sample source = samples.get(p.chosen().sourceAnswerId());
            Feedback f = feedback.get(p.chosen().sourceAnswerId());
            if (source == null || f == null) {
                continue;
            }
            List<ReflectionPrompt.Rating> ratings = f.getAspectsList().stream()
                    .map(a -> new ReflectionPrompt.Rating(a.getAspect(), a.getRating(), a.getCritique())).toList();
            String prompt = template.render(p.question(), source.text(), ratings);
            out.add(new ReflectionExample(new Sequence(policy.encodePrompt(prompt),
                    TrainedCompletion.of(p.chosen(), policy, version, ctx.plan().pairing().truncated()))));
        }
        return out;
    }

    /** The frozen reference's log-probabilities of both answers of every pair: computed once, then read back. */
    private static List<Pair> referenceScores(StageContext ctx, StartingPolicy start, List<Pair> pairs,
            List<PreferencePair> prefs, PreferenceLoss loss) throws IOException {
        Policy policy = start.policy();
        Path file = ctx.file(RunLayout.SCORED_PAIRS);
        if (Files.exists(file)) {
            return RunFiles.readRecords(file, Pair.class);
        }
        List<ScoredPair> ref;
        if (policy.adapter().isPresent()) {
            // the starting policy, scored before any step: no second copy of the weights. A fresh adapter
            // is switched off (the base alone); a continued one is the previous iteration's policy as it is.
            ref = prefs.isEmpty() ? List.of() : DpoTrainer.score(start.freshAdapter() ? policy.baseModel() : policy.model(),
                    prefs, ctx.settings().scoreBatchSize(), loss);
        } else {
            try (Policy reference = policy.copy()) {
                ref = prefs.isEmpty() ? List.of() : DpoTrainer.score(reference.model(), prefs, ctx.settings().scoreBatchSize(),
                        loss);
            }
        }
        List<Pair> scored = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            scored.add(pairs.get(i).withReference(ref.get(i).refChosen(), ref.get(i).refRejected()));
        }
        RunFiles.writeRecords(file, scored);
        return scored;
    }

    /**
     * With an adapter on a base that is a checkpoint of the store, saves the adapter alone in PEFT's
     * layout naming that base: what PUBLISH then publishes in place of the merged checkpoint.
     */
    static void saveAdapter(StartingPolicy start, Path target) throws IOException {
        AtomicFiles.deleteTree(target); // a save completed by an attempt that crashed before train.json
        if (start.policy().adapter().isPresent() && start.baseVersion() != null) {
            start.policy().saveAdapter(target, start.baseVersion(), Map.of());
        }
    }

    /**
     * Saves the trained weights as the settings say (dtype, shards; by default as the base was stored),
     * with no run id in the metadata: same seed, same bytes. With an adapter, the merged weights.
     */
    static void saveCheckpoint(Policy policy, Path target, int t, SaveOptions options) throws IOException {
        AtomicFiles.deleteTree(target); // a save completed by an attempt that crashed before train.json
        policy.save(target, Map.of("iteration", Integer.toString(t)), Map.of(), options);
    }

    /** Means over one epoch's steps. */
    private static final class Means {
        double loss;
        double preference;
        double nll;
        double margin;
        double accuracy;
        double chosenLogProb;
        int n;

        void add(DpoStats st) {
            loss += st.loss();
            preference += st.preferenceLoss();
            nll += st.nllLoss();
            margin += st.rewardMargin();
            accuracy += st.rewardAccuracy();
            chosenLogProb += st.chosenLogProb();
            n++;
        }

        TrainResult result(int steps) {
            int d = Math.max(1, n);
            return new TrainResult(steps, loss / d, preference / d, nll / d, margin / d, accuracy / d, chosenLogProb / d,
                    RunLayout.CHECKPOINT);
        }
    }
}
