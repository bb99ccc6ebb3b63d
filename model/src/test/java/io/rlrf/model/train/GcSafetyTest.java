package io.rlrf.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;

/**
 * Training gives the same numbers whether or not the garbage collector runs during it. Regression
 * test for a use-after-free: DJL wraps Java direct buffers as tensors ({@code from_blob}); a scalar
 * saved by autograd was freed by the collector mid-step and SFT turned to NaN within a few steps.
 * Here a thread calls {@code System.gc()} every 2 ms throughout.
 */
class GcSafetyTest {

    @Test
    void trainingUnderConstantGarbageCollectionMatchesTrainingWithout() throws Exception {
        List<Double> quiet = run(false);
        List<Double> stormy = run(true);
        for (double loss : stormy) {
            assertTrue(Double.isFinite(loss), "loss " + loss);
        }
        assertEquals(quiet, stormy);
    }

    private static List<Double> run(boolean collectGarbage) throws Exception {
        Thread gc = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        gc.setDaemon(true);
        if (collectGarbage) {
            gc.start();
        }
        List<Double> losses = new ArrayList<>();
        try (Policy policy = Policy.initialize(LlamaConfig.of(40, 32, 64, 2, 4, 2, 32, true), null, 8);
                Policy reference = policy.copy();
                SftTrainer sft = new SftTrainer(policy.model(), OptimizerParams.of(1e-2, 0, 40), 32);
                DpoTrainer dpo = new DpoTrainer(policy.model(), new DpoParams(0.1, 0.1), OptimizerParams.of(1e-3, 0, 40), 4)) {
            SplittableRandom rng = new SplittableRandom(1);
            List<ScoredPair> pairs = DpoTrainer.score(reference.model(), DpoTrainerTest.pairs(8, 2), 8);
            for (int i = 0; i < 20; i++) {
                losses.add(sft.step(SftTrainerTest.batch(32, rng)).loss());
                losses.add(dpo.step(pairs).loss());
            }
        } finally {
            gc.interrupt();
        }
        return losses;
    }
}
