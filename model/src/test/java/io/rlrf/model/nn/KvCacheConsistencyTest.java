package io.rlrf.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import io.rlrf.model.Fixtures;
import io.rlrf.model.GradMode;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.generate.SamplingParams;

/**
 * The fast paths compute what the plain path computes. Tolerance: 1e-4 absolute on logits and
 * log-probabilities of magnitude ~1 to ~4 (float32 sums taken in a different order); the largest
 * difference seen is printed after the tests.
 */
class KvCacheConsistencyTest {

    static final float TOLERANCE = 1e-4f;

    @Test
    void kvCacheDecodingGivesTheSameLogitsAsAFullForwardPass() throws Exception {
        try (Policy p = Policy.initialize(Fixtures.tiny(false), null, 7)) {
            LlamaModel model = p.model();
            NDManager m = p.weights().manager();
            int[] seq = {1, 5, 9, 13, 2, 7, 30, 31, 4, 8, 22, 17};
            int t = seq.length;
            GradMode.withoutGradients(() -> {
                try (NDScope scope = new NDScope(); KvCache cache = new KvCache(m, 2, 1, 2, 8, t)) {
                    scope.suppressNotUsedWarning();
                    // reference: the whole sequence at once, logits at every position
                    float[] full = model.forward(ids(m, seq, 0, t), pos(m, 0, t), AttentionMask.bias(m, real(1, t, t), 0, t),
                            null, 0, false).toFloatArray(); // (1, T, V)
                    int v = p.config().vocabSize();
                    // prefill the first 5 tokens, then one token at a time through the cache
                    int prefill = 5;
                    float[] first = model.forward(ids(m, seq, 0, prefill), pos(m, 0, prefill),
                            AttentionMask.bias(m, real(1, t, prefill), 0, prefill), cache, 0, false).toFloatArray();
                    assertClose(slice(full, 0, prefill * v), first, "prefill");
                    for (int s = prefill; s < t; s++) {
                        float[] step = model.forward(ids(m, seq, s, s + 1), pos(m, s, s + 1),
                                AttentionMask.bias(m, real(1, t, s + 1), s, 1), cache, s, true).toFloatArray();
                        assertClose(slice(full, s * v, (s + 1) * v), step, "slot " + s);
                    }
                    assertEquals(t, cache.length());
                }
                return null;
            });
        }
    }

    @Test
    void aLeftPaddedBatchGivesEachPromptWhatItGetsAlone() throws Exception {
        try (Policy p = Policy.initialize(Fixtures.tiny(true), null, 11)) {
            Generator gen = new Generator(p.model(), null);
            List<GenerationRequest> reqs = List.of(
                    new GenerationRequest(new int[] {1, 4}, SamplingParams.greedy(12).withLogprobs(true)),
                    new GenerationRequest(new int[] {1, 9, 8, 7, 6, 5, 4, 3}, SamplingParams.greedy(6).withLogprobs(true)),
                    new GenerationRequest(new int[] {1, 20, 21, 22}, SamplingParams.sample(1.0, 0.9, 12, 42).withLogprobs(true)));
            List<Completion> batched = gen.generate(reqs);
            for (int i = 0; i < reqs.size(); i++) {
                Completion alone = gen.generate(List.of(reqs.get(i))).get(0);
                assertArrayEquals(alone.tokens(), batched.get(i).tokens(), "request " + i + " tokens");
                assertClose(alone.logprobs(), batched.get(i).logprobs(), "request " + i + " logprobs");
            }
        }
    }

    @Test
    void generationWithAndWithoutTheCacheAgrees() throws Exception {
        try (Policy p = Policy.initialize(Fixtures.tiny(false), null, 3)) {
            List<GenerationRequest> reqs = new ArrayList<>();
            reqs.add(new GenerationRequest(new int[] {1, 6, 7}, SamplingParams.greedy(20).withLogprobs(true)));
            reqs.add(new GenerationRequest(new int[] {1, 2, 3, 4, 5, 6}, SamplingParams.sample(0.8, 0.95, 20, 5)
                    .withLogprobs(true)));
            List<Completion> cached = new Generator(p.model(), null, true).generate(reqs);
            List<Completion> plain = new Generator(p.model(), null, false).generate(reqs);
            for (int i = 0; i < reqs.size(); i++) {
                assertArrayEquals(plain.get(i).tokens(), cached.get(i).tokens());
                assertClose(plain.get(i).logprobs(), cached.get(i).logprobs(), "request " + i);
            }
        }
    }

    static float worstSeen;

    @AfterAll
    static void reportWorstDifference() {
        System.out.println("KV cache / padding consistency: largest |difference| seen " + worstSeen);
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        float worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        worstSeen = Math.max(worstSeen, worst);
        assertTrue(worst <= TOLERANCE, what + ": max |difference| " + worst + " > " + TOLERANCE);
    }

    static float[] slice(float[] a, int from, int to) {
        return java.util.Arrays.copyOfRange(a, from, to);
    }

    static NDArray ids(NDManager m, int[] seq, int from, int to) {
        long[] out = new long[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = seq[i];
        }
        return m.create(out, new Shape(1, to - from));
    }

    static NDArray pos(NDManager m, int from, int to) {
        long[] out = new long[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = i;
        }
        return m.create(out, new Shape(1, to - from));
    }

    static boolean[][] real(int b, int capacity, int width) {
        boolean[][] r = new boolean[b][width];
        for (boolean[] row : r) {
            java.util.Arrays.fill(row, true);
        }
        return r;
    }

}
