package io.rlrf.loop.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.Objective;
import io.rlrf.api.trainer.v1.PairingConfig;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.ScoreKind;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.model.generate.SamplingParams;
import io.rlrf.model.lora.LoraConfig;
import io.rlrf.model.train.DpoParams;
import io.rlrf.model.train.OptimizerParams;
import io.rlrf.model.train.PreferenceLoss;

/**
 * A resolved RunConfig mapped once into what the stages use: model-library records (sampling
 * parameters, DPO parameters, optimiser schedules) and the pairing rule. Nothing downstream reads the
 * proto config.
 *
 * @param config     the resolved config it came from (kept for the run's record)
 * @param judge      reward-svc's judge id for every answer; empty: the task's default
 * @param sampling   step 1's parameters (seed set per batch)
 * @param cap        each prompt's answer length cap in steps 1 and 4 and in evaluation
 * @param reflection steps 3-5
 * @param pairing    step 6
 * @param eval       held-out evaluation's parameters (seed fixed per run)
 * @param lora       the adapters the updates train, or empty for full fine-tuning
 */
public record RunPlan(RunConfig config, Mode mode, long seed, int iterations, String baseCheckpoint, DataPlan data,
        String judge, int n, SamplingParams sampling, AnswerCap cap, ReflectionPlan reflection, PairingRule pairing, DpoPlan dpo,
        SftPlan sft, SamplingParams eval, Optional<LoraConfig> lora) {

    /**
     * Each prompt's answer length cap: {@code ceil(factor x reference characters)} new tokens, within
     * the stage's own max_new_tokens; factor 0 (or no reference) leaves the stage's cap.
     */
    public record AnswerCap(double factor) {
        public int tokens(String reference, int stageMax) {
            if (factor <= 0 || reference.isEmpty()) {
                return stageMax;
            }
            return (int) Math.min(stageMax, Math.max(1, Math.ceil(factor * reference.length())));
        }
    }

    /**
     * Which prompts: the task, the splits, the levels, how many per iteration; MODE_DPO_OFFLINE's
     * preference file (empty in the other modes).
     */
    public record DataPlan(String task, int trainPrompts, int evalPrompts, String trainSplit, String evalSplit,
            List<Integer> levels, String pairsFile, String trainFile, String evalFile) {
    }

    /**
     * Steps 3-5: the top k answers per prompt (of distinct texts, if so set) get m / k rewrites each;
     * with {@code unsolvedOnly}, only prompts no initial answer solved at the top score.
     */
    public record ReflectionPlan(boolean enabled, int k, int m, SamplingParams sampling, boolean distinctSources,
            boolean unsolvedOnly) {
        public int perAnswer() {
            return m / k;
        }
    }

    /**
     * Step 6: chosen = p-th best, rejected = p-th worst (of the samples only, if so set), gap at least
     * delta, chosen scoring at least {@code minChosenScore}; {@code truncated} says whether an answer
     * cut at its token cap is paired, and how it is trained (never {@code TRUNCATION_UNSPECIFIED}).
     */
    public record PairingRule(double delta, int pairsPerPrompt, ScoreKind score, boolean rejectedFromSamples,
            Truncation truncated, double minChosenScore) {

        /** The rule with no least chosen score (0). */
        public PairingRule(double delta, int pairsPerPrompt, ScoreKind score, boolean rejectedFromSamples,
                Truncation truncated) {
            this(delta, pairsPerPrompt, score, rejectedFromSamples, truncated, 0.0);
        }

        public PairingRule {
            if (truncated == Truncation.TRUNCATION_UNSPECIFIED || truncated == Truncation.UNRECOGNIZED) {
                throw new IllegalArgumentException("pairing.truncated must be TRUNCATION_DROP or TRUNCATION_UNFINISHED, not "
                        + truncated);
            }
        }

        /**
         * Maps the config; an unset {@code truncated} (a run config from before the field) is UNFINISHED:
         * such runs paired truncated answers.
         */
        static PairingRule of(PairingConfig p) {
            Truncation truncated = p.getTruncated() == Truncation.TRUNCATION_UNSPECIFIED
                    ? Truncation.TRUNCATION_UNFINISHED : p.getTruncated();
            return new PairingRule(p.getDelta(), p.getPairsPerPrompt(), p.getScore(), p.getRejectedFromSamples(), truncated,
                    p.getMinChosenScore());
        }
    }

    /** How an update is scheduled: peak rate with warm-up then cosine decay, epochs, batches, clipping. */
    public record TrainSchedule(double learningRate, int epochs, int batchSize, int gradAccumulation,
            double warmupRatio, double maxGradNorm, double weightDecay) {

        /** Examples per optimiser step. */
        public int perStep() {
            return batchSize * gradAccumulation;
        }

        /** Optimiser steps for {@code examples} examples over every epoch (at least 1). */
        public int totalSteps(int examples) {
            int stepsPerEpoch = (examples + perStep() - 1) / perStep();
            return Math.max(1, stepsPerEpoch * epochs);
        }

        public OptimizerParams optimizer(int totalSteps) {
            return OptimizerParams.of(learningRate, (int) (warmupRatio * totalSteps), totalSteps)
                    .withWeightDecay(weightDecay).withMaxGradNorm(maxGradNorm);
        }
    }

    /**
     * The DPO update: the objective's parameters and its schedule.
     *
     * @param beta             KL strength
     * @param nllWeight        weight of the NLL term on the chosen answers
     * @param loss             where the contrast sits
     * @param reflectionWeight weight of the NLL term on accepted rewrites under their reflection prompts
     */
    public record DpoPlan(double beta, double nllWeight, PreferenceLoss.Kind loss, PreferenceLoss.Extent extent,
            double reflectionWeight, TrainSchedule schedule) {

        /** The model library's parameters, the step end being the tokenizer's newline ({@code stepEndTokens}). */
        public DpoParams params(Set<Integer> stepEndTokens) {
            return new DpoParams(beta, nllWeight, PreferenceLoss.of(loss, stepEndTokens, extent), reflectionWeight);
        }

        /** Maps the config; an unset objective (a run config from before the field) is the paper's whole answer. */
        static DpoPlan of(DpoConfig dpo) {
            boolean localised = dpo.getObjective() == Objective.OBJECTIVE_FIRST_DIVERGENCE_STEP
                    || dpo.getObjective() == Objective.OBJECTIVE_FIRST_DIVERGENCE_ANSWER;
            PreferenceLoss.Kind kind = localised ? PreferenceLoss.Kind.FIRST_DIVERGENCE : PreferenceLoss.Kind.WHOLE_ANSWER;
            PreferenceLoss.Extent extent = dpo.getObjective() == Objective.OBJECTIVE_FIRST_DIVERGENCE_ANSWER
                    ? PreferenceLoss.Extent.ANSWER : PreferenceLoss.Extent.STEP;
            return new DpoPlan(dpo.getBeta(), dpo.getNllWeight(), kind, extent, dpo.getReflectionWeight(),
                    new TrainSchedule(dpo.getLearningRate(), dpo.getEpochs(), dpo.getBatchSize(), dpo.getGradAccumulation(),
                            dpo.getWarmupRatio(), dpo.getMaxGradNorm(), dpo.getWeightDecay()));
        }
    }

    /** MODE_SFT's update on the reference solutions. */
    public record SftPlan(double learningRate, int epochs, int batchSize) {
    }

    /** Maps a resolved (complete, validated) config; {@code stop} strings go with every generation. */
    public static RunPlan of(RunConfig c, List<String> stop) {
        var d = c.getData();
        var s = c.getSampling();
        var r = c.getReflection();
        var p = c.getPairing();
        var dpo = c.getDpo();
        var sft = c.getSft();
        var e = c.getEval();
        return new RunPlan(c, c.getMode(), c.getSeed(), c.getIterations(), c.getBaseCheckpoint(),
                new DataPlan(c.getTask(), d.getTrainPrompts(), d.getEvalPrompts(), d.getTrainSplit(), d.getEvalSplit(),
                        List.copyOf(d.getDifficultyLevelsList()), d.getPairsFile(), d.getTrainFile(), d.getEvalFile()),
                c.getJudge(), s.getN(), new SamplingParams(s.getTemperature(), s.getTopP(), s.getTopK(), s.getMaxNewTokens(), stop, 0,
                        false),
                new AnswerCap(s.getLengthFactor()),
                new ReflectionPlan(r.getEnabled(), r.getK(), r.getM(), new SamplingParams(r.getTemperature(), r.getTopP(),
                        0, r.getMaxNewTokens(), stop, 0, false), r.getDistinctSources(), r.getUnsolvedOnly()),
                PairingRule.of(p),
                DpoPlan.of(dpo),
                new SftPlan(sft.getLearningRate(), sft.getEpochs(), sft.getBatchSize()),
                new SamplingParams(e.getTemperature(), 1.0, 0, e.getMaxNewTokens(), stop, 0, false),
                lora(c.getLora()));
    }

    /** The adapters, when enabled; a run config from before the field has none (full fine-tuning). */
    static Optional<LoraConfig> lora(io.rlrf.api.trainer.v1.LoraConfig l) {
        return l.getEnabled() ? Optional.of(new LoraConfig(l.getR(), l.getAlpha(), l.getDropout(), l.getTargetModulesList()))
                : Optional.empty();
    }

    /**
     * The stages of one iteration. Iteration 0 is the base: BOOTSTRAP when the config names no base
     * checkpoint, then its evaluation when {@code evaluateBase}.
     */
    public List<Stage> stages(int iteration, boolean evaluateBase) {
        if (iteration == 0) {
            List<Stage> base = new ArrayList<>();
            if (baseCheckpoint.isEmpty()) {
                base.add(Stage.STAGE_BOOTSTRAP);
            }
            if (evaluateBase) {
                base.add(Stage.STAGE_EVALUATE);
            }
            return base;
        }
        if (mode == Mode.MODE_SFT) {
            return List.of(Stage.STAGE_TRAIN, Stage.STAGE_PUBLISH, Stage.STAGE_EVALUATE);
        }
        if (mode == Mode.MODE_DPO_OFFLINE) {
            // PAIR reads the preference file instead of pairing candidates.
            return List.of(Stage.STAGE_PAIR, Stage.STAGE_TRAIN, Stage.STAGE_PUBLISH, Stage.STAGE_EVALUATE);
        }
        if (!reflection.enabled()) {
            return List.of(Stage.STAGE_SAMPLE, Stage.STAGE_JUDGE, Stage.STAGE_PAIR, Stage.STAGE_TRAIN,
                    Stage.STAGE_PUBLISH, Stage.STAGE_EVALUATE);
        }
        return List.of(Stage.STAGE_SAMPLE, Stage.STAGE_JUDGE, Stage.STAGE_SELECT, Stage.STAGE_REFLECT,
                Stage.STAGE_JUDGE_REFINEMENTS, Stage.STAGE_PAIR, Stage.STAGE_TRAIN, Stage.STAGE_PUBLISH,
                Stage.STAGE_EVALUATE);
    }
}
