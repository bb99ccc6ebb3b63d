package io.rlrf.loop.plan;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.common.error.Echo;
import io.rlrf.common.error.ServiceException;
import io.rlrf.loop.run.Records.Problem;
import io.rlrf.loop.run.Seeds;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.arith.ArithLevel;
import io.rlrf.tasks.arith.ArithWorld;
import io.rlrf.tasks.datasets.DatasetsRoot;
import io.rlrf.tasks.datasets.Gsm8k;
import io.rlrf.tasks.datasets.PromptFile;
import io.rlrf.tasks.datasets.Svamp;
import io.rlrf.tasks.facts.FactsWorld;
import io.rlrf.tasks.verify.VerifierJudges;

/**
 * The prompts of a run, a function of its plan (task, splits, levels, seed) and the iteration.
 * <ul>
 * <li>{@code arith}: the built-in world, generated per split and difficulty level.</li>
 * <li>{@code gsm8k}: GSM8K; trains on its train split (found under the datasets root, {@link DatasetsRoot}),
 * evaluates on its test split (shipped with RLRF).</li>
 * <li>{@code svamp}: trains on GSM8K's train split, evaluates on SVAMP (shipped), as the paper's
 * math evaluation does.</li>
 * <li>{@code facts}: the built-in factuality world ({@link FactsWorld#BUILT_IN}): "Tell me about
 * &lt;name&gt;." about the entities of the split (split by entity: the held-out prompts ask about
 * entities no training prompt asks about), drawn by a seeded shuffle, at most one prompt per
 * entity; difficulty levels and prompt-set files do not apply.</li>
 * </ul>
 * A dataset task draws its prompts by a seeded shuffle of the split; difficulty levels do not apply.
 * {@code data.train_file} / {@code eval_file} replace a side's prompts by a JSON Lines prompt set
 * ({@link PromptFile}), drawn the same way; the task still names the judge.
 */
public final class RunProblems {

    /** Tasks this build can run. */
    public static final List<String> KNOWN = List.of("arith", "gsm8k", "svamp", VerifierJudges.FACTS_TASK);

    private static final Map<String, List<MathProblem>> LOADED = new ConcurrentHashMap<>();

    private RunProblems() {
    }

    /** The task-specific checks of a resolved config (after {@link RunConfigValidation}). */
    public static void validate(RunConfig config) {
        if (!KNOWN.contains(config.getTask())) {
            throw ServiceException.invalidArgument("config.task", "is unknown: " + Echo.of(config.getTask()) + "; known tasks: " + KNOWN);
        }
        split("config.data.train_split", config.getData().getTrainSplit());
        split("config.data.eval_split", config.getData().getEvalSplit());
        if (config.getTask().equals(VerifierJudges.FACTS_TASK)) {
            facts(config);
            return;
        }
        promptFile("config.data.train_file", config.getData().getTrainFile(), Split.TRAIN);
        promptFile("config.data.eval_file", config.getData().getEvalFile(), Split.TEST);
        if (!config.getTask().equals("arith")) {
            datasetSplits(config);
            return;
        }
        for (int i = 0; i < config.getData().getDifficultyLevelsCount(); i++) {
            int level = config.getData().getDifficultyLevels(i);
            if (level > ArithLevel.MAX_LEVEL) {
                throw ServiceException.invalidArgument("config.data.difficulty_levels[" + i + "]",
                        "must be 1 to " + ArithLevel.MAX_LEVEL + " for task arith, got " + level);
            }
        }
    }

    /** The facts world's checks: no prompt files, not the math verifier (difficulty levels are ignored). */
    private static void facts(RunConfig config) {
        var data = config.getData();
        if (!data.getTrainFile().isEmpty() || !data.getEvalFile().isEmpty()) {
            throw ServiceException.invalidArgument(data.getTrainFile().isEmpty() ? "config.data.eval_file" : "config.data.train_file",
                    "does not apply to task facts (its prompts are the built-in world's entities); leave it empty");
        }
        if (VerifierJudges.IDS.contains(config.getJudge())) { // the math verifier cannot read an entity's record
            throw ServiceException.invalidArgument("config.judge", Echo.of(config.getJudge()) + " cannot judge task facts; use "
                    + String.join(" or ", VerifierJudges.FACTS_IDS) + " (or leave it empty)");
        }
    }

    static Split split(String field, String name) {
        try {
            return Split.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalidArgument(field, "is unknown: " + Echo.of(name) + "; known splits: train, dev, test");
        }
    }

    /** The prompts of a prompt-set file ({@code field}), or a refusal naming the field, the file and the line. */
    private static List<MathProblem> promptFile(String field, String file, Split split) {
        if (file.isEmpty()) {
            return List.of();
        }
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) { // its message repeats the raw value
            throw ServiceException.invalidArgument(field, Echo.of(file) + " is not a valid path");
        }
        try {
            return PromptFile.read(path, split);
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalidArgument(field, Echo.of(file) + " " + e.getMessage());
        }
    }

    /**
     * A dataset task trains on a train split (found under the datasets root now, or refused) and
     * evaluates on a test split; a side drawn from a prompt-set file needs neither.
     */
    private static void datasetSplits(RunConfig config) {
        String train = config.getData().getTrainSplit();
        String eval = config.getData().getEvalSplit();
        if (config.getData().getEvalFile().isEmpty() && split("config.data.eval_split", eval) != Split.TEST) {
            throw ServiceException.invalidArgument("config.data.eval_split", "must be test for a dataset task, got " + Echo.of(eval));
        }
        if (!config.getData().getTrainFile().isEmpty()) {
            return;
        }
        if (split("config.data.train_split", train) != Split.TRAIN) {
            throw ServiceException.invalidArgument("config.data.train_split", "must be train for a dataset task, got " + Echo.of(train));
        }
        try {
            dataset(config.getTask(), Split.TRAIN);
        } catch (IllegalArgumentException e) {
            throw ServiceException.failedPrecondition("config.task " + config.getTask() + ": " + e.getMessage());
        }
    }

    /** A dataset task's problems of {@code split}, read once per process. */
    static List<MathProblem> dataset(String task, Split split) {
        Path root = DatasetsRoot.resolve();
        String key = root + "|" + task + "|" + split;
        List<MathProblem> cached = LOADED.get(key);
        if (cached != null) {
            return cached;
        }
        List<MathProblem> problems = split == Split.TRAIN || task.equals("gsm8k") ? Gsm8k.load(root, split) : Svamp.load(root);
        LOADED.put(key, List.copyOf(problems));
        return LOADED.get(key);
    }

    /** Training prompts of iteration t (a fresh draw per iteration). */
    public static List<Problem> train(RunPlan plan, int iteration) {
        RunPlan.DataPlan d = plan.data();
        if (!d.trainFile().isEmpty()) {
            return drawFromDataset(promptFile("config.data.train_file", d.trainFile(), Split.TRAIN), d.trainPrompts(),
                    Seeds.mix(plan.seed(), iteration, 11));
        }
        return draw(d, split("config.data.train_split", d.trainSplit()), d.trainPrompts(),
                Seeds.mix(plan.seed(), iteration, 11));
    }

    /** Held-out prompts: the same for every iteration, so accuracies compare. */
    public static List<Problem> eval(RunPlan plan) {
        RunPlan.DataPlan d = plan.data();
        if (!d.evalFile().isEmpty()) {
            return drawFromDataset(promptFile("config.data.eval_file", d.evalFile(), Split.TEST), d.evalPrompts(),
                    Seeds.mix(plan.seed(), 0, 13));
        }
        return draw(d, split("config.data.eval_split", d.evalSplit()), d.evalPrompts(), Seeds.mix(plan.seed(), 0, 13));
    }

    private static List<Problem> draw(RunPlan.DataPlan d, Split split, int count, long seed) {
        if (d.task().equals(VerifierJudges.FACTS_TASK)) {
            List<MathProblem> entities = FactsWorld.BUILT_IN.entities(split).stream()
                    .map(e -> new MathProblem(e.id(), VerifierJudges.FACTS_TASK, split, e.question(), e.description(), "", 0))
                    .toList();
            return drawFromDataset(entities, count, seed);
        }
        if (!d.task().equals("arith")) {
            return drawFromDataset(dataset(d.task(), split), count, seed);
        }
        List<Integer> levels = d.levels().isEmpty() ? List.of(1, 2, 3, 4) : d.levels();
        List<Problem> out = new ArrayList<>(count);
        for (int li = 0; li < levels.size(); li++) {
            int share = count / levels.size() + (li < count % levels.size() ? 1 : 0);
            if (share == 0) {
                continue;
            }
            for (MathProblem p : ArithWorld.generate(ArithLevel.of(levels.get(li)), split, share, seed + li)) {
                out.add(new Problem(out.size(), p.id(), p.question(), p.solution(), p.level()));
            }
        }
        return out;
    }

    /** {@code count} problems of {@code all} by a seeded shuffle (Fisher-Yates over the indices). */
    private static List<Problem> drawFromDataset(List<MathProblem> all, int count, long seed) {
        int[] order = java.util.stream.IntStream.range(0, all.size()).toArray();
        SplittableRandom rng = new SplittableRandom(seed);
        int n = Math.min(count, all.size());
        for (int i = 0; i < n; i++) {
            int j = i + rng.nextInt(order.length - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<Problem> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            MathProblem p = all.get(order[i]);
            out.add(new Problem(i, p.id(), p.question(), p.solution(), p.level()));
        }
        return out;
    }
}
