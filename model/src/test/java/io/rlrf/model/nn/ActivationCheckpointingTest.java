package io.rlrf.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;

import io.rlrf.model.Engines;
import io.rlrf.model.Fixtures;
import io.rlrf.model.Policy;
import io.rlrf.model.score.SequenceScorer;
import io.rlrf.model.score.SequenceScorer.Sequence;
import io.rlrf.model.train.DpoParams;
import io.rlrf.model.train.DpoStats;
import io.rlrf.model.train.DpoTrainer;
import io.rlrf.model.train.OptimizerParams;
import io.rlrf.model.train.PreferencePair;
import io.rlrf.model.train.ScoredPair;

/**
 * Activation checkpointing changes memory, not results: the gradients of every parameter and a DPO
 * step's statistics and weights equal those of the plain backward pass, and no array is left behind.
 */
class ActivationCheckpointingTest {

    @Test
    void checkpointedGradientsEqualThePlainBackwardPass() throws Exception {
        for (boolean tied : new boolean[] {false, true}) {
            try (Policy policy = Policy.initialize(Fixtures.tiny(tied), null, 13)) {
                List<Sequence> seqs = sequences(5, new SplittableRandom(4));
                List<float[]> plain = gradients(policy, seqs, false);
                List<float[]> checkpointed = gradients(policy, seqs, true);
                for (int p = 0; p < plain.size(); p++) {
                    assertArrayEquals(plain.get(p), checkpointed.get(p), 1e-5f, "gradient of parameter " + p + ", tied " + tied);
                }
            }
        }
    }

    @Test
    void aCheckpointedDpoStepEqualsAPlainOneAndLeavesNoArrayBehind() throws Exception {
        OptimizerParams opt = OptimizerParams.of(1e-3, 0, 100);
        try (Policy a = Policy.initialize(Fixtures.tiny(false), null, 21);
                Policy b = a.copy();
                Policy reference = a.copy()) {
            SplittableRandom rng = new SplittableRandom(5);
            List<PreferencePair> pairs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                pairs.add(new PreferencePair(rng.ints(4, 3, 40).toArray(), rng.ints(6, 3, 40).toArray(),
                        rng.ints(3 + i, 3, 40).toArray()));
            }
            List<ScoredPair> scored = DpoTrainer.score(reference.model(), pairs, 6);
            b.model().setActivationCheckpointing(true);
            try (DpoTrainer plain = new DpoTrainer(a.model(), new DpoParams(0.1, 0.2), opt, 3);
                    DpoTrainer checkpointed = new DpoTrainer(b.model(), new DpoParams(0.1, 0.2), opt, 3)) {
                BaseNDManager manager = (BaseNDManager) b.weights().manager();
                for (int step = 0; step < 3; step++) {
                    int before = manager.getManagedArrays().size();
                    DpoStats x = plain.step(scored);
                    DpoStats y = checkpointed.step(scored);
                    assertEquals(x.loss(), y.loss(), 1e-5, "loss at step " + step);
                    assertEquals(x.gradNorm(), y.gradNorm(), 1e-5 * Math.max(1, x.gradNorm()), "gradient norm at step " + step);
                    assertEquals(before, manager.getManagedArrays().size(), "arrays left behind at step " + step);
                }
            }
            for (String name : a.weights().byName().keySet()) {
                assertArrayEquals(a.weights().byName().get(name).toFloatArray(), b.weights().byName().get(name).toFloatArray(),
                        1e-5f, name);
            }
            assertTrue(b.model().activationCheckpointing());
        }
    }

    /** A step that failed between forward and backward leaves a pass pending: the next pass drops it. */
    @Test
    void aPassWhoseBackwardNeverCameIsDroppedByTheNext() throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 17)) {
            List<Sequence> seqs = sequences(4, new SplittableRandom(6));
            List<float[]> plain = gradients(policy, seqs, false);
            policy.model().setActivationCheckpointing(true);
            try (NDScope scope = new NDScope(); GradientCollector collector = Engines.pytorch().newGradientCollector()) {
                scope.suppressNotUsedWarning();
                SequenceScorer.logProbs(policy.model(), sequences(3, new SplittableRandom(7))); // no backward
            }
            List<float[]> checkpointed = gradients(policy, seqs, true);
            for (int p = 0; p < plain.size(); p++) {
                assertArrayEquals(plain.get(p), checkpointed.get(p), 1e-5f, "gradient of parameter " + p);
            }
        }
    }

    static List<Sequence> sequences(int n, SplittableRandom rng) {
        List<Sequence> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Sequence(rng.ints(1 + rng.nextInt(5), 3, 40).toArray(), rng.ints(1 + rng.nextInt(9), 3, 40).toArray()));
        }
        return out;
    }

    private static List<float[]> gradients(Policy policy, List<Sequence> seqs, boolean checkpointing) {
        policy.model().setActivationCheckpointing(checkpointing);
        policy.weights().setRequiresGradient(true);
        List<float[]> out = new ArrayList<>();
        try (NDScope scope = new NDScope(); GradientCollector collector = Engines.pytorch().newGradientCollector()) {
            scope.suppressNotUsedWarning();
            collector.zeroGradients();
            NDArray total = SequenceScorer.logProbs(policy.model(), seqs).sum().sum();
            collector.backward(total);
            policy.model().backwardThroughCheckpoints();
            for (NDArray p : policy.weights().parameters()) {
                out.add(p.getGradient().toFloatArray());
            }
            collector.zeroGradients();
        }
        return out;
    }
}
