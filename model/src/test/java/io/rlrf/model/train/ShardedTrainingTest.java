package io.rlrf.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;

import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.lora.LoraConfig;
import io.rlrf.model.score.SequenceScorer.Sequence;

/**
 * A micro-batch computed in shards at once (PolicyTrainer's shards, one libtorch thread each) is the
 * same update as computed whole, up to float rounding, and is deterministic: the same shards give the
 * same weights bit for bit, whichever shard finishes first.
 */
class ShardedTrainingTest {

    private static final LlamaConfig CONFIG = LlamaConfig.of(16, 48, 96, 2, 4, 4, 32, true);
    private static final int STEPS = 12;

    @Test
    void sftInShardsIsTheWholeBatchUpdateAndRepeatsBitForBit() throws Exception {
        Run whole = sft(1);
        Run twoShards = sft(2);
        Run again = sft(2);
        Run three = sft(3);
        assertEquals(1, whole.shards());
        assertEquals(2, twoShards.shards());
        assertEquals(3, three.shards());
        assertSame(twoShards.weights(), again.weights());
        assertClose(whole.weights(), twoShards.weights(), 2e-5);
        assertClose(whole.weights(), three.weights(), 2e-5);
        assertEquals(whole.lastLoss(), twoShards.lastLoss(), 1e-5);
        assertEquals(twoShards.lastLoss(), again.lastLoss(), 0.0);
    }

    @Test
    void dpoInShardsIsTheWholeBatchUpdateWithTheSameFigures() throws Exception {
        DpoStats whole = dpo(1).stats();
        DpoStats sharded = dpo(2).stats();
        assertEquals(whole.pairs(), sharded.pairs());
        assertEquals(whole.loss(), sharded.loss(), 1e-5);
        assertEquals(whole.preferenceLoss(), sharded.preferenceLoss(), 1e-5);
        assertEquals(whole.nllLoss(), sharded.nllLoss(), 1e-5);
        assertEquals(whole.rewardAccuracy(), sharded.rewardAccuracy(), 1e-9);
        assertEquals(whole.chosenLogProb(), sharded.chosenLogProb(), 1e-4);
        assertTrue(whole.gradNorm() > 0);
        assertEquals(whole.gradNorm(), sharded.gradNorm(), 1e-5 * whole.gradNorm());
        assertClose(dpo(1).weights(), dpo(2).weights(), 2e-5);
    }

    @Test
    void oneRowMicroBatchesAndBadShardCountsAreHandled() throws Exception {
        try (Policy policy = Policy.initialize(CONFIG, null, 5);
                SftTrainer t = new SftTrainer(policy.model(), OptimizerParams.of(1e-3, 0, 4), 1, 4)) {
            assertEquals(1, t.shards(), "no more shards than rows in a micro-batch");
            t.step(SftTrainerTest.batch(3, new SplittableRandom(1)));
        }
        try (Policy policy = Policy.initialize(CONFIG, null, 5)) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new SftTrainer(policy.model(), OptimizerParams.of(1e-3, 0, 4), 8, 0));
            assertTrue(e.getMessage().contains("shards must be >= 1"), e.getMessage());
        }
    }

    @Test
    void anAdapterTrainsInOneShardAndCheckpointedShardsMatchPlainOnes() throws Exception {
        try (Policy policy = Policy.initialize(CONFIG, null, 5)) {
            policy.newAdapter(LoraConfig.allProjections(2, 4, 0), 5);
            try (SftTrainer t = new SftTrainer(policy.model(), OptimizerParams.of(1e-3, 0, 4), 8, 2)) {
                assertEquals(1, t.shards(), "under LoRA a micro-batch is one shard");
                t.step(SftTrainerTest.batch(8, new SplittableRandom(1)));
            }
        }
        List<float[]> plain = sftWithCheckpointing(false);
        List<float[]> checkpointed = sftWithCheckpointing(true);
        assertClose(plain, checkpointed, 1e-5);
    }

    private static List<float[]> sftWithCheckpointing(boolean on) throws Exception {
        try (Policy policy = Policy.initialize(CONFIG, null, 7)) {
            policy.model().setActivationCheckpointing(on);
            try (SftTrainer t = new SftTrainer(policy.model(), OptimizerParams.of(1e-2, 0, 4), 16, 2)) {
                SplittableRandom rng = new SplittableRandom(3);
                for (int i = 0; i < 4; i++) {
                    t.step(SftTrainerTest.batch(16, rng));
                }
            }
            return weights(policy);
        }
    }

    private record Run(int shards, List<float[]> weights, double lastLoss) {
    }

    private record DpoRun(DpoStats stats, List<float[]> weights) {
    }

    private static Run sft(int shards) throws Exception {
        try (Policy policy = Policy.initialize(CONFIG, null, 7);
                SftTrainer t = new SftTrainer(policy.model(), OptimizerParams.of(1e-2, 2, STEPS), 16, shards)) {
            SplittableRandom rng = new SplittableRandom(3);
            SftStats last = null;
            for (int i = 0; i < STEPS; i++) {
                // two micro-batches of 16 per step: gradients accumulate across them and across shards
                last = t.step(SftTrainerTest.batch(32, rng));
            }
            return new Run(t.shards(), weights(policy), last.loss());
        }
    }

    private static DpoRun dpo(int shards) throws Exception {
        try (Policy policy = Policy.initialize(CONFIG, null, 9); Policy reference = policy.copy()) {
            SplittableRandom rng = new SplittableRandom(4);
            List<PreferencePair> pairs = new ArrayList<>();
            for (Sequence s : SftTrainerTest.batch(12, rng)) {
                int[] rejected = s.completion().clone();
                rejected[1] = 4 + (rejected[1] - 4 + 1) % 8; // one wrong symbol
                pairs.add(new PreferencePair(s.prompt(), s.completion(), rejected));
            }
            PreferenceLoss loss = new PreferenceLoss.FirstDivergence(Set.of(2), PreferenceLoss.Extent.ANSWER);
            List<ScoredPair> scored = DpoTrainer.score(reference.model(), pairs, 4, loss);
            DpoStats last = null;
            try (DpoTrainer t = new DpoTrainer(policy.model(), new DpoParams(0.1, 1.0, loss, 0),
                    OptimizerParams.of(1e-2, 0, 4), 12, shards)) {
                for (int i = 0; i < 4; i++) {
                    last = t.step(scored);
                }
            }
            return new DpoRun(last, weights(policy));
        }
    }

    private static List<float[]> weights(Policy policy) {
        List<float[]> out = new ArrayList<>();
        for (NDArray p : policy.model().trainableParameters()) {
            out.add(p.toFloatArray());
        }
        return out;
    }

    private static void assertSame(List<float[]> a, List<float[]> b) {
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i), "parameter " + i);
        }
    }

    private static void assertClose(List<float[]> a, List<float[]> b, double tolerance) {
        double worst = 0;
        for (int i = 0; i < a.size(); i++) {
            for (int j = 0; j < a.get(i).length; j++) {
                worst = Math.max(worst, Math.abs(a.get(i)[j] - b.get(i)[j]));
            }
        }
        assertTrue(worst <= tolerance, "largest weight difference " + worst);
    }
}
