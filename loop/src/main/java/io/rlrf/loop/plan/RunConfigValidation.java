package io.rlrf.loop.plan;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.Objective;
import io.rlrf.api.trainer.v1.ReflectionConfig;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.SamplingConfig;
import io.rlrf.api.trainer.v1.ScoreKind;
import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.common.error.Echo;
import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.Check;
import io.rlrf.common.validation.Limit;
import io.rlrf.model.lora.LoraConfig;

/**
 * The one validator of run configurations, and of run ids. Field names in messages are those of the
 * request ({@code config.sampling.n}), so a caller knows what to change.
 */
public final class RunConfigValidation {

    private static final Pattern RUN_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,62}");
    /** The built-in world has four levels (tasks' ArithLevel); RunProblems checks each value. */
    private static final int MAX_DIFFICULTY_LEVELS = 4;
    /** Beyond 100x the reference, max_new_tokens is the cap anyway: a larger factor is a typo. */
    private static final double MAX_LENGTH_FACTOR = 100;

    private RunConfigValidation() {
    }

    /**
     * What must be checked before the defaults are filled in: the mode (it decides the defaults) and
     * the enums (an unknown number cannot be copied into the resolved config).
     */
    public static void validateBeforeDefaults(RunConfig requested) {
        validateMode(requested.getMode());
        if (requested.getPairing().getScore() == ScoreKind.UNRECOGNIZED) {
            throw ServiceException.invalidArgument("config.pairing.score", "has an unknown value ("
                    + requested.getPairing().getScoreValue() + "); valid: SCORE_KIND_FINE_GRAINED, SCORE_KIND_SCALAR");
        }
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
        if (!resolved.getJudge().isEmpty()) {
            name("config.judge", resolved.getJudge());
        }
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
                    "must differ from config.data.train_split (" + Echo.of(data.getTrainSplit())
                            + "): evaluation is on held-out prompts");
        }
        if (data.getDifficultyLevelsCount() > MAX_DIFFICULTY_LEVELS) {
            throw ServiceException.invalidArgument("config.data.difficulty_levels", "lists "
                    + data.getDifficultyLevelsCount() + " levels; there are at most " + MAX_DIFFICULTY_LEVELS);
        }
        for (int i = 0; i < data.getDifficultyLevelsCount(); i++) {
            Check.atLeast("config.data.difficulty_levels[" + i + "]", data.getDifficultyLevels(i), 1);
        }

        // MODE_DPO_OFFLINE trains on a preference file (its lines are checked when the run is started).
        if (mode == Mode.MODE_DPO_OFFLINE && data.getPairsFile().isEmpty()) {
            throw ServiceException.invalidArgument("config.data.pairs_file",
                    "is required in MODE_DPO_OFFLINE: the preference file (JSON Lines) to train on");
        }
        if (mode != Mode.MODE_DPO_OFFLINE && !data.getPairsFile().isEmpty()) {
            throw ServiceException.invalidArgument("config.data.pairs_file", "is only for MODE_DPO_OFFLINE, not " + mode.name());
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
        Check.inClosedRange("config.sampling.length_factor", sampling.getLengthFactor(), 0.0, MAX_LENGTH_FACTOR);

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
        Check.inClosedRange("config.pairing.min_chosen_score", pairing.getMinChosenScore(), 0.0, 1.0);
        // pairing.score: an unknown number is refused before the defaults (validateBeforeDefaults).
        Check.atLeast("config.pairing.pairs_per_prompt", pairing.getPairsPerPrompt(), 1);
        Check.withinLimit("config.pairing.pairs_per_prompt", pairing.getPairsPerPrompt(),
                new Limit(prefix + "max-pairs-per-prompt", limits.maxPairsPerPrompt()));
        if (pairing.getTruncated() == Truncation.TRUNCATION_UNSPECIFIED || pairing.getTruncated() == Truncation.UNRECOGNIZED) {
            throw ServiceException.invalidArgument("config.pairing.truncated", (pairing.getTruncated() == Truncation.UNRECOGNIZED
                    ? "has an unknown value (" + pairing.getTruncatedValue() + ")" : "must not be TRUNCATION_UNSPECIFIED")
                    + "; valid: TRUNCATION_DROP, TRUNCATION_UNFINISHED");
        }

        // DPO update.
        DpoConfig dpo = resolved.getDpo();
        Check.nonNegative("config.dpo.beta", dpo.getBeta());
        if (dpo.getBeta() == 0 && dpo.getNllWeight() == 0) {
            throw ServiceException.invalidArgument("config.dpo.beta",
                    "is 0, which turns the preference term off, and config.dpo.nll_weight is 0 too: nothing would train; "
                            + "set nll_weight > 0 (training on the chosen answers) or beta > 0");
        }
        Check.positive("config.dpo.learning_rate", dpo.getLearningRate());
        Limit epochs = new Limit(prefix + "max-epochs", limits.maxEpochs());
        Limit batchSize = new Limit(prefix + "max-batch-size", limits.maxBatchSize());
        Check.atLeast("config.dpo.epochs", dpo.getEpochs(), 1);
        Check.withinLimit("config.dpo.epochs", dpo.getEpochs(), epochs);
        Check.atLeast("config.dpo.batch_size", dpo.getBatchSize(), 1);
        Check.withinLimit("config.dpo.batch_size", dpo.getBatchSize(), batchSize);
        Check.atLeast("config.dpo.grad_accumulation", dpo.getGradAccumulation(), 1);
        Check.withinLimit("config.dpo.grad_accumulation", dpo.getGradAccumulation(),
                new Limit(prefix + "max-grad-accumulation", limits.maxGradAccumulation()));
        Check.productWithinLimit("config.dpo.batch_size x config.dpo.grad_accumulation",
                new Limit(prefix + "max-pairs-per-step", limits.maxPairsPerStep()), dpo.getBatchSize(), dpo.getGradAccumulation());
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

        // LoRA (checked whether enabled or not: a resolved config holds no invalid value).
        var lora = resolved.getLora();
        Check.atLeast("config.lora.r", lora.getR(), 1);
        Check.positive("config.lora.alpha", lora.getAlpha());
        if (!(lora.getDropout() >= 0.0 && lora.getDropout() < 1.0)) {
            throw ServiceException.invalidArgument("config.lora.dropout", "must be in [0.0, 1.0), got " + lora.getDropout());
        }
        if (lora.getTargetModulesCount() == 0) {
            throw ServiceException.invalidArgument("config.lora.target_modules", "must name at least one of "
                    + LoraConfig.MODULES);
        }
        Set<String> seen = new HashSet<>();
        for (String module : lora.getTargetModulesList()) {
            if (!LoraConfig.MODULES.contains(module)) {
                throw ServiceException.invalidArgument("config.lora.target_modules", "holds " + Echo.of(module) + "; each must be one of "
                        + LoraConfig.MODULES);
            }
            if (!seen.add(module)) {
                throw ServiceException.invalidArgument("config.lora.target_modules", "names " + module + " twice");
            }
        }

        // Supervised stages and evaluation.
        var sft = resolved.getSft();
        Check.positive("config.sft.learning_rate", sft.getLearningRate());
        Check.atLeast("config.sft.epochs", sft.getEpochs(), 1);
        Check.withinLimit("config.sft.epochs", sft.getEpochs(), epochs);
        Check.atLeast("config.sft.batch_size", sft.getBatchSize(), 1);
        Check.withinLimit("config.sft.batch_size", sft.getBatchSize(), batchSize);
        var eval = resolved.getEval();
        Check.nonNegative("config.eval.temperature", eval.getTemperature());
        Check.atLeast("config.eval.max_new_tokens", eval.getMaxNewTokens(), 1);
        Check.withinLimit("config.eval.max_new_tokens", eval.getMaxNewTokens(), maxNewTokens);

        // Products of counts: the work of one iteration, computed without overflow.
        long rewrites = reflection.getEnabled() ? reflection.getM() : 0;
        Check.productWithinLimit("config.data.train_prompts x (config.sampling.n + config.reflection.m)",
                new Limit(prefix + "max-answers-per-iteration", limits.maxAnswersPerIteration()),
                data.getTrainPrompts(), sampling.getN() + rewrites);
        Limit examples = new Limit(prefix + "max-training-examples", limits.maxTrainingExamples());
        if (mode == Mode.MODE_SFT) {
            Check.productWithinLimit("config.data.train_prompts x config.sft.epochs", examples,
                    data.getTrainPrompts(), sft.getEpochs());
        } else {
            Check.productWithinLimit("config.data.train_prompts x config.pairing.pairs_per_prompt x config.dpo.epochs",
                    examples, data.getTrainPrompts(), pairing.getPairsPerPrompt(), dpo.getEpochs());
        }

        Check.withinLimit("config.labels (count)", resolved.getLabelsCount(),
                new Limit(prefix + "max-labels", limits.maxLabels()));
        Limit labelChars = new Limit(prefix + "max-label-chars", limits.maxLabelChars());
        for (Map.Entry<String, String> label : resolved.getLabelsMap().entrySet()) {
            Check.notBlank("config.labels key", label.getKey());
            Check.withinLimit("config.labels key (characters)", label.getKey().length(), labelChars);
            Check.withinLimit("config.labels[" + Echo.of(label.getKey()) + "] (characters)", label.getValue().length(),
                    labelChars);
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
                    "must be lower-case letters, digits and '-', 1 to 63 characters, starting with a letter or digit; got "
                            + Echo.of(runId));
        }
    }

    private static void name(String field, String value) {
        Check.notBlank(field, value);
        if (!NAME.matcher(value).matches()) {
            throw ServiceException.invalidArgument(field,
                    "must be lower-case letters, digits, '_', '.' and '-', 1 to 63 characters, got " + Echo.of(value));
        }
    }
}
