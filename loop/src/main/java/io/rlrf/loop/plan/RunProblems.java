package io.rlrf.loop.plan;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

import io.rlrf.api.reward.v1.ListRubricsResponse;
import io.rlrf.api.reward.v1.Rubric;
import io.rlrf.api.reward.v1.TaskInfo;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.common.error.Echo;
import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.Check;
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
 * <li>{@code open}: open-ended prompts judged by reward-svc's model judge (aspect selection, 1-3
 * ratings, critiques); both sides come from JSON Lines files ({@code data.train_file} and
 * {@code eval_file}, {@link PromptFile#readOpen}), where a reference answer is optional. It needs a
 * {@code base_checkpoint} (the built-in base is a character-level model of the arith world) and a
 * reward-svc with a model judge ({@link #checkJudge}).</li>
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

    /** The task of open-ended prompts, judged by reward-svc's model judge. */
    public static final String OPEN = "open";

    /** Tasks this build can run. */
    public static final List<String> KNOWN = List.of("arith", "gsm8k", "svamp", VerifierJudges.FACTS_TASK, OPEN);

    /** The tasks judged by the math verifier (GSM8K-format references). */
    public static final List<String> VERIFIED = List.of("arith", "gsm8k", "svamp");

    private static final Map<String, List<MathProblem>> LOADED = new ConcurrentHashMap<>();

    private RunProblems() {
    }

    /**
     * The task-specific checks of a resolved config (after {@link RunConfigValidation}), prompt-set
     * files read whole within {@code limits} (their bytes and prompts).
     */
    public static void validate(RunConfig config, RunLimits limits) {
        if (!KNOWN.contains(config.getTask())) {
            throw ServiceException.invalidArgument("config.task", "is unknown: " + Echo.of(config.getTask()) + "; known tasks: " + KNOWN);
        }
        split("config.data.train_split", config.getData().getTrainSplit());
        split("config.data.eval_split", config.getData().getEvalSplit());
        if (config.getTask().equals(OPEN)) {
            validateOpen(config, limits);
            return;
        }
        if (config.getTask().equals(VerifierJudges.FACTS_TASK)) {
            facts(config);
            return;
        }
        promptFileWithinLimits("config.data.train_file", config.getData().getTrainFile(), Split.TRAIN, config.getTask(), limits);
        promptFileWithinLimits("config.data.eval_file", config.getData().getEvalFile(), Split.TEST, config.getTask(), limits);
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

    /**
     * Task open: both prompt files, a base checkpoint (the built-in base only knows the arith world),
     * and in MODE_SFT a reference for every training prompt (SFT trains on them).
     */
    private static void validateOpen(RunConfig config, RunLimits limits) {
        var d = config.getData();
        for (String[] side : new String[][] { { "config.data.train_file", d.getTrainFile() },
                { "config.data.eval_file", d.getEvalFile() } }) {
            if (side[1].isEmpty()) {
                throw ServiceException.invalidArgument(side[0], "is required for task open: its prompts come from a "
                        + "JSON Lines file (one {\"prompt\": ...} per line, \"answer\" optional)");
            }
        }
        if (config.getBaseCheckpoint().isEmpty()) {
            throw ServiceException.invalidArgument("config.base_checkpoint", "is required for task open: the built-in "
                    + "base is a character-level model of the arith world and cannot answer open-ended prompts; "
                    + "name a checkpoint in the model store");
        }
        List<MathProblem> train = promptFileWithinLimits("config.data.train_file", d.getTrainFile(), Split.TRAIN, OPEN, limits);
        promptFileWithinLimits("config.data.eval_file", d.getEvalFile(), Split.TEST, OPEN, limits);
        if (config.getMode() == Mode.MODE_SFT) {
            for (MathProblem p : train) {
                if (p.solution().isEmpty()) {
                    throw ServiceException.invalidArgument("config.data.train_file", "prompt " + Echo.of(p.id())
                            + " has no \"answer\": MODE_SFT trains on the reference answers");
                }
            }
        }
    }

    /**
     * Whether the reward peer can judge the run (its ListRubrics answer): it knows the task, the
     * judge the run names, and, without one, has a default judge for the task (task open has one
     * only when reward-svc has a model judge configured). FAILED_PRECONDITION saying what to set.
     */
    public static void checkJudge(RunConfig config, ListRubricsResponse rubrics) {
        String task = config.getTask();
        TaskInfo info = rubrics.getTasksList().stream().filter(t -> t.getName().equals(task)).findFirst()
                .orElseThrow(() -> ServiceException.failedPrecondition("reward-svc does not know task " + task
                        + "; its tasks: " + rubrics.getTasksList().stream().map(TaskInfo::getName).toList()));
        if (!config.getJudge().isEmpty()) {
            if (rubrics.getRubricsList().stream().noneMatch(r -> r.getJudgeId().equals(config.getJudge()))) {
                throw ServiceException.failedPrecondition("config.judge " + Echo.of(config.getJudge())
                        + " is not configured on reward-svc; its judges: "
                        + rubrics.getRubricsList().stream().map(Rubric::getJudgeId).toList());
            }
            return;
        }
        if (info.getDefaultJudge().isEmpty()) {
            throw ServiceException.failedPrecondition("task " + task + " is judged by reward-svc's model judge, and it "
                    + "has none configured: start reward-svc with rlrf.reward.model-judge.backend=openai (and "
                    + "rlrf.reward.model-judge.openai.url and .model) or =local (and rlrf.reward.model-judge.local.checkpoint)");
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

    /**
     * A prompt-set file read as its run will read it, within the limits on its size (checked before it
     * is read) and its prompts: RESOURCE_EXHAUSTED naming the field, the limit and the setting.
     */
    private static List<MathProblem> promptFileWithinLimits(String field, String file, Split split, String task,
            RunLimits limits) {
        if (file.isEmpty()) {
            return List.of();
        }
        RunLimits.fileSizeWithinLimit(field, path(field, file), limits.limit("max-prompt-file-bytes",
                limits.maxPromptFileBytes()));
        List<MathProblem> prompts = promptFile(field, file, split, task);
        Check.withinLimit(field + " (lines)", prompts.size(),
                limits.limit("max-prompt-file-lines", limits.maxPromptFileLines()));
        return prompts;
    }

    private static Path path(String field, String file) {
        try {
            return Path.of(file);
        } catch (InvalidPathException e) { // its message repeats the raw value
            throw ServiceException.invalidArgument(field, Echo.of(file) + " is not a valid path");
        }
    }

    /**
     * The prompts of a prompt-set file ({@code field}), or a refusal naming the field, the file and the
     * line; task open's references are optional free text, the others' GSM8K-format answers.
     */
    private static List<MathProblem> promptFile(String field, String file, Split split, String task) {
        if (file.isEmpty()) {
            return List.of();
        }
        Path path = path(field, file);
        try {
            return task.equals(OPEN) ? PromptFile.readOpen(path, split) : PromptFile.read(path, split);
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
            return drawFromDataset(promptFile("config.data.train_file", d.trainFile(), Split.TRAIN, d.task()), d.trainPrompts(),
                    Seeds.mix(plan.seed(), iteration, 11));
        }
        return draw(d, split("config.data.train_split", d.trainSplit()), d.trainPrompts(),
                Seeds.mix(plan.seed(), iteration, 11));
    }

    /** Held-out prompts: the same for every iteration, so accuracies compare. */
    public static List<Problem> eval(RunPlan plan) {
        RunPlan.DataPlan d = plan.data();
        if (!d.evalFile().isEmpty()) {
            return drawFromDataset(promptFile("config.data.eval_file", d.evalFile(), Split.TEST, d.task()), d.evalPrompts(),
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
