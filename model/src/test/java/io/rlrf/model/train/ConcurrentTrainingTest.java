package io.rlrf.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;

import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.score.SequenceScorer.Sequence;

/**
 * Trainers on different threads record and back-propagate independently (training shards run their
 * passes on a pool; two runs in one process could train at once): each trainer stepping on its own
 * thread, beside another, reaches exactly the weights it reaches alone. With DJL's GradientCollector the
 * second trainer to open one failed ("Only one can be collecting at a time").
 */
class ConcurrentTrainingTest {

    private static final LlamaConfig CONFIG = LlamaConfig.of(16, 48, 96, 2, 4, 4, 32, true);
    private static final int STEPS = 30;

    @Test
    void twoTrainersSteppingAtOnceReachTheWeightsEachReachesAlone() throws Exception {
        List<float[]> aloneA = train(11, 1, null);
        List<float[]> aloneB = train(22, 2, null);

        CyclicBarrier everyStep = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<List<float[]>> a = pool.submit(() -> train(11, 1, everyStep));
            Future<List<float[]>> b = pool.submit(() -> train(22, 2, everyStep));
            assertSameWeights(aloneA, a.get());
            assertSameWeights(aloneB, b.get());
        } finally {
            pool.shutdownNow();
        }
    }

    /** STEPS SFT steps from a model initialised with {@code init} on batches from {@code data}; its weights. */
    private static List<float[]> train(long init, long data, CyclicBarrier everyStep) throws Exception {
        try (Policy policy = Policy.initialize(CONFIG, null, init);
                SftTrainer trainer = new SftTrainer(policy.model(), OptimizerParams.of(1e-2, 5, STEPS), 8)) {
            SplittableRandom rng = new SplittableRandom(data);
            for (int step = 0; step < STEPS; step++) {
                List<Sequence> batch = SftTrainerTest.batch(16, rng);
                if (everyStep != null) {
                    everyStep.await(); // both trainers enter each step together
                }
                trainer.step(batch);
            }
            List<float[]> weights = new ArrayList<>();
            for (NDArray p : policy.model().trainableParameters()) {
                weights.add(p.toFloatArray());
            }
            return weights;
        }
    }

    private static void assertSameWeights(List<float[]> expected, List<float[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "parameter " + i);
        }
    }
}
