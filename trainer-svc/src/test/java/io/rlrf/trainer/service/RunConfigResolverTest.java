package io.rlrf.trainer.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.ReflectionConfig;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.SamplingConfig;
import io.rlrf.api.trainer.v1.ScoreKind;

/** Unset run parameters resolve to the method's defaults (method.md); explicit values are kept. */
@QuarkusTest
class RunConfigResolverTest {

    @Inject
    RunConfigResolver resolver;

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
        assertEquals(0.25, r.getPairing().getDelta());
        assertEquals(ScoreKind.SCORE_KIND_FINE_GRAINED, r.getPairing().getScore());
        assertEquals(0.1, r.getDpo().getBeta());
        // [ours] tuned for the built-in policy (TrainerConfig.Dpo): 1e-3, 3 epochs, RPO NLL weight 1.
        assertEquals(1e-3, r.getDpo().getLearningRate());
        assertEquals(3, r.getDpo().getEpochs());
        assertEquals(1.0, r.getDpo().getNllWeight());
        // [ours] the rejected answer of a pair is an initial sample (PairingConfig.rejected_from_samples).
        assertTrue(r.getPairing().getRejectedFromSamples());
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
}
