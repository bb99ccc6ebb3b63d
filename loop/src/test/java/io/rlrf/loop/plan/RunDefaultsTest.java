package io.rlrf.loop.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.LoraConfig;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.PairingConfig;
import io.rlrf.api.trainer.v1.ReflectionConfig;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.SamplingConfig;
import io.rlrf.api.trainer.v1.ScoreKind;
import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.common.error.ServiceException;

/** Unset run parameters resolve to the method's defaults (method.md); explicit values are kept. */
public class RunDefaultsTest {

    /** trainer-svc's default limits (RunLimitsConfig). */
    public static final RunLimits LIMITS = new RunLimits("rlrf.trainer.limits.", 20, 32, 32, 100000, 512, 32, 100, 1024,
            256, 4096, 32, 6_400_000, 10_000_000, 256, 67_108_864, 1_000_000, 268_435_456, 1_000_000);

    private final RunDefaults resolver = RunDefaults.builtIn(LIMITS);

    @TempDir
    Path dir;

    @Test
    void emptyRlrfConfigResolvesToTheMethodDefaults() {
        RunConfig r = resolver.resolve(RunConfig.newBuilder().setMode(Mode.MODE_RLRF).build());
        assertEquals("arith", r.getTask());
        assertEquals(2, r.getIterations());
        assertEquals(8, r.getSampling().getN());
        assertEquals(0.8f, r.getSampling().getTemperature());
        assertEquals(0.95f, r.getSampling().getTopP());
        assertTrue(r.getReflection().getEnabled());
        assertEquals(2, r.getReflection().getK());
        assertEquals(8, r.getReflection().getM());
        assertEquals(0.7f, r.getReflection().getTemperature());
        // [ours] the method's top k (copies included) over every prompt with a faulted answer; the plan carries both
        assertTrue(r.getReflection().hasDistinctSources() && r.getReflection().hasUnsolvedOnly());
        assertFalse(r.getReflection().getDistinctSources());
        assertFalse(r.getReflection().getUnsolvedOnly());
        RunPlan.ReflectionPlan flipped = RunPlan.of(r.toBuilder().setReflection(r.getReflection().toBuilder()
                .setDistinctSources(true).setUnsolvedOnly(true)).build(), java.util.List.of()).reflection();
        assertTrue(flipped.distinctSources() && flipped.unsolvedOnly());
        assertEquals(0.25, r.getPairing().getDelta());
        assertEquals(ScoreKind.SCORE_KIND_FINE_GRAINED, r.getPairing().getScore());
        // [ours] measured on the shipped base (run-defaults.textproto): beta 0 (the preference term off: the NLL
        // on the chosen answers is what trains, as it was at 0.001, at less than half the cost), 1e-4, 3 epochs,
        // RPO NLL weight 1.
        assertEquals(0.0, r.getDpo().getBeta());
        assertTrue(RunPlan.of(r, java.util.List.of()).dpo().params(java.util.Set.of(10)).preferenceOff());
        assertEquals(1e-4, r.getDpo().getLearningRate());
        assertEquals(3, r.getDpo().getEpochs());
        assertEquals(1.0, r.getDpo().getNllWeight());
        // [ours] the SFT control trains at the preference update's rate and budget
        assertEquals(r.getDpo().getLearningRate(), r.getSft().getLearningRate());
        assertEquals(r.getDpo().getEpochs(), r.getSft().getEpochs());
        assertEquals(r.getDpo().getBatchSize(), r.getSft().getBatchSize());
        // [ours] the localised objective and 1,024 prompts per iteration (measured, issue 14); no reflection NLL unless asked
        assertEquals(io.rlrf.api.trainer.v1.Objective.OBJECTIVE_FIRST_DIVERGENCE_STEP, r.getDpo().getObjective());
        assertEquals(1024, r.getData().getTrainPrompts());
        assertEquals(0.0, r.getDpo().getReflectionWeight());
        RunPlan.DpoPlan plan = RunPlan.of(r, java.util.List.of()).dpo();
        assertEquals(new io.rlrf.model.train.PreferenceLoss.FirstDivergence(java.util.Set.of(10),
                io.rlrf.model.train.PreferenceLoss.Extent.STEP), plan.params(java.util.Set.of(10)).loss());
        RunPlan.DpoPlan whole = RunPlan.of(r.toBuilder().setDpo(r.getDpo().toBuilder()
                .setObjective(io.rlrf.api.trainer.v1.Objective.OBJECTIVE_WHOLE_ANSWER)).build(), java.util.List.of()).dpo();
        assertEquals(io.rlrf.model.train.PreferenceLoss.Kind.WHOLE_ANSWER, whole.params(java.util.Set.of(10)).loss().kind());
        RunPlan.DpoPlan step = RunPlan.of(r.toBuilder().setDpo(r.getDpo().toBuilder()
                .setObjective(io.rlrf.api.trainer.v1.Objective.OBJECTIVE_FIRST_DIVERGENCE_STEP).setReflectionWeight(0.5))
                .build(), java.util.List.of()).dpo();
        assertEquals(new io.rlrf.model.train.PreferenceLoss.FirstDivergence(java.util.Set.of(10),
                io.rlrf.model.train.PreferenceLoss.Extent.STEP), step.params(java.util.Set.of(10)).loss());
        assertEquals(0.5, step.params(java.util.Set.of(10)).reflectionWeight());
        // [ours] the rejected answer of a pair is an initial sample (PairingConfig.rejected_from_samples).
        assertTrue(r.getPairing().getRejectedFromSamples());
        // The best answer is paired whatever its score (PairingConfig.min_chosen_score 0), and the plan carries it.
        assertTrue(r.getPairing().hasMinChosenScore());
        assertEquals(0.0, r.getPairing().getMinChosenScore());
        assertEquals(0.75, RunPlan.of(r.toBuilder().setPairing(r.getPairing().toBuilder().setMinChosenScore(0.75)).build(),
                java.util.List.of()).pairing().minChosenScore());
        // No levels given: the configured default, the bootstrap's level.
        assertEquals(java.util.List.of(1), r.getData().getDifficultyLevelsList());
        assertEquals(0f, r.getEval().getTemperature());
        assertEquals("train", r.getData().getTrainSplit());
        assertEquals("test", r.getData().getEvalSplit());
        // Every optional field is now set, so the resolved config is self-contained.
        assertTrue(r.hasSeed() && r.getPairing().hasRejectedFromSamples() && r.getDpo().hasNllWeight() && r.getSft().hasBatchSize() && r.getEval().hasMaxNewTokens());
    }

    @Test
    void rewardOnlyBaselineHasNoReflectionAndAScalarScore() {
        RunConfig r = resolver.resolve(RunConfig.newBuilder().setMode(Mode.MODE_REWARD_ONLY).build());
        assertFalse(r.getReflection().getEnabled());
        assertEquals(ScoreKind.SCORE_KIND_SCALAR, r.getPairing().getScore());
        assertEquals(8, r.getSampling().getN());
    }

    @Test
    void explicitValuesWinIncludingZeroTemperatureAndAblations() {
        RunConfig r = resolver.resolve(RunConfig.newBuilder().setMode(Mode.MODE_RLRF)
                .setSampling(SamplingConfig.newBuilder().setN(4).setTemperature(0f))
                .setReflection(ReflectionConfig.newBuilder().setEnabled(false))
                .setPairing(io.rlrf.api.trainer.v1.PairingConfig.newBuilder().setScore(ScoreKind.SCORE_KIND_SCALAR))
                .setDpo(DpoConfig.newBuilder().setBeta(0.5).setNllWeight(0.2))
                .setSeed(0)
                .build());
        assertEquals(4, r.getSampling().getN());
        assertEquals(0f, r.getSampling().getTemperature());
        assertFalse(r.getReflection().getEnabled());
        assertEquals(ScoreKind.SCORE_KIND_SCALAR, r.getPairing().getScore());
        assertEquals(0.5, r.getDpo().getBeta());
        assertEquals(0.2, r.getDpo().getNllWeight());
        assertEquals(0L, r.getSeed());
    }

    @Test
    void aTruncatedAnswerIsDroppedByDefaultAndAnUnknownOrUnspecifiedChoiceIsRefused() {
        RunConfig r = resolver.resolve(RunConfig.newBuilder().setMode(Mode.MODE_RLRF).build());
        assertEquals(Truncation.TRUNCATION_DROP, r.getPairing().getTruncated());
        assertEquals(Truncation.TRUNCATION_DROP, RunPlan.of(r, List.of()).pairing().truncated());
        RunConfig unfinished = resolver.resolve(RunConfig.newBuilder().setMode(Mode.MODE_RLRF)
                .setPairing(PairingConfig.newBuilder().setTruncated(Truncation.TRUNCATION_UNFINISHED)).build());
        assertEquals(Truncation.TRUNCATION_UNFINISHED, RunPlan.of(unfinished, List.of()).pairing().truncated());
        // A run config stored before the field: its runs paired truncated answers.
        RunConfig old = r.toBuilder().setPairing(r.getPairing().toBuilder().clearTruncated()).build();
        assertEquals(Truncation.TRUNCATION_UNFINISHED, RunPlan.of(old, List.of()).pairing().truncated());
        ServiceException unknown = assertThrows(ServiceException.class, () -> resolver.resolve(RunConfig.newBuilder()
                .setMode(Mode.MODE_RLRF).setPairing(PairingConfig.newBuilder().setTruncatedValue(7)).build()));
        assertEquals("config.pairing.truncated has an unknown value (7); valid: TRUNCATION_DROP, TRUNCATION_UNFINISHED",
                unknown.getMessage());
        ServiceException unspecified = assertThrows(ServiceException.class, () -> resolver.resolve(RunConfig.newBuilder()
                .setMode(Mode.MODE_RLRF).setPairing(PairingConfig.newBuilder().setTruncated(Truncation.TRUNCATION_UNSPECIFIED))
                .build()));
        assertEquals("config.pairing.truncated must not be TRUNCATION_UNSPECIFIED; valid: TRUNCATION_DROP, "
                + "TRUNCATION_UNFINISHED", unspecified.getMessage());
    }

    @Test
    void loraIsOffByDefaultAndAnEnabledOneKeepsItsModulesAndIsCheckedNamingTheField() {
        RunConfig r = resolver.resolve(RunConfig.newBuilder().setMode(Mode.MODE_RLRF).build());
        assertFalse(r.getLora().getEnabled());
        assertTrue(RunPlan.of(r, List.of()).lora().isEmpty(), "full fine-tuning by default");
        RunConfig old = r.toBuilder().clearLora().build(); // a run config stored before the field
        assertTrue(RunPlan.of(old, List.of()).lora().isEmpty());
        RunConfig on = resolver.resolve(RunConfig.newBuilder().setMode(Mode.MODE_RLRF)
                .setLora(LoraConfig.newBuilder().setEnabled(true).setR(4).addTargetModules("v_proj").addTargetModules("q_proj"))
                .build());
        io.rlrf.model.lora.LoraConfig lora = RunPlan.of(on, List.of()).lora().orElseThrow();
        assertEquals(4, lora.r());
        assertEquals(16.0, lora.alpha(), "alpha from the defaults");
        assertEquals(List.of("q_proj", "v_proj"), lora.targetModules(), "the caller's modules replace the default seven");
        assertEquals("config.lora.r must be at least 1, got 0", assertThrows(ServiceException.class, () -> resolver.resolve(
                RunConfig.newBuilder().setMode(Mode.MODE_RLRF).setLora(LoraConfig.newBuilder().setEnabled(true).setR(0))
                        .build())).getMessage());
        assertTrue(assertThrows(ServiceException.class, () -> resolver.resolve(RunConfig.newBuilder().setMode(Mode.MODE_RLRF)
                .setLora(LoraConfig.newBuilder().setEnabled(true).addTargetModules("lm_head")).build())).getMessage()
                .startsWith("config.lora.target_modules holds 'lm_head'"));
        assertTrue(assertThrows(ServiceException.class, () -> resolver.resolve(RunConfig.newBuilder().setMode(Mode.MODE_RLRF)
                .setLora(LoraConfig.newBuilder().setDropout(1.0)).build())).getMessage().startsWith("config.lora.dropout"));
    }

    @Test
    void levelsTheCallerGivesReplaceTheDefaultLevels() {
        RunConfig r = resolver.resolve(RunConfig.newBuilder().setMode(Mode.MODE_RLRF)
                .setData(DataConfig.newBuilder().addDifficultyLevels(2).addDifficultyLevels(3)).build());
        assertEquals(List.of(2, 3), r.getData().getDifficultyLevelsList());
    }

    @Test
    void anOperatorsFileReplacesOnlyTheValuesItSets() throws Exception {
        Path file = Files.writeString(dir.resolve("defaults.textproto"), "iterations: 3\ndpo { learning_rate: 5e-4 }\n");
        RunConfig r = RunDefaults.overlaid(file, LIMITS).resolve(RunConfig.newBuilder().setMode(Mode.MODE_RLRF).build());
        assertEquals(3, r.getIterations());
        assertEquals(5e-4, r.getDpo().getLearningRate());
        assertEquals(0.0, r.getDpo().getBeta());
        assertEquals(8, r.getSampling().getN());
    }

    @Test
    void defaultsThatSetWhatTheModeDecidesOrMakeInvalidRunsAreRefusedAtStartUp() throws Exception {
        Path mode = Files.writeString(dir.resolve("mode.textproto"), "reflection { enabled: true }\n");
        assertTrue(assertThrows(IllegalStateException.class, () -> RunDefaults.overlaid(mode, LIMITS)).getMessage()
                .contains("the mode decides them"));
        Path invalid = Files.writeString(dir.resolve("invalid.textproto"), "sampling { n: 0 }\n");
        assertTrue(assertThrows(IllegalStateException.class, () -> RunDefaults.overlaid(invalid, LIMITS)).getMessage()
                .contains("config.sampling.n"));
        Path garbled = Files.writeString(dir.resolve("garbled.textproto"), "samplin { n: 3 }\n");
        assertTrue(assertThrows(IllegalStateException.class, () -> RunDefaults.overlaid(garbled, LIMITS)).getMessage()
                .contains("not a RunConfig in text format"));
    }
}
