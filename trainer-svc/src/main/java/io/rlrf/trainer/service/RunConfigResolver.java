package io.rlrf.trainer.service;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.Startup;

import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.EvalConfig;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.PairingConfig;
import io.rlrf.api.trainer.v1.ReflectionConfig;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.SamplingConfig;
import io.rlrf.api.trainer.v1.ScoreKind;
import io.rlrf.api.trainer.v1.SftConfig;
import io.rlrf.common.error.ServiceException;
import io.rlrf.trainer.config.TrainerConfig;
import io.rlrf.trainer.mapping.RunConfigValidation;

/**
 * Turns the RunConfig a caller sent into the complete one a run uses: every unset field takes its
 * configured default, and the mode fixes what it implies (MODE_REWARD_ONLY: no reflection, scalar
 * score). The result is validated; it is what GetRun will report and what makes a run reproducible.
 */
@ApplicationScoped
@Startup
public class RunConfigResolver {

    private final TrainerConfig config;

    public RunConfigResolver(TrainerConfig config) {
        this.config = config;
        // The configured defaults must make valid runs in every mode: fail at start-up, not per call.
        for (Mode mode : new Mode[] {Mode.MODE_RLRF, Mode.MODE_REWARD_ONLY, Mode.MODE_SFT}) {
            try {
                resolve(RunConfig.newBuilder().setMode(mode).build());
            } catch (ServiceException e) {
                throw new IllegalStateException("The configured run defaults (" + TrainerConfig.PREFIX
                        + ".defaults.*) do not make a valid " + mode.name() + " run: " + e.getMessage(), e);
            }
        }
    }

    /** @throws ServiceException INVALID_ARGUMENT or LIMIT_EXCEEDED naming the offending field */
    public RunConfig resolve(RunConfig requested) {
        RunConfigValidation.validateBeforeDefaults(requested);
        RunConfig resolved = fillDefaults(requested);
        RunConfigValidation.validate(requested, resolved, config.limits());
        return resolved;
    }

    private RunConfig fillDefaults(RunConfig in) {
        TrainerConfig.RunDefaults d = config.defaults();
        boolean rewardOnly = in.getMode() == Mode.MODE_REWARD_ONLY;
        boolean sft = in.getMode() == Mode.MODE_SFT;

        DataConfig data = in.getData();
        SamplingConfig sampling = in.getSampling();
        ReflectionConfig reflection = in.getReflection();
        PairingConfig pairing = in.getPairing();
        DpoConfig dpo = in.getDpo();
        SftConfig sftConfig = in.getSft();
        EvalConfig eval = in.getEval();

        ScoreKind defaultScore = rewardOnly ? ScoreKind.SCORE_KIND_SCALAR : ScoreKind.SCORE_KIND_FINE_GRAINED;
        return in.toBuilder()
                .setTask(in.getTask().isEmpty() ? d.task() : in.getTask())
                .setSeed(in.hasSeed() ? in.getSeed() : d.seed())
                .setIterations(in.hasIterations() ? in.getIterations() : d.iterations())
                .setData(data.toBuilder()
                        .setTrainPrompts(data.hasTrainPrompts() ? data.getTrainPrompts() : d.data().trainPrompts())
                        .setEvalPrompts(data.hasEvalPrompts() ? data.getEvalPrompts() : d.data().evalPrompts())
                        .setTrainSplit(data.getTrainSplit().isEmpty() ? d.data().trainSplit() : data.getTrainSplit())
                        .setEvalSplit(data.getEvalSplit().isEmpty() ? d.data().evalSplit() : data.getEvalSplit())
                        .addAllDifficultyLevels(data.getDifficultyLevelsCount() == 0 ? d.data().difficultyLevels()
                                : List.of()))
                .setSampling(sampling.toBuilder()
                        .setN(sampling.hasN() ? sampling.getN() : d.sampling().n())
                        .setTemperature(sampling.hasTemperature() ? sampling.getTemperature() : d.sampling().temperature())
                        .setTopP(sampling.hasTopP() ? sampling.getTopP() : d.sampling().topP())
                        .setTopK(sampling.hasTopK() ? sampling.getTopK() : d.sampling().topK())
                        .setMaxNewTokens(sampling.hasMaxNewTokens() ? sampling.getMaxNewTokens()
                                : d.sampling().maxNewTokens()))
                .setReflection(reflection.toBuilder()
                        // Only MODE_RLRF reflects; the validation rejects an explicit "true" elsewhere.
                        .setEnabled(reflection.hasEnabled() ? reflection.getEnabled() : !rewardOnly && !sft)
                        .setK(reflection.hasK() ? reflection.getK() : d.reflection().k())
                        .setM(reflection.hasM() ? reflection.getM() : d.reflection().m())
                        .setTemperature(reflection.hasTemperature() ? reflection.getTemperature()
                                : d.reflection().temperature())
                        .setTopP(reflection.hasTopP() ? reflection.getTopP() : d.reflection().topP())
                        .setMaxNewTokens(reflection.hasMaxNewTokens() ? reflection.getMaxNewTokens()
                                : d.reflection().maxNewTokens()))
                .setPairing(pairing.toBuilder()
                        .setDelta(pairing.hasDelta() ? pairing.getDelta() : d.pairing().delta())
                        .setScore(pairing.getScore() == ScoreKind.SCORE_KIND_UNSPECIFIED ? defaultScore
                                : pairing.getScore())
                        .setPairsPerPrompt(pairing.hasPairsPerPrompt() ? pairing.getPairsPerPrompt()
                                : d.pairing().pairsPerPrompt())
                        .setRejectedFromSamples(pairing.hasRejectedFromSamples() ? pairing.getRejectedFromSamples()
                                : d.pairing().rejectedFromSamples()))
                .setDpo(dpo.toBuilder()
                        .setBeta(dpo.hasBeta() ? dpo.getBeta() : d.dpo().beta())
                        .setLearningRate(dpo.hasLearningRate() ? dpo.getLearningRate() : d.dpo().learningRate())
                        .setEpochs(dpo.hasEpochs() ? dpo.getEpochs() : d.dpo().epochs())
                        .setBatchSize(dpo.hasBatchSize() ? dpo.getBatchSize() : d.dpo().batchSize())
                        .setGradAccumulation(dpo.hasGradAccumulation() ? dpo.getGradAccumulation()
                                : d.dpo().gradAccumulation())
                        .setWarmupRatio(dpo.hasWarmupRatio() ? dpo.getWarmupRatio() : d.dpo().warmupRatio())
                        .setMaxGradNorm(dpo.hasMaxGradNorm() ? dpo.getMaxGradNorm() : d.dpo().maxGradNorm())
                        .setWeightDecay(dpo.hasWeightDecay() ? dpo.getWeightDecay() : d.dpo().weightDecay())
                        .setNllWeight(dpo.hasNllWeight() ? dpo.getNllWeight() : d.dpo().nllWeight()))
                .setSft(sftConfig.toBuilder()
                        .setLearningRate(sftConfig.hasLearningRate() ? sftConfig.getLearningRate() : d.sft().learningRate())
                        .setEpochs(sftConfig.hasEpochs() ? sftConfig.getEpochs() : d.sft().epochs())
                        .setBatchSize(sftConfig.hasBatchSize() ? sftConfig.getBatchSize() : d.sft().batchSize()))
                .setEval(eval.toBuilder()
                        .setTemperature(eval.hasTemperature() ? eval.getTemperature() : d.eval().temperature())
                        .setMaxNewTokens(eval.hasMaxNewTokens() ? eval.getMaxNewTokens() : d.eval().maxNewTokens()))
                .build();
    }
}
