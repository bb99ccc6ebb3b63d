package io.rlrf.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import io.rlrf.model.Engines;
import io.rlrf.model.Fixtures;
import io.rlrf.model.Policy;
import io.rlrf.model.score.SequenceScorer;
import io.rlrf.model.score.SequenceScorer.Sequence;

/**
 * The localised preference objective (first divergence to the end of the step), the NLL terms and
 * their invariants: ln 2 at pi = pi_ref, no preference gradient outside the contrast, the NLL parts
 * as computed by hand, a reflection-only update equal to SFT, accumulation 6x1 = 1x6.
 */
class PreferenceLossTest {

    static final int NL = 5; // the step-end token of these tests
    static final int EOS = 2;
    static final PreferenceLoss STEP = new PreferenceLoss.FirstDivergence(Set.of(NL), PreferenceLoss.Extent.STEP);
    static final PreferenceLoss TO_END = new PreferenceLoss.FirstDivergence(Set.of(NL), PreferenceLoss.Extent.ANSWER);
    static final OptimizerParams OPT = OptimizerParams.of(1e-3, 0, 100).withMaxGradNorm(0);

    @Test
    void spansStartAtTheFirstDifferenceAndEndWithItsStep() {
        // shared "7 8 NL", then the faulty step "9 10 NL" vs "9 11 NL", then different carried steps
        PreferencePair p = new PreferencePair(new int[] {1, 20},
                new int[] {7, 8, NL, 9, 10, NL, 12, 13, NL, EOS},
                new int[] {7, 8, NL, 9, 11, NL, 14, NL, EOS});
        assertEquals(new PreferenceLoss.Spans(4, 6, 4, 6), STEP.spans(p));
        assertEquals(new PreferenceLoss.Spans(4, 10, 4, 9), TO_END.spans(p));
        assertEquals(new PreferenceLoss.Spans(0, 10, 0, 9), new PreferenceLoss.WholeAnswer().spans(p));
        // a difference in the last step (no newline after it) runs to EOS
        PreferencePair last = new PreferencePair(new int[] {1}, new int[] {7, 8, EOS}, new int[] {7, 9, 9, EOS});
        assertEquals(new PreferenceLoss.Spans(1, 3, 1, 4), STEP.spans(last));
        // identical answers: no contrast
        PreferencePair same = new PreferencePair(new int[] {1}, new int[] {7, EOS}, new int[] {7, EOS});
        assertEquals(new PreferenceLoss.Spans(2, 2, 2, 2), STEP.spans(same));
        assertEquals(PreferenceLoss.Kind.FIRST_DIVERGENCE, PreferenceLoss.of(PreferenceLoss.Kind.FIRST_DIVERGENCE,
                Set.of(NL), PreferenceLoss.Extent.STEP).kind());
    }

    @Test
    void localisedLossIsLn2WhenPolicyEqualsReference() throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 1);
                Policy reference = policy.copy();
                DpoTrainer trainer = new DpoTrainer(policy.model(), new DpoParams(0.1, 0, STEP, 0), OPT, 8)) {
            DpoStats stats = trainer.step(DpoTrainer.score(reference.model(), steppedPairs(8, 3), 8, STEP));
            assertEquals(Math.log(2), stats.loss(), 1e-6);
            assertEquals(Math.log(2), stats.preferenceLoss(), 1e-6);
            assertEquals(0.0, stats.rewardMargin(), 1e-6);
        }
    }

    @Test
    void tokensOutsideTheContrastGetNoPreferenceGradient() {
        PreferencePair p = new PreferencePair(new int[] {1, 20},
                new int[] {7, 8, NL, 9, 10, NL, 12, 13, NL, EOS},
                new int[] {7, 8, NL, 9, 11, NL, 14, NL, EOS});
        int t = p.prompt().length + p.chosen().length - 1; // targets of the longer row
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            float[] values = new float[2 * t];
            for (int i = 0; i < values.length; i++) {
                values[i] = -0.1f * (1 + i % 7);
            }
            NDArray tokenLp = m.create(values, new Shape(2, t)); // (2, T): row 0 chosen, row 1 rejected
            tokenLp.setRequiresGradient(true);
            try (GradientCollector c = Engines.pytorch().newGradientCollector()) {
                NDArray sums = DpoTrainer.spanSums(m, tokenLp, List.of(p), STEP); // (2)
                DpoLoss.Result r = DpoLoss.compute(sums.get("0:1"), sums.get("1:2"), m.create(new float[] {-1f}),
                        m.create(new float[] {-1f}), 0.1);
                c.backward(r.meanLoss());
            }
            float[] grad = tokenLp.getGradient().toFloatArray();
            int offset = p.prompt().length - 1; // completion token j is target offset + j
            for (int row = 0; row < 2; row++) {
                for (int target = 0; target < t; target++) {
                    int j = target - offset;
                    boolean inStep = j >= 4 && j < 6;
                    float g = grad[row * t + target];
                    if (inStep) {
                        assertNotEquals(0f, g, "row " + row + " token " + j + " is in the contrast");
                    } else {
                        assertEquals(0f, Math.abs(g), "row " + row + " token " + j + " is outside the contrast");
                    }
                }
            }
        }
    }

    @Test
    void whatTheRejectedAnswerSaysAfterItsFaultyStepChangesNothing() throws Exception {
        // two pairs alike up to the end of the faulty step; the rejected answers then carry on differently
        int[] prompt = {1, 20, 21};
        int[] chosen = {7, 8, NL, 9, 10, NL, 12, 13, NL, EOS};
        PreferencePair a = new PreferencePair(prompt, chosen, new int[] {7, 8, NL, 9, 11, NL, 14, NL, EOS});
        PreferencePair b = new PreferencePair(prompt, chosen, new int[] {7, 8, NL, 9, 11, NL, 30, 31, 32, NL, EOS});
        Map<String, float[]> afterA;
        Map<String, float[]> afterB;
        double lossA;
        double lossB;
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 5); Policy ref = policy.copy();
                DpoTrainer t = new DpoTrainer(policy.model(), new DpoParams(0.1, 0, STEP, 0), OPT, 4)) {
            List<ScoredPair> scored = DpoTrainer.score(ref.model(), List.of(a), 4, STEP);
            t.step(scored);
            lossA = t.step(scored).loss(); // the second step sees a policy that moved
            afterA = DpoTrainerTest.snapshot(policy);
        }
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 5); Policy ref = policy.copy();
                DpoTrainer t = new DpoTrainer(policy.model(), new DpoParams(0.1, 0, STEP, 0), OPT, 4)) {
            List<ScoredPair> scored = DpoTrainer.score(ref.model(), List.of(b), 4, STEP);
            t.step(scored);
            lossB = t.step(scored).loss();
            afterB = DpoTrainerTest.snapshot(policy);
        }
        assertEquals(lossA, lossB, 1e-7);
        for (String name : afterA.keySet()) {
            float[] x = afterA.get(name);
            float[] y = afterB.get(name);
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1e-7, name + "[" + i + "]");
            }
        }
    }

    @Test
    void theNllPartsAreThePerTokenMeansAndTheLossTheirWeightedSum() throws Exception {
        List<PreferencePair> pairs = steppedPairs(3, 8);
        List<Sequence> reflections = reflections(2, 9);
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 6);
                Policy reference = policy.copy();
                DpoTrainer trainer = new DpoTrainer(policy.model(), new DpoParams(0.1, 0.5, STEP, 2.0), OPT, 8)) {
            List<Sequence> chosen = new ArrayList<>();
            for (PreferencePair p : pairs) {
                chosen.add(new Sequence(p.prompt(), p.chosen()));
            }
            double[] lp = SequenceScorer.score(reference.model(), chosen, 8);
            double nll = 0;
            for (int i = 0; i < pairs.size(); i++) {
                nll -= lp[i] / pairs.get(i).chosen().length;
            }
            nll /= pairs.size();
            double[] rlp = SequenceScorer.score(reference.model(), reflections, 8);
            double reflTokens = reflections.stream().mapToInt(s -> s.completion().length).sum();
            double reflNll = -(rlp[0] + rlp[1]) / reflTokens;

            List<PreferenceExample> batch = new ArrayList<>(DpoTrainer.score(reference.model(), pairs, 8, STEP));
            reflections.forEach(s -> batch.add(new ReflectionExample(s)));
            DpoStats st = trainer.step(batch);
            assertEquals(Math.log(2), st.preferenceLoss(), 1e-6);
            assertEquals(nll, st.nllLoss(), 1e-5);
            assertEquals(reflNll, st.reflectionNll(), 1e-5);
            assertEquals(Math.log(2) + 0.5 * nll + 2.0 * reflNll, st.loss(), 1e-5);
            assertEquals(3, st.pairs());
            assertEquals(2, st.reflections());
        }
    }

    @Test
    void anUpdateOnReflectionExamplesAloneIsSft() throws Exception {
        List<Sequence> seqs = reflections(4, 10);
        Map<String, float[]> viaDpo;
        Map<String, float[]> viaSft;
        double dpoLoss;
        double sftLoss;
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 7);
                DpoTrainer t = new DpoTrainer(policy.model(), new DpoParams(0.1, 0, STEP, 1.0), OPT, 2)) {
            dpoLoss = t.step(seqs.stream().map(ReflectionExample::new).toList()).loss();
            viaDpo = DpoTrainerTest.snapshot(policy);
        }
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 7);
                SftTrainer t = new SftTrainer(policy.model(), OPT, 2)) {
            sftLoss = t.step(seqs).loss();
            viaSft = DpoTrainerTest.snapshot(policy);
        }
        assertEquals(sftLoss, dpoLoss, 1e-6);
        for (String name : viaDpo.keySet()) {
            float[] x = viaDpo.get(name);
            float[] y = viaSft.get(name);
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1e-6, name + "[" + i + "]");
            }
        }
    }

    @Test
    void gradientAccumulationSixByOneEqualsOneBySixWithEveryPart() throws Exception {
        List<PreferencePair> pairs = steppedPairs(4, 11);
        List<Sequence> refl = reflections(2, 12);
        DpoParams params = new DpoParams(0.1, 0.3, STEP, 0.7);
        DpoStats a;
        DpoStats b;
        Map<String, float[]> one;
        Map<String, float[]> six;
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 3); Policy ref = policy.copy();
                DpoTrainer t = new DpoTrainer(policy.model(), params, OPT.withMaxGradNorm(1.0), 6)) {
            a = t.step(mixed(DpoTrainer.score(ref.model(), pairs, 4, STEP), refl));
            one = DpoTrainerTest.snapshot(policy);
        }
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 3); Policy ref = policy.copy();
                DpoTrainer t = new DpoTrainer(policy.model(), params, OPT.withMaxGradNorm(1.0), 1)) {
            b = t.step(mixed(DpoTrainer.score(ref.model(), pairs, 4, STEP), refl));
            six = DpoTrainerTest.snapshot(policy);
        }
        assertEquals(a.loss(), b.loss(), 1e-6, "loss");
        assertEquals(a.nllLoss(), b.nllLoss(), 1e-6, "nll");
        assertEquals(a.reflectionNll(), b.reflectionNll(), 1e-6, "reflection nll");
        assertEquals(a.gradNorm(), b.gradNorm(), 1e-5 * a.gradNorm(), "gradient norm");
        for (String name : one.keySet()) {
            float[] x = one.get(name);
            float[] y = six.get(name);
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1e-6, name + "[" + i + "]");
            }
        }
        assertTrue(a.gradNorm() > 0);
    }

    private static List<PreferenceExample> mixed(List<ScoredPair> pairs, List<Sequence> reflections) {
        List<PreferenceExample> out = new ArrayList<>();
        out.add(pairs.get(0));
        out.add(new ReflectionExample(reflections.get(0)));
        out.addAll(pairs.subList(1, pairs.size()));
        out.add(new ReflectionExample(reflections.get(1)));
        return out;
    }

    /** Pairs of two-step answers that share their first step and differ in the second. */
    static List<PreferencePair> steppedPairs(int n, long seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int x = 6 + rng.nextInt(30);
            int y = 6 + rng.nextInt(30);
            int z = 6 + rng.nextInt(30);
            int w = z == 39 ? 6 : z + 1;
            out.add(new PreferencePair(new int[] {1, x, y}, new int[] {x, y, NL, z, z, NL, EOS},
                    new int[] {x, y, NL, w, z, NL, w, NL, EOS}));
        }
        return out;
    }

    static List<Sequence> reflections(int n, long seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        List<Sequence> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 3 + rng.nextInt(4);
            int[] prompt = new int[len];
            prompt[0] = 1;
            for (int j = 1; j < len; j++) {
                prompt[j] = 6 + rng.nextInt(30);
            }
            out.add(new Sequence(prompt, new int[] {prompt[len - 1], prompt[1], NL, EOS}));
        }
        return out;
    }
}
