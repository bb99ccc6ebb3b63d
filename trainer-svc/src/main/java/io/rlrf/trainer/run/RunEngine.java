package io.rlrf.trainer.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.rlrf.api.generator.v1.Answer;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.api.reflector.v1.RefineItem;
import io.rlrf.api.reflector.v1.RefineRequest;
import io.rlrf.api.reflector.v1.Refinement;
import io.rlrf.api.reflector.v1.SourceAnswer;
import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.Outcome;
import io.rlrf.api.trainer.v1.IterationSummary;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunEvent;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.api.trainer.v1.StageCompleted;
import io.rlrf.api.trainer.v1.StageProgress;
import io.rlrf.common.error.ServiceException;
import io.rlrf.model.Policy;
import io.rlrf.model.score.SequenceScorer.Sequence;
import io.rlrf.model.train.DpoParams;
import io.rlrf.model.train.DpoStats;
import io.rlrf.model.train.DpoTrainer;
import io.rlrf.model.train.OptimizerParams;
import io.rlrf.model.train.PreferencePair;
import io.rlrf.model.train.ScoredPair;
import io.rlrf.model.train.SftStats;
import io.rlrf.model.train.SftTrainer;
import io.rlrf.trainer.bootstrap.Bootstrap;
import io.rlrf.trainer.client.GeneratorClient;
import io.rlrf.trainer.client.ReflectorClient;
import io.rlrf.trainer.client.RewardClient;
import io.rlrf.trainer.config.TrainerConfig;
import io.rlrf.trainer.run.Records.Candidate;
import io.rlrf.trainer.run.Records.EvalResult;
import io.rlrf.trainer.run.Records.Pair;
import io.rlrf.trainer.run.Records.Problem;
import io.rlrf.trainer.run.Records.Rewrite;
import io.rlrf.trainer.run.Records.Sample;
import io.rlrf.trainer.run.Records.Selection;
import io.rlrf.trainer.run.Records.TrainResult;

/**
 * Executes a run's stages in order, each one's output persisted (atomically, then its
 * {@code <stage>.done} marker) before the next starts. A stage with a marker is skipped on resume;
 * one without is redone from its inputs, which are persisted files and the seed, so the redo
 * reproduces what the interrupted attempt would have written.
 *
 * <p>Run directory layout: {@code iter-<t>/samples.jsonl, feedback.jsonl, selected.jsonl,
 * refinements.jsonl, refinement-feedback.jsonl, pairs.jsonl, scored-pairs.jsonl, train.json,
 * checkpoint/, publish.json, eval-answers.jsonl, eval-feedback.jsonl, evaluation.json} and one
 * {@code <stage>.done} per finished stage. Iteration 0 holds the base policy: without a
 * {@code base_checkpoint}, its BOOTSTRAP stage trains (or finds cached) the built-in base and writes
 * {@code iter-0/bootstrap.json} with its store version; then the base's evaluation.
 */
@ApplicationScoped
public class RunEngine {

    private static final Logger LOG = Logger.getLogger(RunEngine.class);

    /** Thrown at a safe point when the run was cancelled. */
    public static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("cancelled", null, false, false);
        }
    }

    private final TrainerConfig config;
    private final GeneratorClient generator;
    private final RewardClient reward;
    private final ReflectorClient reflector;
    private final TrainerMetrics metrics;
    private final Bootstrap bootstrap;
    private final Path store;

    /** Test hook called at every safe point with "iteration/STAGE/step"; it may throw to simulate a crash. */
    volatile Consumer<String> safePointHook = s -> { };

    public RunEngine(TrainerConfig config, GeneratorClient generator, RewardClient reward, ReflectorClient reflector,
            TrainerMetrics metrics, Bootstrap bootstrap) {
        this.config = config;
        this.generator = generator;
        this.reward = reward;
        this.reflector = reflector;
        this.metrics = metrics;
        this.bootstrap = bootstrap;
        this.store = Path.of(config.storage().modelStore()).toAbsolutePath().normalize();
    }

    public void setSafePointHook(Consumer<String> hook) {
        this.safePointHook = hook == null ? s -> { } : hook;
    }

    public Path store() {
        return store;
    }

    /**
     * The stages of one iteration in the config's mode. Iteration 0 is the base: BOOTSTRAP when the
     * config names no base checkpoint, then its evaluation when {@code evaluateBase}.
     */
    public static List<Stage> stages(RunConfig c, int iteration, boolean evaluateBase) {
        if (iteration == 0) {
            List<Stage> base = new ArrayList<>();
            if (c.getBaseCheckpoint().isEmpty()) {
                base.add(Stage.STAGE_BOOTSTRAP);
            }
            if (evaluateBase) {
                base.add(Stage.STAGE_EVALUATE);
            }
            return base;
        }
        if (c.getMode() == Mode.MODE_SFT) {
            return List.of(Stage.STAGE_TRAIN, Stage.STAGE_PUBLISH, Stage.STAGE_EVALUATE);
        }
        if (!c.getReflection().getEnabled()) {
            return List.of(Stage.STAGE_SAMPLE, Stage.STAGE_JUDGE, Stage.STAGE_PAIR, Stage.STAGE_TRAIN,
                    Stage.STAGE_PUBLISH, Stage.STAGE_EVALUATE);
        }
        return List.of(Stage.STAGE_SAMPLE, Stage.STAGE_JUDGE, Stage.STAGE_SELECT, Stage.STAGE_REFLECT,
                Stage.STAGE_JUDGE_REFINEMENTS, Stage.STAGE_PAIR, Stage.STAGE_TRAIN, Stage.STAGE_PUBLISH, Stage.STAGE_EVALUATE);
    }

    static Path iterDir(RunHandle run, int t) {
        return run.dir().resolve("iter-" + t);
    }

    static Path marker(RunHandle run, int t, Stage s) {
        return iterDir(run, t).resolve(s.name().substring("STAGE_".length()).toLowerCase() + ".done");
    }

    /** Store-relative version of iteration t's checkpoint (t = 0: the base, given or bootstrapped). */
    static String version(RunHandle run, int t) {
        if (t > 0) {
            return "runs/" + run.id() + "/iter-" + t;
        }
        String base = run.run().getConfig().getBaseCheckpoint();
        if (!base.isEmpty()) {
            return base;
        }
        Path info = iterDir(run, 0).resolve(BOOTSTRAP_FILE);
        if (!Files.exists(info)) {
            throw new IllegalStateException("run " + run.id() + " has no base yet: its BOOTSTRAP stage has not finished");
        }
        return RunFiles.readRecord(info, Bootstrap.Result.class).version();
    }

    /** The bootstrap stage's output in {@code iter-0}. */
    public static final String BOOTSTRAP_FILE = "bootstrap.json";

    /** Runs every unfinished stage; returns normally when the run is complete. */
    public void execute(RunHandle run) {
        metrics.watch(run);
        RunConfig c = run.run().getConfig();
        for (int t = 0; t <= c.getIterations(); t++) {
            for (Stage stage : stages(c, t, config.loop().evaluateBase())) {
                Path done = marker(run, t, stage);
                if (Files.exists(done)) {
                    continue;
                }
                safePoint(run, t, stage, "start");
                long start = System.nanoTime();
                progress(run, t, stage, 0, 0, start);
                Map<String, Double> figures = runStage(run, c, t, stage, start);
                long millis = (System.nanoTime() - start) / 1_000_000;
                StageCompleted completed = StageCompleted.newBuilder().setIteration(t).setStage(stage)
                        .setDurationMillis(millis).putAllMetrics(figures).build();
                RunFiles.writeAtomically(done, RunFiles.toJson(completed) + "\n");
                metrics.stageCompleted(run.run(), stage, millis, figures);
                run.append(RunEvent.newBuilder().setStageCompleted(completed));
                LOG.infof("run %s iteration %d %s done in %d ms %s", run.id(), t, stage, millis, figures);
            }
            if (t > 0) {
                finishIteration(run, t);
            }
        }
    }

    private Map<String, Double> runStage(RunHandle run, RunConfig c, int t, Stage stage, long start) {
        return switch (stage) {
            case STAGE_BOOTSTRAP -> bootstrap(run, c, start);
            case STAGE_SAMPLE -> sample(run, c, t, start);
            case STAGE_JUDGE -> judge(run, c, t, "samples.jsonl", "feedback.jsonl", Stage.STAGE_JUDGE, start);
            case STAGE_SELECT -> select(run, c, t);
            case STAGE_REFLECT -> reflect(run, c, t, start);
            case STAGE_JUDGE_REFINEMENTS -> judge(run, c, t, "refinements.jsonl", "refinement-feedback.jsonl",
                    Stage.STAGE_JUDGE_REFINEMENTS, start);
            case STAGE_PAIR -> pair(run, c, t);
            case STAGE_TRAIN -> c.getMode() == Mode.MODE_SFT ? trainSft(run, c, t, start) : trainDpo(run, c, t, start);
            case STAGE_PUBLISH -> publish(run, t);
            case STAGE_EVALUATE -> evaluate(run, c, t, start);
            default -> throw new IllegalStateException("stage " + stage + " is not part of an iteration");
        };
    }

    // ---- bootstrap (iteration 0, no base checkpoint given) -------------------------------------

    private Map<String, Double> bootstrap(RunHandle run, RunConfig c, long start) {
        Bootstrap.Result r = bootstrap.ensure(c.getSeed(), (done, total) -> {
            progress(run, 0, Stage.STAGE_BOOTSTRAP, done, total, start);
            safePoint(run, 0, Stage.STAGE_BOOTSTRAP, "step-" + done);
        });
        RunFiles.writeRecord(iterDir(run, 0).resolve(BOOTSTRAP_FILE), r);
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("cached", r.cached() ? 1.0 : 0.0);
        out.put("examples", (double) r.examples());
        out.put("steps", (double) r.steps());
        out.put("sft_loss", r.finalLoss());
        out.put("dev_accuracy", r.devAccuracy());
        return out;
    }

    // ---- step 1: sample ------------------------------------------------------------------------

    private Map<String, Double> sample(RunHandle run, RunConfig c, int t, long start) {
        String version = version(run, t - 1);
        generator.loadCheckpoint(version);
        List<Problem> problems = Tasks.train(c, t);
        var s = c.getSampling();
        SamplingParams.Builder params = SamplingParams.newBuilder().setTemperature(s.getTemperature())
                .setTopP(s.getTopP()).setTopK(s.getTopK()).setMaxNewTokens(s.getMaxNewTokens());
        config.loop().stop().ifPresent(params::addAllStop);
        List<Sample> samples = new ArrayList<>();
        int batch = config.loop().generateBatchPrompts();
        for (int from = 0; from < problems.size(); from += batch) {
            List<Problem> chunk = problems.subList(from, Math.min(problems.size(), from + batch));
            long seed = Seeds.mix(c.getSeed(), t, 100 + from);
            GenerateResponse response = generate(chunk, s.getN(), params.clone().setSeed(seed).build(), version);
            for (Answer a : response.getAnswersList()) {
                Problem p = chunk.get(a.getPromptIndex());
                samples.add(new Sample("s" + t + "-" + p.index() + "-" + a.getSampleIndex(), p.index(), p.id(),
                        a.getSampleIndex(), a.getText(), a.getCompletionTokens(), a.getFinishReason().name(),
                        a.getPolicyVersion(), a.getSeed()));
            }
            progress(run, t, Stage.STAGE_SAMPLE, from + chunk.size(), problems.size(), start);
            safePoint(run, t, Stage.STAGE_SAMPLE, "batch-" + from);
        }
        RunFiles.writeRecords(iterDir(run, t).resolve("samples.jsonl"), samples);
        return Map.of("prompts", (double) problems.size(), "samples", (double) samples.size());
    }

    private GenerateResponse generate(List<Problem> chunk, int n, SamplingParams params, String version) {
        GenerateRequest.Builder request = GenerateRequest.newBuilder().setN(n).setSampling(params)
                .setRequirePolicyVersion(version);
        for (Problem p : chunk) {
            request.addPrompts(Prompt.newBuilder().setId(p.id()).setText(answerPrompt(p.question())));
        }
        return generator.generate(request.build());
    }

    String answerPrompt(String question) {
        return config.loop().answerTemplate().replace("{question}", question);
    }

    // ---- steps 2 and 5: judge ------------------------------------------------------------------

    private Map<String, Double> judge(RunHandle run, RunConfig c, int t, String input, String output, Stage stage,
            long start) {
        List<Problem> problems = Tasks.train(c, t);
        List<String[]> items = new ArrayList<>(); // id, promptIndex, text
        if (stage == Stage.STAGE_JUDGE) {
            for (Sample s : RunFiles.readRecords(iterDir(run, t).resolve(input), Sample.class)) {
                items.add(new String[] {s.id(), Integer.toString(s.promptIndex()), s.text()});
            }
        } else {
            for (Rewrite r : RunFiles.readRecords(iterDir(run, t).resolve(input), Rewrite.class)) {
                items.add(new String[] {r.id(), Integer.toString(r.promptIndex()), r.text()});
            }
        }
        List<Feedback> feedback = evaluate(run, c, t, stage, problems, items, start);
        RunFiles.writeMessages(iterDir(run, t).resolve(output), feedback);
        long failures = feedback.stream().filter(f -> f.getStatus() != FeedbackStatus.FEEDBACK_STATUS_OK).count();
        double meanScore = feedback.stream().filter(f -> f.hasScore()).mapToDouble(Feedback::getScore).average().orElse(0);
        return Map.of("items", (double) feedback.size(), "judge_failures", (double) failures, "mean_score", meanScore);
    }

    private List<Feedback> evaluate(RunHandle run, RunConfig c, int t, Stage stage, List<Problem> problems,
            List<String[]> items, long start) {
        List<Feedback> out = new ArrayList<>();
        int batch = config.loop().judgeBatchItems();
        for (int from = 0; from < items.size(); from += batch) {
            EvaluateRequest.Builder request = EvaluateRequest.newBuilder().setTask(c.getTask());
            Map<String, Feedback> byId = new HashMap<>();
            List<String> order = new ArrayList<>();
            for (String[] item : items.subList(from, Math.min(items.size(), from + batch))) {
                order.add(item[0]);
                if (item[2].isBlank()) {
                    // [ours] An empty answer (EOS first) is a real policy output reward-svc refuses to judge:
                    // it gets the lowest score and NO_ANSWER here, so it can still be a rejected answer.
                    byId.put(item[0], Feedback.newBuilder().setId("empty-" + item[0]).setItemId(item[0])
                            .setStatus(FeedbackStatus.FEEDBACK_STATUS_OK).setScore(0).setJudgeId("trainer:empty-answer")
                            .setTask(c.getTask()).setOutcome(io.rlrf.api.reward.v1.VerifiableOutcome.newBuilder()
                                    .setOutcome(Outcome.OUTCOME_NO_ANSWER)).build());
                    continue;
                }
                Problem p = problems.get(Integer.parseInt(item[1]));
                request.addItems(EvaluationItem.newBuilder().setId(item[0]).setPrompt(p.question()).setAnswer(item[2])
                        .setReference(p.reference()));
            }
            if (request.getItemsCount() > 0) {
                for (Feedback f : reward.evaluate(request.build()).getFeedbackList()) {
                    byId.put(f.getItemId(), f);
                }
            }
            for (String id : order) {
                out.add(byId.get(id));
            }
            progress(run, t, stage, Math.min(items.size(), from + batch), items.size(), start);
            safePoint(run, t, stage, "batch-" + from);
        }
        return out;
    }

    // ---- step 3: select ------------------------------------------------------------------------

    private Map<String, Double> select(RunHandle run, RunConfig c, int t) {
        Map<Integer, List<Candidate>> byPrompt = initialCandidates(run, t);
        Map<String, Feedback> fb = feedbackById(iterDir(run, t).resolve("feedback.jsonl"));
        boolean faultedOnly = config.loop().reflectFaultedOnly();
        List<Selection> selections = new ArrayList<>();
        int withoutFault = 0;
        for (var e : byPrompt.entrySet()) {
            List<Candidate> pool = e.getValue();
            if (faultedOnly) {
                // An answer with no critique gives the reflection nothing to fix: the most promising
                // answers are the best of those the judge faulted.
                pool = pool.stream().filter(cand -> Pairing.hasCritique(fb.get(cand.id()))).toList();
                if (pool.isEmpty()) {
                    withoutFault++;
                    continue;
                }
            }
            selections.add(new Selection(e.getKey(), Pairing.topK(pool, c.getReflection().getK(),
                    c.getPairing().getScore()).stream().map(Candidate::id).toList()));
        }
        RunFiles.writeRecords(iterDir(run, t).resolve("selected.jsonl"), selections);
        return Map.of("selected", (double) selections.stream().mapToInt(s -> s.answerIds().size()).sum(),
                "prompts_without_fault", (double) withoutFault);
    }

    private Map<Integer, List<Candidate>> initialCandidates(RunHandle run, int t) {
        Map<String, Feedback> fb = feedbackById(iterDir(run, t).resolve("feedback.jsonl"));
        Map<Integer, List<Candidate>> byPrompt = new TreeMap<>();
        for (Sample s : RunFiles.readRecords(iterDir(run, t).resolve("samples.jsonl"), Sample.class)) {
            Feedback f = fb.get(s.id());
            if (f == null || f.getStatus() != FeedbackStatus.FEEDBACK_STATUS_OK || !f.hasScore()) {
                continue; // a judge failure is counted in the judge stage, never scored
            }
            byPrompt.computeIfAbsent(s.promptIndex(), k -> new ArrayList<>()).add(new Candidate(s.id(), s.text(),
                    f.getScore(), Pairing.outcomeRank(f), true, "", f.getId(), List.of()));
        }
        return byPrompt;
    }

    private static Map<String, Feedback> feedbackById(Path file) {
        Map<String, Feedback> out = new HashMap<>();
        for (Feedback f : RunFiles.<Feedback>readMessages(file, Feedback::newBuilder)) {
            out.put(f.getItemId(), f);
        }
        return out;
    }

    // ---- step 4: reflect -----------------------------------------------------------------------

    private Map<String, Double> reflect(RunHandle run, RunConfig c, int t, long start) {
        String version = version(run, t - 1);
        generator.loadCheckpoint(version);
        List<Problem> problems = Tasks.train(c, t);
        Map<String, Sample> samples = new HashMap<>();
        for (Sample s : RunFiles.readRecords(iterDir(run, t).resolve("samples.jsonl"), Sample.class)) {
            samples.put(s.id(), s);
        }
        Map<String, Feedback> fb = feedbackById(iterDir(run, t).resolve("feedback.jsonl"));
        List<String> sources = new ArrayList<>();
        for (Selection sel : RunFiles.readRecords(iterDir(run, t).resolve("selected.jsonl"), Selection.class)) {
            sources.addAll(sel.answerIds());
        }
        var r = c.getReflection();
        int perAnswer = r.getM() / r.getK();
        SamplingParams.Builder params = SamplingParams.newBuilder().setTemperature(r.getTemperature())
                .setTopP(r.getTopP()).setMaxNewTokens(r.getMaxNewTokens());
        config.loop().stop().ifPresent(params::addAllStop);
        List<Rewrite> rewrites = new ArrayList<>();
        int refused = 0;
        int batch = config.loop().refineBatchItems();
        for (int from = 0; from < sources.size(); from += batch) {
            List<String> chunk = sources.subList(from, Math.min(sources.size(), from + batch));
            long seed = Seeds.mix(c.getSeed(), t, 200 + from);
            Partial<Refinement> refined = wholeOrEach(chunk.size(),
                    (lo, hi) -> refine(chunk.subList(lo, hi), lo, perAnswer, version, params, seed, samples, problems, fb));
            for (int i : refined.refused()) {
                LOG.warnf("run %s iteration %d: no rewrites for answer %s: %s", run.id(), t, chunk.get(i),
                        refined.reasons().get(i));
            }
            refused += refined.refused().size();
            for (Refinement ref : refined.results()) {
                Sample s = samples.get(chunk.get(ref.getItemIndex()));
                var l = ref.getLineage();
                rewrites.add(new Rewrite(s.id() + "-r" + ref.getRewriteIndex(), s.promptIndex(), s.id(),
                        l.getFeedbackId(), l.getCritiquedAspectsList(), ref.getRewriteIndex(), ref.getText(),
                        ref.getCompletionTokens(), l.getPolicyVersion(), l.getTemplateVersion(), l.getSeed()));
            }
            progress(run, t, Stage.STAGE_REFLECT, from + chunk.size(), sources.size(), start);
            safePoint(run, t, Stage.STAGE_REFLECT, "batch-" + from);
        }
        RunFiles.writeRecords(iterDir(run, t).resolve("refinements.jsonl"), rewrites);
        return Map.of("rewrites", (double) rewrites.size(), "sources", (double) sources.size(),
                "sources_refused", (double) refused);
    }

    /** What {@link #wholeOrEach} got: the results in item order, and the items a peer refused with why. */
    record Partial<R>(List<R> results, List<Integer> refused, Map<Integer, String> reasons) {
    }

    /**
     * Calls {@code range} for items [0, n) at once; if the peer refuses that call as above one of its
     * limits (LIMIT_EXCEEDED: typically one answer whose reflection prompt no longer fits the model's
     * context), calls it item by item and leaves out only the items refused. Any other failure
     * propagates. The same items give the same calls, so a resumed stage leaves out the same items.
     */
    static <R> Partial<R> wholeOrEach(int n, java.util.function.BiFunction<Integer, Integer, List<R>> range) {
        try {
            return new Partial<>(range.apply(0, n), List.of(), Map.of());
        } catch (ServiceException e) {
            if (e.kind() != ServiceException.Kind.LIMIT_EXCEEDED) {
                throw e;
            }
        }
        List<R> results = new ArrayList<>();
        List<Integer> refused = new ArrayList<>();
        Map<Integer, String> reasons = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            try {
                results.addAll(range.apply(i, i + 1));
            } catch (ServiceException e) {
                if (e.kind() != ServiceException.Kind.LIMIT_EXCEEDED) {
                    throw e;
                }
                refused.add(i);
                reasons.put(i, e.getMessage());
            }
        }
        return new Partial<>(results, refused, reasons);
    }

    /**
     * One Refine call for {@code ids}; the refinements' item indexes are shifted by {@code offset},
     * so they index the caller's chunk.
     */
    private List<Refinement> refine(List<String> ids, int offset, int perAnswer, String version,
            SamplingParams.Builder params, long seed, Map<String, Sample> samples, List<Problem> problems,
            Map<String, Feedback> fb) {
        RefineRequest.Builder request = RefineRequest.newBuilder().setM(perAnswer).setRequirePolicyVersion(version)
                .setSampling(params.clone().setSeed(seed));
        for (String id : ids) {
            Sample s = samples.get(id);
            request.addItems(RefineItem.newBuilder().setPrompt(problems.get(s.promptIndex()).question())
                    .setAnswer(SourceAnswer.newBuilder().setId(s.id()).setText(s.text())).setFeedback(fb.get(id)));
        }
        List<Refinement> out = new ArrayList<>();
        for (Refinement ref : reflector.refine(request.build()).getRefinementsList()) {
            out.add(ref.toBuilder().setItemIndex(ref.getItemIndex() + offset).build());
        }
        return out;
    }

    // ---- step 6: pair --------------------------------------------------------------------------

    private Map<String, Double> pair(RunHandle run, RunConfig c, int t) {
        List<Problem> problems = Tasks.train(c, t);
        Map<Integer, List<Candidate>> byPrompt = initialCandidates(run, t);
        int improved = 0;
        int rewritesJudged = 0;
        if (c.getReflection().getEnabled()) {
            Map<String, Feedback> fb = feedbackById(iterDir(run, t).resolve("refinement-feedback.jsonl"));
            Map<String, Double> sourceScore = new HashMap<>();
            byPrompt.values().forEach(list -> list.forEach(cand -> sourceScore.put(cand.id(), cand.score())));
            for (Rewrite r : RunFiles.readRecords(iterDir(run, t).resolve("refinements.jsonl"), Rewrite.class)) {
                Feedback f = fb.get(r.id());
                if (f == null || f.getStatus() != FeedbackStatus.FEEDBACK_STATUS_OK || !f.hasScore()) {
                    continue;
                }
                rewritesJudged++;
                if (f.getScore() > sourceScore.getOrDefault(r.sourceAnswerId(), Double.MAX_VALUE)) {
                    improved++;
                }
                byPrompt.computeIfAbsent(r.promptIndex(), k -> new ArrayList<>()).add(new Candidate(r.id(), r.text(),
                        f.getScore(), Pairing.outcomeRank(f), false, r.sourceAnswerId(), r.feedbackId(),
                        r.critiquedAspects()));
            }
        }
        List<Pair> pairs = new ArrayList<>();
        int skipped = 0;
        for (var e : byPrompt.entrySet()) {
            List<Pairing.Choice> choices = Pairing.pairs(e.getValue(), c.getPairing().getDelta(),
                    c.getPairing().getPairsPerPrompt(), c.getPairing().getScore(),
                    c.getPairing().getRejectedFromSamples());
            if (choices.isEmpty()) {
                skipped++;
            }
            Problem p = problems.get(e.getKey());
            for (int i = 0; i < choices.size(); i++) {
                pairs.add(new Pair("p" + t + "-" + p.index() + "-" + i, p.index(), p.id(), p.question(),
                        choices.get(i).chosen(), choices.get(i).rejected(), null, null));
            }
        }
        skipped += problems.size() - byPrompt.size();
        RunFiles.writeRecords(iterDir(run, t).resolve("pairs.jsonl"), pairs);
        double acceptance = rewritesJudged == 0 ? 0 : (double) improved / rewritesJudged;
        long chosenRefined = pairs.stream().filter(p -> !p.chosen().initial()).count();
        return Map.of("pairs", (double) pairs.size(), "prompts_skipped", (double) skipped,
                "refine_acceptance_rate", acceptance, "chosen_refined", (double) chosenRefined);
    }

    // ---- train ---------------------------------------------------------------------------------

    private Map<String, Double> trainDpo(RunHandle run, RunConfig c, int t, long start) {
        Path dir = iterDir(run, t);
        List<Pair> pairs = RunFiles.readRecords(dir.resolve("pairs.jsonl"), Pair.class);
        var d = c.getDpo();
        try (Policy policy = Policy.load(store.resolve(version(run, t - 1)))) {
            List<PreferencePair> prefs = new ArrayList<>();
            for (Pair p : pairs) {
                int[] prompt = policy.encodePrompt(answerPrompt(p.question()));
                prefs.add(new PreferencePair(prompt, policy.encodeCompletion(p.chosen().text()),
                        policy.encodeCompletion(p.rejected().text())));
            }
            // Reference log-probabilities: computed once with the frozen starting policy and stored with the pairs.
            Path scoredFile = dir.resolve("scored-pairs.jsonl");
            List<Pair> scored;
            if (Files.exists(scoredFile)) {
                scored = RunFiles.readRecords(scoredFile, Pair.class);
            } else {
                List<ScoredPair> ref;
                try (Policy reference = policy.copy()) {
                    ref = prefs.isEmpty() ? List.of() : DpoTrainer.score(reference.model(), prefs, config.loop().scoreBatchSize());
                }
                scored = new ArrayList<>();
                for (int i = 0; i < pairs.size(); i++) {
                    scored.add(pairs.get(i).withReference(ref.get(i).refChosen(), ref.get(i).refRejected()));
                }
                RunFiles.writeRecords(scoredFile, scored);
            }
            List<ScoredPair> examples = new ArrayList<>();
            for (int i = 0; i < scored.size(); i++) {
                examples.add(new ScoredPair(prefs.get(i), scored.get(i).refChosenLogProb(), scored.get(i).refRejectedLogProb()));
            }
            int perStep = d.getBatchSize() * d.getGradAccumulation();
            int stepsPerEpoch = (examples.size() + perStep - 1) / perStep;
            int total = Math.max(1, stepsPerEpoch * d.getEpochs());
            OptimizerParams opt = OptimizerParams.of(d.getLearningRate(), (int) (d.getWarmupRatio() * total), total)
                    .withWeightDecay(d.getWeightDecay()).withMaxGradNorm(d.getMaxGradNorm());
            double loss = 0, margin = 0, accuracy = 0, chosenLogProb = 0;
            int steps = 0;
            if (!examples.isEmpty()) {
                try (DpoTrainer dpo = new DpoTrainer(policy.model(), new DpoParams(d.getBeta(), d.getNllWeight()), opt,
                        d.getBatchSize())) {
                    Random shuffle = new Random(Seeds.mix(c.getSeed(), t, 300));
                    for (int epoch = 0; epoch < d.getEpochs(); epoch++) {
                        List<ScoredPair> order = new ArrayList<>(examples);
                        Collections.shuffle(order, shuffle);
                        loss = margin = accuracy = chosenLogProb = 0;
                        int epochSteps = 0;
                        for (int from = 0; from < order.size(); from += perStep) {
                            DpoStats st = dpo.step(order.subList(from, Math.min(order.size(), from + perStep)));
                            metrics.dpoStep(run.run(), st);
                            loss += st.loss();
                            margin += st.rewardMargin();
                            accuracy += st.rewardAccuracy();
                            chosenLogProb += st.chosenLogProb();
                            epochSteps++;
                            steps++;
                            progress(run, t, Stage.STAGE_TRAIN, steps, total, start);
                            safePoint(run, t, Stage.STAGE_TRAIN, "step-" + steps);
                        }
                        loss /= epochSteps;
                        margin /= epochSteps;
                        accuracy /= epochSteps;
                        chosenLogProb /= epochSteps;
                    }
                }
            }
            saveCheckpoint(policy, dir.resolve("checkpoint"), run, t);
            RunFiles.writeRecord(dir.resolve("train.json"), new TrainResult(steps, loss, margin, accuracy, chosenLogProb,
                    "checkpoint"));
            return Map.of("steps", (double) steps, "pairs", (double) examples.size(), "dpo_loss", loss,
                    "reward_margin", margin, "reward_accuracy", accuracy);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, Double> trainSft(RunHandle run, RunConfig c, int t, long start) {
        Path dir = iterDir(run, t);
        var s = c.getSft();
        try (Policy policy = Policy.load(store.resolve(version(run, t - 1)))) {
            List<Sequence> examples = new ArrayList<>();
            for (Problem p : Tasks.train(c, t)) {
                examples.add(new Sequence(policy.encodePrompt(answerPrompt(p.question())), policy.encodeCompletion(p.reference())));
            }
            int stepsPerEpoch = (examples.size() + s.getBatchSize() - 1) / s.getBatchSize();
            int total = Math.max(1, stepsPerEpoch * s.getEpochs());
            double loss = 0;
            int steps = 0;
            try (SftTrainer sft = new SftTrainer(policy.model(), OptimizerParams.of(s.getLearningRate(), 0, total),
                    s.getBatchSize())) {
                Random shuffle = new Random(Seeds.mix(c.getSeed(), t, 400));
                for (int epoch = 0; epoch < s.getEpochs(); epoch++) {
                    List<Sequence> order = new ArrayList<>(examples);
                    Collections.shuffle(order, shuffle);
                    for (int from = 0; from < order.size(); from += s.getBatchSize()) {
                        SftStats st = sft.step(order.subList(from, Math.min(order.size(), from + s.getBatchSize())));
                        loss = st.loss();
                        steps++;
                        progress(run, t, Stage.STAGE_TRAIN, steps, total, start);
                        safePoint(run, t, Stage.STAGE_TRAIN, "step-" + steps);
                    }
                }
            }
            saveCheckpoint(policy, dir.resolve("checkpoint"), run, t);
            RunFiles.writeRecord(dir.resolve("train.json"), new TrainResult(steps, loss, 0, 0, 0, "checkpoint"));
            return Map.of("steps", (double) steps, "sft_loss", loss);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void saveCheckpoint(Policy policy, Path target, RunHandle run, int t) throws IOException {
        deleteTree(target); // a save completed by an attempt that crashed before train.json
        policy.save(target, Map.of("iteration", Integer.toString(t))); // no run id: same seed, same bytes
    }

    // ---- publish -------------------------------------------------------------------------------

    private Map<String, Double> publish(RunHandle run, int t) {
        String version = version(run, t);
        Path target = store.resolve(version);
        try {
            if (!Files.exists(target.resolve("config.json"))) {
                // Copy beside the target, then rename: generator-svc never sees half a checkpoint.
                Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
                Files.createDirectories(tmp);
                try (Stream<Path> files = Files.list(iterDir(run, t).resolve("checkpoint"))) {
                    for (Path f : files.toList()) {
                        Files.copy(f, tmp.resolve(f.getFileName()));
                    }
                }
                deleteTree(target);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not publish " + version, e);
        }
        safePoint(run, t, Stage.STAGE_PUBLISH, "copied");
        long loadMillis = generator.loadCheckpoint(version).getLoadMillis();
        RunFiles.writeRecord(iterDir(run, t).resolve("publish.json"), Map.of("version", version));
        return Map.of("load_millis", (double) loadMillis);
    }

    // ---- evaluate ------------------------------------------------------------------------------

    private Map<String, Double> evaluate(RunHandle run, RunConfig c, int t, long start) {
        String version = version(run, t);
        generator.loadCheckpoint(version);
        List<Problem> problems = Tasks.eval(c);
        SamplingParams.Builder params = SamplingParams.newBuilder().setTemperature(c.getEval().getTemperature())
                .setMaxNewTokens(c.getEval().getMaxNewTokens()).setSeed(Seeds.mix(c.getSeed(), 0, 500));
        config.loop().stop().ifPresent(params::addAllStop);
        List<Sample> answers = new ArrayList<>();
        int batch = config.loop().generateBatchPrompts();
        for (int from = 0; from < problems.size(); from += batch) {
            List<Problem> chunk = problems.subList(from, Math.min(problems.size(), from + batch));
            for (Answer a : generate(chunk, 1, params.build(), version).getAnswersList()) {
                Problem p = chunk.get(a.getPromptIndex());
                answers.add(new Sample("e" + t + "-" + p.index(), p.index(), p.id(), 0, a.getText(),
                        a.getCompletionTokens(), a.getFinishReason().name(), a.getPolicyVersion(), a.getSeed()));
            }
            progress(run, t, Stage.STAGE_EVALUATE, from + chunk.size(), problems.size(), start);
            safePoint(run, t, Stage.STAGE_EVALUATE, "batch-" + from);
        }
        Path dir = iterDir(run, t);
        RunFiles.writeRecords(dir.resolve("eval-answers.jsonl"), answers);
        List<String[]> items = answers.stream()
                .map(a -> new String[] {a.id(), Integer.toString(a.promptIndex()), a.text()}).toList();
        List<Feedback> feedback = evaluate(run, c, t, Stage.STAGE_EVALUATE, problems, items, start);
        RunFiles.writeMessages(dir.resolve("eval-feedback.jsonl"), feedback);
        int correct = 0;
        int failures = 0;
        Map<String, double[]> aspects = new TreeMap<>();
        for (Feedback f : feedback) {
            if (f.getStatus() != FeedbackStatus.FEEDBACK_STATUS_OK) {
                failures++;
                continue;
            }
            if (f.getOutcome().getOutcome() == Outcome.OUTCOME_CORRECT) {
                correct++;
            }
            for (AspectFeedback a : f.getAspectsList()) {
                double[] sum = aspects.computeIfAbsent(a.getAspect(), k -> new double[2]);
                sum[0] += a.getRating();
                sum[1]++;
            }
        }
        Map<String, Double> meanAspect = new LinkedHashMap<>();
        aspects.forEach((k, v) -> meanAspect.put(k, v[0] / v[1]));
        double accuracy = problems.isEmpty() ? 0 : (double) correct / problems.size();
        double meanTokens = answers.stream().mapToInt(Sample::completionTokens).average().orElse(0);
        RunFiles.writeRecord(dir.resolve("evaluation.json"),
                new EvalResult(accuracy, meanAspect, meanTokens, problems.size(), failures));
        if (t == 0) {
            run.update(b -> b.setBaseEvalAccuracy(accuracy));
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("accuracy", accuracy);
        out.put("mean_answer_tokens", meanTokens);
        out.put("judge_failures", (double) failures);
        meanAspect.forEach((k, v) -> out.put("rating_" + k, v));
        return out;
    }

    private void finishIteration(RunHandle run, int t) {
        int iteration = t;
        if (run.run().getIterationsList().stream().anyMatch(s -> s.getIteration() == iteration)) {
            return;
        }
        Path dir = iterDir(run, t);
        EvalResult eval = RunFiles.readRecord(dir.resolve("evaluation.json"), EvalResult.class);
        IterationSummary.Builder summary = IterationSummary.newBuilder().setIteration(t).setPolicyVersion(version(run, t))
                .setEvalAccuracy(eval.accuracy()).putAllMeanAspectRating(eval.meanAspectRating())
                .setMeanAnswerTokens(eval.meanAnswerTokens());
        Path pairDone = marker(run, t, Stage.STAGE_PAIR);
        if (Files.exists(pairDone)) {
            StageCompleted pc = RunFiles.fromJson(RunFiles.lines(pairDone).get(0), StageCompleted::newBuilder);
            summary.setPairs((int) pc.getMetricsOrDefault("pairs", 0))
                    .setPromptsSkipped((int) pc.getMetricsOrDefault("prompts_skipped", 0))
                    .setRefineAcceptanceRate(pc.getMetricsOrDefault("refine_acceptance_rate", 0));
        }
        Path train = dir.resolve("train.json");
        if (Files.exists(train)) {
            TrainResult tr = RunFiles.readRecord(train, TrainResult.class);
            summary.setDpoLoss(tr.loss()).setRewardMargin(tr.rewardMargin()).setRewardAccuracy(tr.rewardAccuracy());
        }
        IterationSummary built = summary.build();
        run.update(b -> b.addIterations(built));
        metrics.iterationCompleted(run.run(), built);
        run.append(RunEvent.newBuilder().setIterationCompleted(built));
    }

    // ---- plumbing ------------------------------------------------------------------------------

    private void safePoint(RunHandle run, int t, Stage stage, String where) {
        safePointHook.accept(t + "/" + stage.name() + "/" + where);
        if (run.cancelRequested()) {
            throw new Cancelled();
        }
    }

    private static void progress(RunHandle run, int t, Stage stage, long done, long total, long start) {
        double seconds = (System.nanoTime() - start) / 1e9;
        StageProgress p = StageProgress.newBuilder().setIteration(t).setStage(stage).setDone(done).setTotal(total)
                .setRate(seconds > 0 ? done / seconds : 0).build();
        run.update(b -> b.setProgress(p));
        run.append(RunEvent.newBuilder().setProgress(p));
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
