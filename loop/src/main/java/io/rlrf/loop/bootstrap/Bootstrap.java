package io.rlrf.loop.bootstrap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.rlrf.core.AtomicFiles;
import io.rlrf.core.ContentKey;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.generate.SamplingParams;
import io.rlrf.model.score.SequenceScorer.Sequence;
import io.rlrf.model.tokenizer.CharTokenizerSpec;
import io.rlrf.model.train.OptimizerParams;
import io.rlrf.tasks.FinalAnswer;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.arith.ArithLevel;
import io.rlrf.tasks.arith.ArithWorld;
import io.rlrf.tasks.facts.FactsVerifier;
import io.rlrf.tasks.facts.FactsWorld;
import io.rlrf.tasks.verify.VerifierJudges;
import io.rlrf.tasks.prompt.AnswerPrompt;
import io.rlrf.tasks.prompt.ReflectionPrompt;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The built-in base policy: a fresh char-level policy trained by SFT on the arith world (answering,
 * and revising a faulted draft given the verifier's critique; {@link BootstrapData}), or for task
 * {@code facts} on the factuality world (every entity's description, and revisions of descriptions
 * with one wrong value; {@link BootstrapData#facts}; dev accuracy: CORRECT descriptions of the dev
 * entities), for a bounded
 * number of steps so that it stays imperfect, then measured (greedy final-answer accuracy on the dev
 * split) and cached in the model store at {@code <directory>/<hash>}. A second call with the same
 * settings and seed finds the directory and trains nothing.
 */
public final class Bootstrap {

    private static final Logger LOG = Logger.getLogger(Bootstrap.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private static final String ARITH = "arith";

    /** The file beside the weights that describes how the base was made. */
    public static final String INFO_FILE = "bootstrap.json";

    /** Called after every SFT step; it may throw to abort the bootstrap (nothing is saved then). */
    @FunctionalInterface
    public interface Progress {
        void step(int done, int total);
    }

    /**
     * What a bootstrap produced (or found cached).
     *
     * @param version     store-relative version of the base checkpoint
     * @param cached      true when the checkpoint already existed and nothing was trained
     * @param steps       SFT steps of the phase that made it
     * @param devAccuracy greedy final-answer accuracy on the dev split (-1 when not measured)
     * @param trainMillis wall time of the phase that made the checkpoint (data, SFT, evaluation)
     * @param refinedFrom the version of the phase before when this base is a later phase's (refine, target), else null
     */
    public record Result(String version, boolean cached, long seed, int examples, int answerExamples,
            int revisionExamples, int skippedTooLong, int steps, double finalLoss, double devAccuracy, int devProblems,
            long parameters, long trainMillis, String refinedFrom) {

        Result asCached() {
            return new Result(version, true, seed, examples, answerExamples, revisionExamples, skippedTooLong, steps,
                    finalLoss, devAccuracy, devProblems, parameters, trainMillis, refinedFrom);
        }
    }

    /** The SFT set of one phase, encoded. */
    private record Encoded(List<Sequence> sequences, int answers, int revisions, int tooLong) {
    }

    private final BootstrapSpec spec;
    private final AnswerPrompt answerPrompt;
    private final Path store;

    /**
     * @param answerPrompt the prompt runs answer under (the answering examples use it)
     * @param store        the model store root
     */
    public Bootstrap(BootstrapSpec spec, AnswerPrompt answerPrompt, Path store) {
        this.spec = spec;
        this.answerPrompt = answerPrompt;
        this.store = store.toAbsolutePath().normalize();
    }

    /** The seed a run with {@code runSeed} bootstraps with. */
    public long seedFor(long runSeed) {
        return spec.seed().orElse(runSeed);
    }

    /**
     * Store-relative version of the base for a run with {@code runSeed} whose reflector serves
     * {@code reflection}: the first 12 hex digits of the {@link ContentKey} of every setting the base
     * depends on.
     */
    public String version(long runSeed, ReflectionPrompt reflection) {
        return version(ARITH, runSeed, reflection);
    }

    /**
     * The same for a run of {@code task}: the facts world's base ({@code task} facts) has its own key,
     * which adds the task and the facts settings; every other task's base is the arith one.
     */
    public String version(String task, long runSeed, ReflectionPrompt reflection) {
        BootstrapSpec b = spec;
        if (isFacts(task)) {
            String key = ContentKey.of("rlrf-bootstrap-facts-v1", List.of("seed=" + seedFor(runSeed),
                    "world=" + FactsWorld.BUILT_IN.seed() + "/" + FactsWorld.BUILT_IN.entities().size(),
                    "steps=" + b.facts().steps(), "revisions=" + b.facts().revisionsPerEntity(), "batch=" + b.batchSize(),
                    "lr=" + b.learningRate(), "warmup=" + b.warmupSteps(), "hidden=" + b.hiddenSize(),
                    "layers=" + b.layers(), "heads=" + b.heads(), "positions=" + b.maxPositions(),
                    "answer-template=" + answerPrompt.template(), "reflection-template=" + reflection.template()));
            return b.directory() + "/facts-" + key.substring(0, 12);
        }
        String before = beforeTarget(runSeed, reflection);
        return b.target().enabled() ? targetVersion(before, reflection) : before;
    }

    /** The version the target phase starts from: the refined base, or the first phase's without a refine phase. */
    private String beforeTarget(long runSeed, ReflectionPrompt reflection) {
        String first = firstVersion(runSeed, reflection);
        return spec.refine().enabled() ? refinedVersion(first, reflection) : first;
    }

    /** The first phase's version: SFT from a fresh network (the whole base when there is no refine phase). */
    private String firstVersion(long runSeed, ReflectionPrompt reflection) {
        BootstrapSpec b = spec;
        String key = ContentKey.of("rlrf-bootstrap-v2", List.of("seed=" + seedFor(runSeed), "levels=" + b.levels(),
                "answers=" + b.answerExamplesPerLevel(), "revisions=" + b.revisionExamplesPerLevel(),
                "steps=" + b.steps(), "batch=" + b.batchSize(), "lr=" + b.learningRate(), "warmup=" + b.warmupSteps(),
                "hidden=" + b.hiddenSize(), "layers=" + b.layers(), "heads=" + b.heads(),
                "positions=" + b.maxPositions(), "answer-template=" + answerPrompt.template(),
                "reflection-template=" + reflection.template()));
        return b.directory() + "/" + key.substring(0, 12);
    }

    /** The refined base's version: the first phase's, every refine setting and the critique form. */
    private String refinedVersion(String first, ReflectionPrompt reflection) {
        BootstrapSpec.Refine r = spec.refine();
        String key = ContentKey.of("rlrf-bootstrap-refine-v1", List.of("from=" + first, "steps=" + r.steps(),
                "answers=" + r.answersPerLevel(), "revisions=" + r.revisionsPerLevel(), "slip-rate=" + r.slipRate(),
                "lr=" + r.learningRate(), "warmup=" + r.warmupSteps(), "batch=" + spec.batchSize(),
                "critique-form=" + r.critiqueForm(), "answer-template=" + answerPrompt.template(),
                "reflection-template=" + reflection.template()));
        return spec.directory() + "/" + key.substring(0, 12);
    }

    /** The target phase's version: the version it starts from, every target setting and the critique form. */
    private String targetVersion(String from, ReflectionPrompt reflection) {
        BootstrapSpec.Target t = spec.target();
        String key = ContentKey.of("rlrf-bootstrap-target-v1", List.of("from=" + from, "levels=" + t.levels(),
                "steps=" + t.steps(), "answers=" + t.answersPerLevel(), "revisions=" + t.revisionsPerLevel(),
                "slip-rate=" + t.slipRate(), "lr=" + t.learningRate(), "warmup=" + t.warmupSteps(),
                "data-seed=" + t.dataSeed(), "structural-share=" + t.structuralShare(), "batch=" + spec.batchSize(),
                "micro-batch=" + spec.microBatchSize(), "critique-form=" + targetRecipe().critiques(),
                "answer-template=" + answerPrompt.template(),
                "reflection-template=" + reflection.template()));
        return spec.directory() + "/" + key.substring(0, 12);
    }

    /**
     * Returns the base for a run with {@code runSeed}, training and caching it first unless the
     * store already holds it; its revision examples are rendered with {@code reflection}, the
     * template the run's reflector serves. One bootstrap at a time (DJL trains one model per JVM at
     * a time).
     */
    public synchronized Result ensure(long runSeed, ReflectionPrompt reflection, Progress progress) {
        return ensure(ARITH, runSeed, reflection, progress);
    }

    /** The same for a run of {@code task} (see {@link #version(String, long, ReflectionPrompt)}). */
    public synchronized Result ensure(String task, long runSeed, ReflectionPrompt reflection, Progress progress) {
        long seed = seedFor(runSeed);
        String version = version(task, runSeed, reflection);
        try {
            Optional<Result> found = findOrCopy(version, seed);
            if (found.isPresent()) {
                return found.get();
            }
            if (isFacts(task) || (!spec.refine().enabled() && !spec.target().enabled())) {
                return train(isFacts(task), seed, version, store.resolve(version), reflection, progress);
            }
            // each phase from the one before it, the earlier ones found or copied when they are there
            String first = firstVersion(runSeed, reflection);
            Optional<Result> found1 = findOrCopy(first, seed);
            Result base = found1.isPresent() ? found1.get()
                    : train(false, seed, first, store.resolve(first), reflection, progress);
            if (spec.refine().enabled()) {
                String refined = refinedVersion(first, reflection);
                Optional<Result> found2 = refined.equals(version) ? Optional.empty() : findOrCopy(refined, seed);
                base = found2.isPresent() ? found2.get()
                        : continued(base, seed, refined, reflection, progress, refineRecipe(seed));
            }
            if (spec.target().enabled()) {
                base = continued(base, seed, version, reflection, progress, targetRecipe());
            }
            return base;
        } catch (IOException e) {
            throw new UncheckedIOException("bootstrap " + version + " failed", e);
        }
    }

    /** The base {@code version} when the store has it, or after copying it from the shipped store; else empty. */
    private Optional<Result> findOrCopy(String version, long seed) throws IOException {
        Path target = store.resolve(version);
        if (!Files.isRegularFile(target.resolve("config.json"))) {
            Optional<Path> shipped = spec.shippedStore().map(d -> d.resolve(version))
                    .filter(d -> Files.isRegularFile(d.resolve("config.json")));
            if (shipped.isEmpty()) {
                spec.shippedStore().filter(d -> !Files.isDirectory(d)).ifPresent(d -> LOG.warnf(
                        "bootstrap %s: the shipped store %s does not exist (a relative path is resolved against the "
                                + "working directory, %s), so the base is trained here, which takes minutes to hours; "
                                + "run from the repository root or set rlrf.trainer.bootstrap.shipped-store to its models folder",
                        version, d, Path.of("").toAbsolutePath()));
                return Optional.empty();
            }
            copy(shipped.get(), target);
            LOG.infof("bootstrap %s copied from the shipped bases in %s: not trained", version, shipped.get());
        } else {
            LOG.infof("bootstrap %s is cached in the model store: skipped", version);
        }
        Path info = target.resolve(INFO_FILE);
        Result found = Files.exists(info) ? JSON.readValue(info.toFile(), Result.class)
                : new Result(version, true, seed, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, null);
        return Optional.of(found.asCached());
    }

    /** Copies a shipped base's files into the store: written beside, then renamed into place. */
    private static void copy(Path from, Path target) throws IOException {
        AtomicFiles.publishFolder(target, staging -> {
            try (var files = Files.list(from)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (Files.isRegularFile(f)) {
                        Files.copy(f, staging.resolve(f.getFileName().toString()));
                    }
                }
            }
        });
    }

    private static boolean isFacts(String task) {
        return VerifierJudges.FACTS_TASK.equals(task);
    }

    private Result train(boolean facts, long seed, String version, Path target, ReflectionPrompt reflection,
            Progress progress) throws IOException {
        long start = System.nanoTime();
        BootstrapSpec b = spec;
        List<BootstrapData.Example> data = facts
                ? BootstrapData.facts(FactsWorld.BUILT_IN, b.facts().revisionsPerEntity(), seed, answerPrompt, reflection)
                : BootstrapData.build(new BootstrapData.Spec(b.levels(), b.answerExamplesPerLevel(),
                        b.revisionExamplesPerLevel(), seed, answerPrompt, reflection));
        int totalSteps = facts ? b.facts().steps() : b.steps();
        String alphabet = CharTokenizerSpec.PRINTABLE_ASCII;
        LlamaConfig shape = LlamaConfig.of(CharTokenizerSpec.vocabSize(alphabet), b.hiddenSize(), 4 * b.hiddenSize(),
                b.layers(), b.heads(), Math.max(1, b.heads() / 2), b.maxPositions(), true);
        try (Policy policy = Policy.initialize(shape, CharTokenizerSpec.toJson(alphabet), seed)) {
            Encoded set = encode(policy, data.stream()
                    .map(e -> new RefineData.Example(e.kind(), e.prompt(), e.completion())).toList());
            LOG.infof("bootstrap %s: %d examples (%d answering, %d revision, %d longer than %d left out), %d parameters, "
                    + "%d steps of %d", version, set.sequences().size(), set.answers(), set.revisions(), set.tooLong(),
                    b.maxPositions(), shape.parameterCount(), totalSteps, b.batchSize());
            double loss = sft(policy, set.sequences(), OptimizerParams.of(b.learningRate(),
                    Math.min(b.warmupSteps(), totalSteps - 1), totalSteps), seed + 101, version, start, progress);
            int[] dev = facts ? factsDevAccuracy(policy) : devAccuracy(policy, seed, b.levels());
            return finish(policy, target, start, new Result(version, false, seed, set.sequences().size(), set.answers(),
                    set.revisions(), set.tooLong(), totalSteps, loss, dev[1] == 0 ? -1 : (double) dev[0] / dev[1], dev[1],
                    shape.parameterCount(), 0, null));
        }
    }

    /** What a phase after the first trains on and how: its data draw and its optimiser. */
    private record Recipe(String phase, List<Integer> levels, int steps, int answersPerLevel, int revisionsPerLevel,
            double slipRate, double structuralShare, VerifierParams critiques, long dataSeed, double learningRate,
            int warmupSteps) {
    }

    /**
     * The refine phase's recipe: the first phase's levels, drawn with seed + 1 so that its draw is not the
     * first phase's (level 1's problem space is small, so many problems recur).
     */
    private Recipe refineRecipe(long seed) {
        BootstrapSpec.Refine r = spec.refine();
        return new Recipe("refining", spec.levels(), r.steps(), r.answersPerLevel(), r.revisionsPerLevel(), r.slipRate(),
                0, r.critiqueForm(), seed + 1, r.learningRate(), r.warmupSteps());
    }

    /** The target phase's recipe. */
    private Recipe targetRecipe() {
        BootstrapSpec.Target t = spec.target();
        return new Recipe("target phase on", t.levels(), t.steps(), t.answersPerLevel(), t.revisionsPerLevel(),
                t.slipRate(), t.structuralShare(), spec.refine().critiqueForm().withReferenceSteps(t.referenceSteps()),
                t.dataSeed(), t.learningRate(), t.warmupSteps());
    }

    /**
     * A phase after the first: SFT continued from {@code from}'s weights on {@link RefineData} (answering, and
     * revising slipped drafts under critiques in the refine phase's form), in batches drawn with the
     * recipe's data seed + 101; its dev accuracy is measured on the recipe's levels.
     */
    private Result continued(Result from, long seed, String version, ReflectionPrompt reflection, Progress progress,
            Recipe recipe) throws IOException {
        long start = System.nanoTime();
        List<RefineData.Example> data = RefineData.build(new RefineData.Spec(recipe.levels(), recipe.answersPerLevel(),
                recipe.revisionsPerLevel(), recipe.slipRate(), recipe.critiques(), recipe.dataSeed(), answerPrompt,
                reflection, recipe.structuralShare()));
        try (Policy policy = Policy.load(store.resolve(from.version()))) {
            Encoded set = encode(policy, data);
            LOG.infof("bootstrap %s: %s %s, levels %s, on %d examples (%d answering, %d revision, %d longer than %d "
                    + "left out, critiques %s), %d steps of %d", version, recipe.phase(), from.version(), recipe.levels(),
                    set.sequences().size(), set.answers(), set.revisions(), set.tooLong(), spec.maxPositions(),
                    recipe.critiques(), recipe.steps(), spec.batchSize());
            double loss = sft(policy, set.sequences(), OptimizerParams.of(recipe.learningRate(),
                    Math.min(recipe.warmupSteps(), recipe.steps() - 1), recipe.steps()), recipe.dataSeed() + 101, version,
                    start, progress);
            int[] dev = devAccuracy(policy, seed, recipe.levels());
            return finish(policy, store.resolve(version), start, new Result(version, false, seed, set.sequences().size(),
                    set.answers(), set.revisions(), set.tooLong(), recipe.steps(), loss,
                    dev[1] == 0 ? -1 : (double) dev[0] / dev[1], dev[1], from.parameters(), 0, from.version()));
        }
    }

    /** The examples as sequences, those longer than max-positions left out. */
    private Encoded encode(Policy policy, List<RefineData.Example> data) {
        List<Sequence> examples = new ArrayList<>();
        int answers = 0;
        int revisions = 0;
        int tooLong = 0;
        for (RefineData.Example e : data) {
            Sequence s = new Sequence(policy.encodePrompt(e.prompt()), policy.encodeCompletion(e.completion()));
            if (s.length() > spec.maxPositions()) {
                tooLong++;
                continue;
            }
            examples.add(s);
            if (e.kind() == BootstrapData.Kind.ANSWER) {
                answers++;
            } else {
                revisions++;
            }
        }
        if (examples.isEmpty()) {
            throw new IllegalStateException("the bootstrap has no training example (levels " + spec.levels()
                    + ", all longer than max-positions " + spec.maxPositions() + "?)");
        }
        return new Encoded(examples, answers, revisions, tooLong);
    }

    /** The phase's SFT ({@link ShuffledSft}), logged and reported to {@code progress}; returns the last step's loss. */
    private double sft(Policy policy, List<Sequence> examples, OptimizerParams optimizer, long shuffleSeed,
            String version, long start, Progress progress) {
        BootstrapSpec b = spec;
        int totalSteps = optimizer.totalSteps();
        long[] tokens = {0};
        try {
            return ShuffledSft.run(policy, examples, optimizer, b.batchSize(), b.microBatchSize(), shuffleSeed,
                    (step, st) -> {
                        tokens[0] += st.tokens();
                        if (step % Math.max(1, b.logEvery()) == 0 || step == totalSteps || step == 1) {
                            double seconds = (System.nanoTime() - start) / 1e9;
                            LOG.infof("bootstrap %s: step %d/%d loss %.4f lr %.2e (%.0f tokens/s)", version, step,
                                    totalSteps, st.loss(), st.lr(), seconds > 0 ? tokens[0] / seconds : 0);
                        }
                        progress.step(step, totalSteps);
                    }).loss();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("bootstrap " + version + " failed in SFT", e);
        }
    }

    /** Saves the base with its result, the phase's wall time filled in. */
    private static Result finish(Policy policy, Path target, long start, Result measured) throws IOException {
        long millis = (System.nanoTime() - start) / 1_000_000;
        Result result = new Result(measured.version(), false, measured.seed(), measured.examples(),
                measured.answerExamples(), measured.revisionExamples(), measured.skippedTooLong(), measured.steps(),
                measured.finalLoss(), measured.devAccuracy(), measured.devProblems(), measured.parameters(), millis,
                measured.refinedFrom());
        save(policy, target, result);
        LOG.infof("bootstrap %s saved: final loss %.4f, dev accuracy %.3f of %d, %d ms", result.version(),
                result.finalLoss(), result.devAccuracy(), result.devProblems(), millis);
        return result;
    }

    /** {correct, total}: greedy answers to the dev split's first problems of each of {@code levels}, final answer compared. */
    private int[] devAccuracy(Policy policy, long seed, List<Integer> levels) {
        BootstrapSpec b = spec;
        if (b.devProblemsPerLevel() <= 0) {
            return new int[] {0, 0};
        }
        List<MathProblem> problems = new ArrayList<>();
        for (int level : levels) {
            problems.addAll(ArithWorld.generate(ArithLevel.of(level), Split.DEV, b.devProblemsPerLevel(), seed + 7));
        }
        policy.requireTokenizer();
        Generator generator = policy.generator();
        int correct = 0;
        int batch = 16;
        for (int from = 0; from < problems.size(); from += batch) {
            List<MathProblem> chunk = problems.subList(from, Math.min(problems.size(), from + batch));
            List<GenerationRequest> requests = new ArrayList<>();
            for (MathProblem p : chunk) {
                requests.add(new GenerationRequest(policy.encodePrompt(answerPrompt.render(p.question())),
                        SamplingParams.greedy(b.devMaxNewTokens())));
            }
            List<Completion> answers = generator.generate(requests);
            for (int i = 0; i < chunk.size(); i++) {
                if (isCorrect(answers.get(i).text(), chunk.get(i).finalAnswer())) {
                    correct++;
                }
            }
        }
        return new int[] {correct, problems.size()};
    }

    /** {correct, total}: greedy descriptions of the facts world's dev-split entities, CORRECT by the facts verifier. */
    private int[] factsDevAccuracy(Policy policy) {
        if (spec.devProblemsPerLevel() <= 0) {
            return new int[] {0, 0};
        }
        List<FactsWorld.Entity> entities = FactsWorld.BUILT_IN.entities(Split.DEV);
        entities = entities.subList(0, Math.min(entities.size(), spec.devProblemsPerLevel()));
        FactsVerifier verifier = new FactsVerifier(io.rlrf.tasks.verify.VerifierParams.DEFAULTS);
        policy.requireTokenizer();
        List<GenerationRequest> requests = new ArrayList<>();
        for (FactsWorld.Entity e : entities) {
            requests.add(new GenerationRequest(policy.encodePrompt(answerPrompt.render(e.question())),
                    SamplingParams.greedy(spec.devMaxNewTokens())));
        }
        List<Completion> answers = requests.isEmpty() ? List.of() : policy.generator().generate(requests);
        int correct = 0;
        for (int i = 0; i < entities.size(); i++) {
            if (verifier.verify(answers.get(i).text(), entities.get(i).description()).outcome()
                    == io.rlrf.tasks.verify.Verdict.Outcome.CORRECT) {
                correct++;
            }
        }
        return new int[] {correct, entities.size()};
    }

    static boolean isCorrect(String answer, String reference) {
        var got = FinalAnswer.extract(answer);
        var want = FinalAnswer.parseNumber(reference);
        return got.isPresent() && want.isPresent() && FinalAnswer.sameNumber(got.get().number(), want.get());
    }

    /** Publishes the weights and {@value #INFO_FILE} together: the store never shows half a base. */
    private static void save(Policy policy, Path target, Result result) throws IOException {
        policy.save(target, Map.of("bootstrap_version", result.version(), "seed", Long.toString(result.seed())),
                Map.of(INFO_FILE, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result)));
    }
}
