package io.rlrf.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import io.rlrf.model.Engines;
import io.rlrf.model.Fixtures;
import io.rlrf.model.Policy;
import io.rlrf.model.score.SequenceScorer.Sequence;

/** The DPO invariants of the method: ln 2 at the start, every parameter moves, accumulation is exact, it learns. */
class DpoTrainerTest {

    static final OptimizerParams OPT = OptimizerParams.of(1e-3, 0, 100).withMaxGradNorm(0);

    @Test
    void dpoLossIsLn2WhenPolicyEqualsReference() throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 1);
                Policy reference = policy.copy();
                DpoTrainer trainer = new DpoTrainer(policy.model(), new DpoParams(0.1, 0), OPT, 8)) {
            DpoStats stats = trainer.step(DpoTrainer.score(reference.model(), pairs(8, 3), 8));
            assertEquals(Math.log(2), stats.loss(), 1e-6, "first-step loss");
            assertEquals(0.693147, stats.loss(), 1e-6);
            assertEquals(0.0, stats.rewardMargin(), 1e-6);
        }
    }

    @Test
    void theLossIsReportedInItsPartsPreferencePlusWeightedNll() throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 1);
                Policy reference = policy.copy();
                DpoTrainer trainer = new DpoTrainer(policy.model(), new DpoParams(0.1, 0.5), OPT, 4)) {
            List<ScoredPair> scored = DpoTrainer.score(reference.model(), pairs(8, 3), 8);
            DpoStats stats = trainer.step(scored);
            assertEquals(Math.log(2), stats.preferenceLoss(), 1e-6, "the DPO term alone is ln 2 at the start");
            // The NLL part is the chosen answers' mean per-token NLL under the (still unchanged) policy.
            double nll = 0;
            for (ScoredPair s : scored) {
                nll -= s.refChosen() / s.pair().chosen().length;
            }
            assertEquals(nll / scored.size(), stats.nllLoss(), 1e-4);
            assertTrue(stats.nllLoss() > 0);
            assertEquals(stats.preferenceLoss() + 0.5 * stats.nllLoss(), stats.loss(), 1e-5);
        }
    }

    @Test
    void atBetaZeroTheStepIsSftOnTheChosenAnswersWithoutTheRejectedAnswersOrTheReference() throws Exception {
        List<PreferencePair> batch = pairs(8, 11); // every chosen answer has 5 tokens, so the NLL term's mean of
                                                   // per-answer means is SFT's per-token mean over the batch
        Map<String, float[]> off;
        Map<String, float[]> sft;
        DpoStats a;
        SftStats b;
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 5);
                DpoTrainer t = new DpoTrainer(policy.model(), new DpoParams(0, 1), OPT, 4)) {
            // no reference scored: its log-probabilities are never read at beta 0 (these would swamp the step if read)
            a = t.step(batch.stream().map(p -> new ScoredPair(p, -1e6, 1e6)).toList());
            off = snapshot(policy);
        }
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 5);
                SftTrainer t = new SftTrainer(policy.model(), OPT, 4)) {
            b = t.step(batch.stream().map(p -> new Sequence(p.prompt(), p.chosen())).toList());
            sft = snapshot(policy);
        }
        assertEquals(Math.log(2), a.preferenceLoss(), 1e-6, "the DPO term at beta 0 is ln 2");
        assertEquals(0.0, a.rewardMargin(), 0.0);
        assertEquals(b.loss(), a.nllLoss(), 1e-6, "the NLL term is SFT's loss");
        assertEquals(b.gradNorm(), a.gradNorm(), 1e-5 * b.gradNorm(), "and its gradient");
        assertEquals(b.tokens(), a.tokens(), "only the chosen answers were run");
        for (String name : off.keySet()) {
            float[] x = off.get(name);
            float[] y = sft.get(name);
            for (int i = 0; i < x.length; i++) {
                assertEquals(y[i], x[i], 1e-6, name + "[" + i + "]");
            }
        }
    }

    @Test
    void betaZeroWithoutAnNllTermIsRefusedBecauseNothingWouldTrain() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DpoParams(0, 0));
        assertTrue(e.getMessage().contains("nothing trains"), e.getMessage());
    }

    @Test
    void dpoLossFunctionMatchesHandComputedValues() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            // beta 0.5: rewards 0.5*(−1−(−2)) = 0.5 and 0.5*(−3−(−2)) = −0.5, margin 1: loss = ln(1 + e^−1)
            DpoLoss.Result r = DpoLoss.compute(m.create(new float[] {-1f}), m.create(new float[] {-3f}),
                    m.create(new float[] {-2f}), m.create(new float[] {-2f}), 0.5);
            assertEquals(0.5, r.chosenRewards().getFloat(), 1e-6);
            assertEquals(-0.5, r.rejectedRewards().getFloat(), 1e-6);
            assertEquals(Math.log1p(Math.exp(-1)), r.meanLoss().getFloat(), 1e-6);
        }
    }

    @Test
    void afterOneStepEveryTrainableParameterHasChanged() throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 2);
                Policy reference = policy.copy();
                DpoTrainer trainer = new DpoTrainer(policy.model(), new DpoParams(0.1, 0), OPT, 4)) {
            Map<String, float[]> before = snapshot(policy);
            trainer.step(DpoTrainer.score(reference.model(), pairs(8, 5), 8));
            Map<String, float[]> after = snapshot(policy);
            assertEquals(before.keySet(), after.keySet());
            for (String name : before.keySet()) {
                float maxDiff = 0;
                for (int i = 0; i < before.get(name).length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(before.get(name)[i] - after.get(name)[i]));
                }
                assertTrue(maxDiff > 0, name + " did not change");
            }
            // the reference is frozen: a separate copy, untouched
            assertEquals(before.get("model.norm.weight")[0], snapshot(reference).get("model.norm.weight")[0]);
        }
    }

    @Test
    void gradientAccumulationFourByOneEqualsOneByFour() throws Exception {
        List<PreferencePair> batch = pairs(4, 9);
        Map<String, float[]> oneByFour;
        Map<String, float[]> fourByOne;
        DpoStats a;
        DpoStats b;
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 3); Policy ref = policy.copy();
                DpoTrainer t = new DpoTrainer(policy.model(), new DpoParams(0.1, 0.2), OPT.withMaxGradNorm(1.0), 4)) {
            a = t.step(DpoTrainer.score(ref.model(), batch, 4));
            oneByFour = snapshot(policy);
        }
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 3); Policy ref = policy.copy();
                DpoTrainer t = new DpoTrainer(policy.model(), new DpoParams(0.1, 0.2), OPT.withMaxGradNorm(1.0), 1)) {
            b = t.step(DpoTrainer.score(ref.model(), batch, 4));
            fourByOne = snapshot(policy);
        }
        assertEquals(a.loss(), b.loss(), 1e-6, "loss");
        assertEquals(a.gradNorm(), b.gradNorm(), 1e-5 * a.gradNorm(), "gradient norm");
        for (String name : oneByFour.keySet()) {
            float[] x = oneByFour.get(name);
            float[] y = fourByOne.get(name);
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1e-6, name + "[" + i + "]");
            }
        }
    }

    @Test
    void onAToyPreferenceSetTheImplicitRewardAccuracyRisesAbove90Percent() throws Exception {
        // prompt: BOS + 4 random tokens; chosen: the same 4 tokens + EOS; rejected: 4 other random tokens + EOS
        List<PreferencePair> train = pairs(32, 17);
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 4);
                Policy reference = policy.copy();
                DpoTrainer trainer = new DpoTrainer(policy.model(), new DpoParams(0.1, 0), OptimizerParams.of(3e-3, 2, 10), 16)) {
            List<ScoredPair> scored = DpoTrainer.score(reference.model(), train, 16);
            DpoStats first = null;
            DpoStats last = null;
            for (int epoch = 0; epoch < 10; epoch++) {
                last = trainer.step(scored);
                if (first == null) {
                    first = last;
                }
            }
            assertEquals(0.0, first.rewardAccuracy(), 1e-9, "policy == reference: no reward is above another");
            assertTrue(last.rewardAccuracy() > 0.9, "accuracy " + last.rewardAccuracy());
            assertTrue(last.loss() < first.loss(), "loss fell: " + first.loss() + " -> " + last.loss());
        }
    }

    static List<PreferencePair> pairs(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = {1, 4 + rng.nextInt(30), 4 + rng.nextInt(30), 4 + rng.nextInt(30), 4 + rng.nextInt(30)};
            int[] chosen = {prompt[1], prompt[2], prompt[3], prompt[4], 2};
            int len = 2 + rng.nextInt(4);
            int[] rejected = new int[len];
            for (int j = 0; j < len - 1; j++) {
                rejected[j] = 4 + rng.nextInt(30);
            }
            rejected[len - 1] = 2;
            out.add(new PreferencePair(prompt, chosen, rejected));
        }
        return out;
    }

    static Map<String, float[]> snapshot(Policy p) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : p.weights().byName().entrySet()) {
            out.put(e.getKey(), e.getValue().toFloatArray());
        }
        return out;
    }
}
