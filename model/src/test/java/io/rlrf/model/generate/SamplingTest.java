package io.rlrf.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.rlrf.model.Fixtures;
import io.rlrf.model.Policy;

/** Sampling is seeded and truncates the distribution exactly as specified. */
class SamplingTest {

    @Test
    void greedyDecodingIsDeterministicAndEqualsArgmax() throws Exception {
        try (Policy p = Policy.initialize(Fixtures.tiny(false), null, 5)) {
            Generator gen = new Generator(p.model(), null);
            GenerationRequest r = new GenerationRequest(new int[] {1, 10, 11}, SamplingParams.greedy(15).withLogprobs(true));
            Completion a = gen.generate(List.of(r)).get(0);
            Completion b = gen.generate(List.of(r)).get(0);
            assertArrayEquals(a.tokens(), b.tokens());
            // argmax has the highest probability of all tokens: its log-prob is >= log(1/V)
            for (float lp : a.logprobs()) {
                assertTrue(lp >= Math.log(1.0 / p.config().vocabSize()) - 1e-6, "greedy token log-prob " + lp);
            }
        }
    }

    @Test
    void theSameSeedReproducesASampleAndAnotherSeedDoesNot() throws Exception {
        try (Policy p = Policy.initialize(Fixtures.tiny(false), null, 5)) {
            Generator gen = new Generator(p.model(), null);
            SamplingParams params = SamplingParams.sample(1.5, 1.0, 30, 1234);
            int[] prompt = {1, 3, 4};
            int[] first = gen.generate(List.of(new GenerationRequest(prompt, params))).get(0).tokens();
            int[] again = gen.generate(List.of(new GenerationRequest(prompt, params))).get(0).tokens();
            int[] other = gen.generate(List.of(new GenerationRequest(prompt, params.withSeed(99)))).get(0).tokens();
            assertArrayEquals(first, again);
            assertFalse(java.util.Arrays.equals(first, other), "a different seed gave the same 30 tokens");
        }
    }

    @Test
    void topPNeverReturnsATokenOutsideTheNucleus() {
        // probabilities 0.4, 0.3, 0.2, 0.05, 0.05 (logits = log p): the 0.75-nucleus is {0, 1, 2}
        float[] logits = {(float) Math.log(0.4), (float) Math.log(0.3), (float) Math.log(0.2),
                (float) Math.log(0.05), (float) Math.log(0.05)};
        NucleusSampler sampler = new NucleusSampler(1.0, 0, 0.75);
        SplittableRandom rng = new SplittableRandom(1);
        int[] counts = new int[5];
        for (int i = 0; i < 20_000; i++) {
            counts[sampler.sample(logits, 0, 5, rng)]++;
        }
        assertEquals(0, counts[3] + counts[4], "tokens outside the nucleus were drawn");
        assertTrue(counts[0] > 0 && counts[1] > 0 && counts[2] > 0, "every nucleus token is drawn");
        // renormalised inside the nucleus: 0.4/0.9 = 0.444
        assertEquals(0.444, counts[0] / 20_000.0, 0.02);
    }

    @Test
    void topKKeepsOnlyTheKMostLikelyTokens() {
        float[] logits = {0.1f, 3f, 2f, -1f, 2.5f};
        NucleusSampler sampler = new NucleusSampler(5.0, 2, 1.0); // hot, so the tail would show up
        SplittableRandom rng = new SplittableRandom(3);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 5_000; i++) {
            seen.add(sampler.sample(logits, 0, 5, rng));
        }
        assertEquals(Set.of(1, 4), seen);
    }

    @Test
    void nucleusSizeIsTheSmallestPrefixReachingP() {
        double[] probs = {0.5, 0.3, 0.15, 0.05};
        assertEquals(1, NucleusSampler.nucleusSize(probs, 4, 0.5));
        assertEquals(2, NucleusSampler.nucleusSize(probs, 4, 0.51));
        assertEquals(3, NucleusSampler.nucleusSize(probs, 4, 0.9));
        assertEquals(4, NucleusSampler.nucleusSize(probs, 4, 1.0));
    }

    @Test
    void maxNewTokensBoundsTheCompletionAndCancellationStopsIt() throws Exception {
        try (Policy p = Policy.initialize(Fixtures.tiny(false), null, 5)) {
            Generator gen = new Generator(p.model(), null);
            // high temperature over a 40-token vocabulary: EOS may end it early, never later than 7
            Completion c = gen.generate(List.of(new GenerationRequest(new int[] {1}, SamplingParams.sample(1, 1, 7, 3))))
                    .get(0);
            assertTrue(c.tokens().length <= 7);
            if (c.finishReason() == FinishReason.LENGTH) {
                assertEquals(7, c.tokens().length);
            } else {
                assertEquals(FinishReason.EOS, c.finishReason());
                assertEquals(p.config().eosTokenId(), c.tokens()[c.tokens().length - 1]);
            }

            AtomicInteger polls = new AtomicInteger();
            GenerationRequest cancelled = new GenerationRequest(new int[] {1, 5}, SamplingParams.greedy(40),
                    () -> polls.incrementAndGet() > 3);
            GenerationRequest normal = new GenerationRequest(new int[] {1, 5}, SamplingParams.greedy(40));
            List<Completion> both = new Generator(p.model(), null).generate(List.of(cancelled, normal));
            assertEquals(FinishReason.CANCELLED, both.get(0).finishReason());
            // polled once when admitted, then before every token: polls 2 and 3 sampled, poll 4 cancelled
            assertEquals(2, both.get(0).tokens().length, "stopped at the first poll after the cancel");
            assertNotEquals(FinishReason.CANCELLED, both.get(1).finishReason(), "its batch neighbour is unaffected");
        }
    }

    @Test
    void minNewTokensKeepsEosOutOfTheDrawUntilReached() throws Exception {
        try (Policy p = Policy.initialize(Fixtures.tiny(false), null, 5)) {
            Generator gen = new Generator(p.model(), null);
            int eos = p.config().eosTokenId();
            List<GenerationRequest> free = new java.util.ArrayList<>();
            List<GenerationRequest> bounded = new java.util.ArrayList<>();
            for (int seed = 0; seed < 40; seed++) {
                // temperature 3 over 40 tokens: EOS comes up within 12 tokens in many of 40 draws
                SamplingParams params = SamplingParams.sample(3.0, 1.0, 12, seed).withLogprobs(true);
                free.add(new GenerationRequest(new int[] {1, 7}, params));
                bounded.add(new GenerationRequest(new int[] {1, 7}, params.withMinNewTokens(12)));
            }
            long endedEarly = gen.generate(free).stream().filter(c -> c.finishReason() == FinishReason.EOS).count();
            assertTrue(endedEarly > 0, "without a minimum some completions end with EOS");
            for (Completion c : gen.generate(bounded)) {
                assertEquals(12, c.tokens().length);
                assertEquals(FinishReason.LENGTH, c.finishReason());
                for (int t : c.tokens()) {
                    assertNotEquals(eos, t);
                }
            }
            assertThrows(IllegalArgumentException.class, () -> SamplingParams.greedy(5).withMinNewTokens(6));
        }
    }

    @Test
    void samplingParamsRejectBadValues() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(-0.1, 1, 0, 5, List.of(), 0, false));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(Double.NaN, 1, 0, 5, List.of(), 0, false));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, 0, 0, 5, List.of(), 0, false));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, 1.01, 0, 5, List.of(), 0, false));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, 1, -1, 5, List.of(), 0, false));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, 1, 0, 0, List.of(), 0, false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SamplingParams(1, 1, 0, 5, List.of(""), 0, false));
        assertTrue(e.getMessage().contains("stop"), e.getMessage());
    }

    @Test
    void promptsLongerThanTheModelAllowsAreRejected() throws Exception {
        try (Policy p = Policy.initialize(Fixtures.tiny(false), null, 5)) {
            Generator gen = new Generator(p.model(), null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gen.generate(List.of(
                    new GenerationRequest(new int[60], SamplingParams.greedy(10)))));
            assertTrue(e.getMessage().contains("64 positions"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> gen.generate(List.of(
                    new GenerationRequest(new int[] {1, 400}, SamplingParams.greedy(10)))));
            assertTrue(e.getMessage().contains("token id 400"), e.getMessage());
        }
    }
}
