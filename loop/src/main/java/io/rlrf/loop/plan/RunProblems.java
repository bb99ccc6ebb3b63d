package io.rlrf.loop.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.common.error.Echo;
import io.rlrf.common.error.ServiceException;
import io.rlrf.loop.run.Records.Problem;
import io.rlrf.loop.run.Seeds;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.arith.ArithLevel;
import io.rlrf.tasks.arith.ArithWorld;

/** The prompts of a run, a function of its plan (task, splits, levels, seed) and the iteration. */
public final class RunProblems {

    /** Tasks this build can run. */
    public static final Set<String> KNOWN = Set.of("arith");

    private RunProblems() {
    }

    /** The task-specific checks of a resolved config (after {@link RunConfigValidation}). */
    public static void validate(RunConfig config) {
        if (!KNOWN.contains(config.getTask())) {
            throw ServiceException.invalidArgument("config.task", "is unknown: " + Echo.of(config.getTask()) + "; known tasks: " + KNOWN);
        }
        split("config.data.train_split", config.getData().getTrainSplit());
        split("config.data.eval_split", config.getData().getEvalSplit());
        for (int i = 0; i < config.getData().getDifficultyLevelsCount(); i++) {
            int level = config.getData().getDifficultyLevels(i);
            if (level > ArithLevel.MAX_LEVEL) {
                throw ServiceException.invalidArgument("config.data.difficulty_levels[" + i + "]",
                        "must be 1 to " + ArithLevel.MAX_LEVEL + " for task arith, got " + level);
            }
        }
    }

    static Split split(String field, String name) {
        try {
            return Split.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalidArgument(field, "is unknown: " + Echo.of(name) + "; known splits: train, dev, test");
        }
    }

    /** Training prompts of iteration t (a fresh draw per iteration). */
    public static List<Problem> train(RunPlan plan, int iteration) {
        RunPlan.DataPlan d = plan.data();
        return draw(d, split("config.data.train_split", d.trainSplit()), d.trainPrompts(),
                Seeds.mix(plan.seed(), iteration, 11));
    }

    /** Held-out prompts: the same for every iteration, so accuracies compare. */
    public static List<Problem> eval(RunPlan plan) {
        RunPlan.DataPlan d = plan.data();
        return draw(d, split("config.data.eval_split", d.evalSplit()), d.evalPrompts(), Seeds.mix(plan.seed(), 0, 13));
    }

    private static List<Problem> draw(RunPlan.DataPlan d, Split split, int count, long seed) {
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
}
