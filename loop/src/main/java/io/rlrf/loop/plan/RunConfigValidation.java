package io.rlrf.loop.plan;

import java.util.Arrays;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.Objective;
import io.rlrf.api.trainer.v1.ReflectionConfig;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.SamplingConfig;
import io.rlrf.api.trainer.v1.ScoreKind;
import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.Check;
import io.rlrf.common.validation.Limit;

/**
 * The one validator of run configurations, and of run ids. Field names in messages are those of the
 * request ({@code config.sampling.n}), so a caller knows what to change.
 */
public final class RunConfigValidation {

    private static final Pattern RUN_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,62}");

    private RunConfigValidation() {
    }

    /** The mode decides the defaults, so it is checked before they are filled in. */
    public static void validateMode(Mode mode) {
        if (mode == Mode.MODE_UNSPECIFIED || mode == Mode.UNRECOGNIZED) {
            String valid = Arrays.stream(Mode.values())
                    .filter(m -> m != Mode.MODE_UNSPECIFIED && m != Mode.UNRECOGNIZED)
                    .map(Mode::name).collect(Collectors.joining(", "));
            throw ServiceException.invalidArgument("config.mode",
                    (mode == Mode.UNRECOGNIZED ? "has an unknown value" : "is required") + "; valid modes: " + valid);
        }
    }

    /**
     * @param requested what the caller sent (to tell explicit choices from defaults)
     * @param resolved  the same with every default filled in
     */
    public static void validate(RunConfig requested, RunConfig resolved, RunLimits limits) {
        String prefix = limits.property();
        Mode mode = resolved.getMode();
        name("config.task", resolved.getTask());
        Check.atLeast("config.iterations", resolved.getIterations(), 1);
        Check.withinLimit("config.iterations", resolved.getIterations(),
                new Limit(prefix + "max-iterations", limits.maxIterations()));
        if (!resolved.getBaseCheckpoint().isEmpty()) {
            Check.relativePath("config.base_checkpoint", resolved.getBaseCheckpoint());
        }

        // Data: held-out evaluation must not see training prompts.
        var data = resolved.getData();
        Limit prompts = new Limit(prefix + "max-prompts", limits.maxPrompts());
        Check.atLeast("config.data.train_prompts", data.getTrainPrompts(), 1);
        Check.withinLimit("config.data.train_prompts", data.getTrainPrompts(), prompts);
        Check.atLeast("config.data.eval_prompts", data.getEvalPrompts(), 1);
        Check.withinLimit("config.data.eval_prompts", data.getEvalPrompts(), prompts);
        name("config.data.train_split", data.getTrainSplit());
        name("config.data.eval_split", data.getEvalSplit());
        if (data.getTrainSplit().equals(data.getEvalSplit())) {
            throw ServiceException.invalidArgument("config.data.eval_split",
                    "must differ from config.data.train_split ('" + data.getTrainSplit()
                            + "'): evaluation is on held-out prompts");
        }
        for (int i = 0; i < data.getDifficultyLevelsCount(); i++) {
            Check.atLeast("config.data.difficulty_levels[" + i + "]", data.getDifficultyLevels(i), 1);
        }

        // Step 1: sampling.
        SamplingConfig sampling = resolved.getSampling();
        Limit maxNewTokens = new Limit(prefix + "max-new-tokens", limits.maxNewTokens());
        Check.atLeast("config.sampling.n", sampling.getN(), mode == Mode.MODE_REWARD_ONLY ? 2 : 1);
        Check.withinLimit("config.sampling.n", sampling.getN(), new Limit(prefix + "max-n", limits.maxN()));
        Check.nonNegative("config.sampling.temperature", sampling.getTemperature());
        Check.inHalfOpenRange("config.sampling.top_p", sampling.getTopP(), 0.0, 1.0);
        Check.atLeast("config.sampling.top_k", sampling.getTopK(), 0);
        Check.atLeast("config.sampling.max_new_tokens", sampling.getMaxNewTokens(), 1);
        Check.withinLimit("config.sampling.max_new_tokens", sampling.getMaxNewTokens(), maxNewTokens);

        // Steps 3-5: reflection, which only MODE_RLRF has.
        ReflectionConfig reflection = resolved.getReflection();
        if (mode != Mode.MODE_RLRF && requested.getReflection().hasEnabled() && requested.getReflection().getEnabled()) {
            throw ServiceException.invalidArgument("config.reflection.enabled",
                    "cannot be true in " + mode.name() + "; only MODE_RLRF reflects");
        }
        if (reflection.getEnabled()) {
            Check.atLeast("config.reflection.k", reflection.getK(), 1);
            if (reflection.getK() > sampling.getN()) {
                throw ServiceException.invalidArgument("config.reflection.k",
                        "must be at most config.sampling.n (" + sampling.getN() + "), got " + reflection.getK());
            }
            Check.atLeast("config.reflection.m", reflection.getM(), reflection.getK());
            Check.withinLimit("config.reflection.m", reflection.getM(), new Limit(prefix + "max-m", limits.maxM()));
            if (reflection.getM() % reflection.getK() != 0) {
                throw ServiceException.invalidArgument("config.reflection.m",
                        "must be a multiple of config.reflection.k (" + reflection.getK() + "), got " + reflection.getM());
            }
            Check.nonNegative("config.reflection.temperature", reflection.getTemperature());
            Check.inHalfOpenRange("config.reflection.top_p", reflection.getTopP(), 0.0, 1.0);
            Check.atLeast("config.reflection.max_new_tokens", reflection.getMaxNewTokens(), 1);
            Check.withinLimit("config.reflection.max_new_tokens", reflection.getMaxNewTokens(), maxNewTokens);
        }

        // Step 6: pairing.
        var pairing = resolved.getPairing();
        Check.inClosedRange("config.pairing.delta", pairing.getDelta(), 0.0, 1.0);
        if (pairing.getScore() == ScoreKind.UNRECOGNIZED) {
            throw ServiceException.invalidArgument("config.pairing.score",
                    "has an unknown value; valid: SCORE_KIND_FINE_GRAINED, SCORE_KIND_SCALAR");
        }
        Check.atLeast("config.pairing.pairs_per_prompt", pairing.getPairsPerPrompt(), 1);

        // DPO update.
        DpoConfig dpo = resolved.getDpo();
        Check.positive("config.dpo.beta", dpo.getBeta());
        Check.positive("config.dpo.learning_rate", dpo.getLearningRate());
        Check.atLeast("config.dpo.epochs", dpo.getEpochs(), 1);
        Check.atLeast("config.dpo.batch_size", dpo.getBatchSize(), 1);
        Check.atLeast("config.dpo.grad_accumulation", dpo.getGradAccumulation(), 1);
        if (!(dpo.getWarmupRatio() >= 0.0 && dpo.getWarmupRatio() < 1.0)) {
            throw ServiceException.invalidArgument("config.dpo.warmup_ratio",
                    "must be in [0.0, 1.0), got " + dpo.getWarmupRatio());
        }
        Check.nonNegative("config.dpo.max_grad_norm", dpo.getMaxGradNorm());
        Check.nonNegative("config.dpo.weight_decay", dpo.getWeightDecay());
        Check.nonNegative("config.dpo.nll_weight", dpo.getNllWeight());
        if (dpo.getObjective() == Objective.UNRECOGNIZED) {
            throw ServiceException.invalidArgument("config.dpo.objective", "is unknown; valid objectives: "
                    + "OBJECTIVE_WHOLE_ANSWER, OBJECTIVE_FIRST_DIVERGENCE_STEP, OBJECTIVE_FIRST_DIVERGENCE_ANSWER");
        }
        Check.nonNegative("config.dpo.reflection_weight", dpo.getReflectionWeight());

        // Supervised stages and evaluation.
        var sft = resolved.getSft();
        Check.positive("config.sft.learning_rate", sft.getLearningRate());
        Check.atLeast("config.sft.epochs", sft.getEpochs(), 1);
        Check.atLeast("config.sft.batch_size", sft.getBatchSize(), 1);
        var eval = resolved.getEval();
        Check.nonNegative("config.eval.temperature", eval.getTemperature());
        Check.atLeast("config.eval.max_new_tokens", eval.getMaxNewTokens(), 1);
        Check.withinLimit("config.eval.max_new_tokens", eval.getMaxNewTokens(), maxNewTokens);

        Check.withinLimit("config.labels (count)", resolved.getLabelsCount(),
                new Limit(prefix + "max-labels", limits.maxLabels()));
        for (Map.Entry<String, String> label : resolved.getLabelsMap().entrySet()) {
            Check.notBlank("config.labels key", label.getKey());
        }
    }

    /** A run id given by a caller: required where {@code required}, and always well-formed. */
    public static void runId(String field, String runId, boolean required) {
        if (runId.isEmpty() && !required) {
            return;
        }
        Check.notBlank(field, runId);
        if (!RUN_ID.matcher(runId).matches()) {
            throw ServiceException.invalidArgument(field,
                    "must be lower-case letters, digits and '-', 1 to 63 characters, starting with a letter or digit; got '"
                            + runId + "'");
        }
    }

    private static void name(String field, String value) {
        Check.notBlank(field, value);
        if (!NAME.matcher(value).matches()) {
            throw ServiceException.invalidArgument(field,
                    "must be lower-case letters, digits, '_', '.' and '-', got '" + value + "'");
        }
    }
}
