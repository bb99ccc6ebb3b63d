package io.rlrf.model.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;

import io.rlrf.model.Engines;
import io.rlrf.model.Fixtures;
import io.rlrf.model.GradMode;
import io.rlrf.model.Policy;
import io.rlrf.model.score.SequenceScorer.Sequence;

/**
 * Log-probabilities computed chunk by chunk of positions equal the whole-batch log-softmax's, in
 * value and in gradient, for every chunk size down to one position.
 */
class ChunkedLogProbsTest {

    /** Right-padded rows of different lengths, so chunk boundaries cut through padding and prompts. */
    static List<Sequence> batch(int rows, int vocab, SplittableRandom rng) {
        List<Sequence> out = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            int[] prompt = rng.ints(1 + rng.nextInt(6), 3, vocab).toArray();
            int[] completion = rng.ints(1 + rng.nextInt(12), 3, vocab).toArray();
            out.add(new Sequence(prompt, completion));
        }
        return out;
    }

    @Test
    void chunkedTokenLogProbsEqualTheWholeBatchLogSoftmax() throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 7)) {
            List<Sequence> seqs = batch(6, policy.config().vocabSize(), new SplittableRandom(1));
            float[] whole = tokenLogProbs(policy, seqs, Long.MAX_VALUE);
            // B = 6, V = 40: 240 logits per position, so these budgets give 1, 3 and 7 positions per chunk
            for (long budget : new long[] {1, 3 * 240, 7 * 240 + 5}) {
                float[] chunked = tokenLogProbs(policy, seqs, budget);
                assertArrayEquals(whole, chunked, 1e-5f, "chunk budget " + budget);
            }
            double[] sums = SequenceScorer.score(policy.model(), seqs, 6);
            assertTrue(sums[0] < 0, "a log-probability is negative");
        }
    }

    @Test
    void chunkedGradientsEqualTheWholeBatchGradients() throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(true), null, 11)) {
            List<Sequence> seqs = batch(5, policy.config().vocabSize(), new SplittableRandom(2));
            List<float[]> whole = gradients(policy, seqs, Long.MAX_VALUE);
            List<float[]> chunked = gradients(policy, seqs, 2 * 5 * 40); // 2 positions per chunk
            assertEquals(whole.size(), chunked.size());
            for (int p = 0; p < whole.size(); p++) {
                float scale = 0;
                for (float g : whole.get(p)) {
                    scale = Math.max(scale, Math.abs(g));
                }
                assertTrue(scale > 0, "parameter " + p + " has a gradient");
                assertArrayEquals(whole.get(p), chunked.get(p), 1e-5f, "gradient of parameter " + p);
            }
        }
    }

    @Test
    void positionsPerChunkFitTheBudgetAndNeverDropToZero() {
        assertEquals(13, SequenceScorer.positionsPerChunk(8, 512, 151_936, SequenceScorer.DEFAULT_CHUNK_LOGITS));
        assertEquals(1, SequenceScorer.positionsPerChunk(8, 512, 151_936, 1));
        assertEquals(512, SequenceScorer.positionsPerChunk(64, 512, 100, SequenceScorer.DEFAULT_CHUNK_LOGITS));
    }

    @Test
    void shouldRejectANonPositiveChunkBudget() throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SequenceScorer.logProbs(policy.model(), batch(1, 40, new SplittableRandom(3)), 0));
            assertTrue(e.getMessage().contains("chunkLogits"), e.getMessage());
        }
    }

    private static float[] tokenLogProbs(Policy policy, List<Sequence> seqs, long budget) {
        return GradMode.withoutGradients(() -> {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                return SequenceScorer.logProbs(policy.model(), seqs, budget).tokenLogProbs().toFloatArray();
            }
        });
    }

    /** d(sum of completion log-probs)/d(parameter) for every parameter, in parameter order. */
    private static List<float[]> gradients(Policy policy, List<Sequence> seqs, long budget) {
        policy.weights().setRequiresGradient(true);
        List<float[]> out = new ArrayList<>();
        try (NDScope scope = new NDScope(); GradientCollector collector = Engines.pytorch().newGradientCollector()) {
            scope.suppressNotUsedWarning();
            collector.zeroGradients();
            NDArray total = SequenceScorer.logProbs(policy.model(), seqs, budget).sum().sum();
            collector.backward(total);
            for (NDArray p : policy.weights().parameters()) {
                out.add(p.getGradient().toFloatArray());
            }
            collector.zeroGradients();
        }
        return out;
    }
}
