package io.rlrf.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import io.rlrf.model.GradMode;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.nn.AttentionMask;

/**
 * The engine's fast paths (a prompt prefilled once and shared by its samples, chunked prefill,
 * continuous batching with rows leaving and joining) give exactly the completions of the plain path
 * (one request at a time, its prompt in one pass, nothing shared), and greedy decoding equals the
 * argmax of a full forward pass. Log-probabilities agree within 1e-4 (float32 sums in another
 * order); the largest difference seen is printed after the tests.
 */
class GenerationEngineTest {

    /** V=40, C=32, 2 layers, 4 heads, 2 K/V heads (GQA), 256 positions: room for several chunks. */
    static final LlamaConfig CONFIG = LlamaConfig.of(40, 32, 64, 2, 4, 2, 256, true);

    /**
     * Small everything, so that one workload exercises every path: 4 rows, chunks of 16, 3 prompts per
     * prefill pass, a new prompt admitted as soon as one row is free.
     */
    static final EngineParams TIGHT = new EngineParams(4, 10_000, 16, 48, true, 1, 0);

    static float worstSeen;

    @Test
    void sharedPrefixesChunkedPrefillAndContinuousBatchingGiveThePlainPathsSamples() throws Exception {
        try (Policy p = Policy.initialize(CONFIG, null, 21)) {
            List<GenerationRequest> requests = workload();
            List<Completion> plain = new Generator(p.model(), null, EngineParams.plain()).generate(requests);

            GenerationEngine engine = new GenerationEngine(p.model(), null, TIGHT);
            List<CompletableFuture<Completion>> futures = new ArrayList<>();
            for (GenerationRequest r : requests) {
                futures.add(engine.submit(r));
            }
            int steps = 0;
            int shared = 0;
            int prefilled = 0;
            int passes = 0;
            int joinedWhileDecoding = 0;
            int maxRows = 0;
            while (engine.hasWork()) {
                GenerationEngine.Step s = engine.step();
                steps++;
                shared += s.sharedTokens();
                prefilled += s.prefilledPrompts();
                passes += s.prefillPasses();
                maxRows = Math.max(maxRows, s.decodeRows());
                if (s.admitted() > 0 && steps > 1) {
                    joinedWhileDecoding++;
                }
            }
            engine.close();
            for (int i = 0; i < requests.size(); i++) {
                Completion fast = futures.get(i).join();
                assertArrayEquals(plain.get(i).tokens(), fast.tokens(), "request " + i + " tokens");
                assertEquals(plain.get(i).finishReason(), fast.finishReason(), "request " + i + " finish reason");
                assertClose(plain.get(i).logprobs(), fast.logprobs(), "request " + i + " logprobs");
            }
            // and the fast paths were taken
            assertTrue(shared > 0, "some prompt was copied, not recomputed");
            assertTrue(prefilled < requests.size(), "fewer prompts computed (" + prefilled + ") than requests");
            assertTrue(passes > prefilled / 3, "prompts longer than a chunk took several passes");
            assertTrue(joinedWhileDecoding > 0, "rows joined while others were decoding");
            assertTrue(maxRows <= TIGHT.maxRows(), "never more than maxRows rows decoding");
        }
    }

    @Test
    void twinRowsAreComputedOnceAndRowsThatPartGoOnFromTheirOwnCacheRows() throws Exception {
        try (Policy p = Policy.initialize(CONFIG, null, 25)) {
            // 3 prompts x 6 samples at low temperatures: siblings decode the same tokens for a while (at 0.05 for
            // good), and some part
            SplittableRandom rng = new SplittableRandom(3);
            List<GenerationRequest> requests = new ArrayList<>();
            for (int q = 0; q < 3; q++) {
                int[] prompt = prompt(rng, 20 + 30 * q);
                for (int j = 0; j < 6; j++) {
                    requests.add(new GenerationRequest(prompt,
                            SamplingParams.sample(j < 3 ? 0.05 : 0.1, 1.0, 30 + j, 100L * q + j).withLogprobs(true)));
                }
            }
            List<Completion> plain = new Generator(p.model(), null, EngineParams.plain()).generate(requests);
            // 8 rows: rows finish and join, so twins end up anywhere and must be moved into place
            GenerationEngine engine = new GenerationEngine(p.model(), null, TIGHT.withMaxRows(8));
            List<CompletableFuture<Completion>> futures = new ArrayList<>();
            for (GenerationRequest r : requests) {
                futures.add(engine.submit(r));
            }
            GenerationEngine.Step total = engine.drain();
            engine.close();
            int parted = 0;
            for (int i = 0; i < requests.size(); i++) {
                Completion fast = futures.get(i).join();
                assertArrayEquals(plain.get(i).tokens(), fast.tokens(), "request " + i + " tokens");
                assertClose(plain.get(i).logprobs(), fast.logprobs(), "request " + i + " logprobs");
                if (i % 6 > 0) {
                    int[] a = futures.get(i - 1).join().tokens();
                    int[] b = fast.tokens();
                    int common = Arrays.mismatch(a, b);
                    if (common >= 2 && common < Math.min(a.length, b.length)) {
                        parted++; // twins for at least 2 tokens, then different
                    }
                }
            }
            assertTrue(total.decodeComputed() < 0.75 * total.decodeRows(),
                    "twins computed once: " + total.decodeComputed() + " of " + total.decodeRows() + " rows");
            assertTrue(parted > 0, "some siblings decoded the same tokens, then parted");
        }
    }

    @Test
    void theEnginesDefaultPathEqualsTheFullRecomputeReference() throws Exception {
        try (Policy p = Policy.initialize(CONFIG, null, 22)) {
            List<GenerationRequest> requests = workload().subList(0, 9);
            List<Completion> reference = new Generator(p.model(), null, false).generate(requests);
            List<Completion> fast = new Generator(p.model(), null).generate(requests);
            for (int i = 0; i < requests.size(); i++) {
                assertArrayEquals(reference.get(i).tokens(), fast.get(i).tokens(), "request " + i + " tokens");
                assertClose(reference.get(i).logprobs(), fast.get(i).logprobs(), "request " + i + " logprobs");
            }
        }
    }

    @Test
    void greedyDecodingEqualsTheArgmaxOfAFullForwardPass() throws Exception {
        try (Policy p = Policy.initialize(CONFIG, null, 23)) {
            List<GenerationRequest> requests = new ArrayList<>();
            SplittableRandom rng = new SplittableRandom(5);
            for (int length : new int[] {1, 17, 40, 90}) {
                requests.add(new GenerationRequest(prompt(rng, length), SamplingParams.greedy(30)));
            }
            List<Completion> out = new Generator(p.model(), null, TIGHT).generate(requests);
            int vocab = CONFIG.vocabSize();
            for (int i = 0; i < requests.size(); i++) {
                int[] prompt = requests.get(i).prompt();
                int[] gen = out.get(i).tokens();
                int[] seq = Arrays.copyOf(prompt, prompt.length + gen.length - 1);
                System.arraycopy(gen, 0, seq, prompt.length, gen.length - 1);
                float[] logits = fullForward(p, seq); // (T, V)
                for (int j = 0; j < gen.length; j++) {
                    int at = prompt.length - 1 + j;
                    int best = new GreedySampler().sample(logits, at * vocab, vocab, null);
                    assertEquals(best, gen[j], "request " + i + ", token " + j);
                }
            }
        }
    }

    @Test
    void aRowAdmittedWhileItsSiblingDecodesCopiesThePromptInsteadOfRecomputingIt() throws Exception {
        try (Policy p = Policy.initialize(CONFIG, null, 24);
                GenerationEngine engine = new GenerationEngine(p.model(), null, TIGHT.withMaxRows(2))) {
            int[] prompt = prompt(new SplittableRandom(9), 50);
            List<CompletableFuture<Completion>> futures = new ArrayList<>();
            for (int j = 0; j < 5; j++) {
                // different lengths, so siblings finish at different times and later ones join mid-decode
                futures.add(engine.submit(new GenerationRequest(prompt, SamplingParams.sample(1.0, 1.0, 3 + 4 * j, j))));
            }
            int computed = 0;
            int shared = 0;
            while (engine.hasWork()) {
                GenerationEngine.Step s = engine.step();
                computed += s.prefilledPrompts();
                shared += s.sharedTokens();
            }
            assertEquals(1, computed, "the prompt is computed once");
            assertEquals(4 * prompt.length, shared, "and copied to the 4 other rows");
            for (int j = 0; j < 5; j++) {
                Completion alone = new Generator(p.model(), null, EngineParams.plain()).generate(List.of(
                        new GenerationRequest(prompt, SamplingParams.sample(1.0, 1.0, 3 + 4 * j, j)))).get(0);
                assertArrayEquals(alone.tokens(), futures.get(j).join().tokens(), "sample " + j);
            }
        }
    }

    @Test
    void aPromptSharingALongPrefixWithAHeldPromptComputesOnlyItsRest() throws Exception {
        try (Policy p = Policy.initialize(CONFIG, null, 31);
                GenerationEngine engine = new GenerationEngine(p.model(), null, EngineParams.defaults().withMinSharedPrefix(8))) {
            List<int[]> prompts = sharedPrefixPrompts();
            for (int i = 0; i < prompts.size(); i++) {
                engine.submit(new GenerationRequest(prompts.get(i), SamplingParams.sample(0.9, 1.0, 5, i)));
            }
            GenerationEngine.Step total = engine.drain();
            int computed = total.prefillTokens();
            int shared = total.sharedTokens();
            // the first prompt runs whole; each other shares SHARED_PREFIX tokens with it (the 30-token one
            // all but its last token, whose logits it must compute), and the exact copy shares everything
            int[] lengths = prompts.stream().mapToInt(x -> x.length).toArray();
            int expectedComputed = lengths[0] + (lengths[1] - SHARED_PREFIX) + (lengths[2] - SHARED_PREFIX) + 1
                    + (lengths[4] - SHARED_PREFIX);
            assertEquals(expectedComputed, computed, "prompt tokens computed");
            assertEquals(3 * SHARED_PREFIX + 29 + lengths[5], shared, "prompt tokens copied");
        }
    }

    @Test
    void sharedPrefixesGiveThePlainPathsSamplesWhetherTheHolderIsAdmittedWithThemOrDecoding() throws Exception {
        for (LlamaConfig config : List.of(CONFIG, withSlidingWindow(CONFIG, 20))) {
            try (Policy p = Policy.initialize(config, null, 32)) {
                List<GenerationRequest> requests = new ArrayList<>();
                List<int[]> prompts = sharedPrefixPrompts();
                for (int i = 0; i < prompts.size(); i++) {
                    for (int j = 0; j < 2; j++) { // different lengths: rows leave and later prompts join mid-decode
                        requests.add(new GenerationRequest(prompts.get(i),
                                SamplingParams.sample(0.8, 0.95, 2 + 7 * ((i + j) % 4), 100L * i + j).withLogprobs(true)));
                    }
                }
                List<Completion> plain = new Generator(p.model(), null, EngineParams.plain()).generate(requests);
                for (EngineParams params : List.of(TIGHT.withMinSharedPrefix(8), EngineParams.defaults().withMinSharedPrefix(8))) {
                    List<Completion> fast = new Generator(p.model(), null, params).generate(requests);
                    for (int i = 0; i < requests.size(); i++) {
                        String what = "window " + config.slidingWindow() + ", " + params.maxRows() + " rows, request " + i;
                        assertArrayEquals(plain.get(i).tokens(), fast.get(i).tokens(), what + " tokens");
                        assertClose(plain.get(i).logprobs(), fast.get(i).logprobs(), what + " logprobs");
                    }
                }
            }
        }
    }

    @Test
    void aNegativeMinimumSharedPrefixIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EngineParams.defaults().withMinSharedPrefix(-1));
        assertTrue(e.getMessage().contains("minSharedPrefix"), e.getMessage());
    }

    static final int SHARED_PREFIX = 45;

    /**
     * A 45-token prefix (three chunks of 16 and a bit) followed by rests of 1 to 40 tokens; the fourth
     * prompt is the prefix's first 30 tokens, the sixth an exact copy of the second.
     */
    static List<int[]> sharedPrefixPrompts() {
        SplittableRandom rng = new SplittableRandom(11);
        int[] prefix = prompt(rng, SHARED_PREFIX);
        List<int[]> out = new ArrayList<>();
        int[] rests = {40, 17, 1, -15, 33};
        for (int k = 0; k < rests.length; k++) {
            int[] x = Arrays.copyOf(prefix, SHARED_PREFIX + rests[k]);
            for (int i = SHARED_PREFIX; i < x.length; i++) {
                x[i] = 3 + rng.nextInt(CONFIG.vocabSize() - 3);
            }
            if (rests[k] > 0) {
                x[SHARED_PREFIX] = 3 + k; // a different first token after the prefix: the common prefix is exactly 45
            }
            out.add(x);
        }
        out.add(out.get(1).clone());
        return out;
    }

    static LlamaConfig withSlidingWindow(LlamaConfig c, int window) {
        return new LlamaConfig(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(),
                c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.maxPositionEmbeddings(), c.rmsNormEps(),
                c.ropeTheta(), c.tieWordEmbeddings(), c.bosTokenId(), c.eosTokenId(), c.architecture(), c.ropeScaling(),
                c.qkvBias(), c.oProjBias(), window);
    }

    @Test
    void theTokenBudgetBoundsTheRowsDecodingTogetherButALongRowStillRunsAlone() throws Exception {
        try (Policy p = Policy.initialize(CONFIG, null, 25);
                GenerationEngine engine = new GenerationEngine(p.model(), null, TIGHT.withMaxBatchTokens(100))) {
            SplittableRandom rng = new SplittableRandom(3);
            List<CompletableFuture<Completion>> futures = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                futures.add(engine.submit(new GenerationRequest(prompt(rng, 30), SamplingParams.greedy(20)))); // 50 each
            }
            futures.add(engine.submit(new GenerationRequest(prompt(rng, 120), SamplingParams.greedy(20)))); // 140 > 100
            int widest = 0;
            while (engine.hasWork()) {
                widest = Math.max(widest, engine.step().decodeRows());
            }
            assertEquals(2, widest, "two rows of 50 reserved positions fit a budget of 100, three do not");
            for (CompletableFuture<Completion> f : futures) {
                assertTrue(f.isDone() && !f.isCompletedExceptionally());
            }
        }
    }

    @Test
    void whileRowsDecodeNewPromptsAreAdmittedSeveralAtATime() throws Exception {
        try (Policy p = Policy.initialize(CONFIG, null, 28);
                GenerationEngine engine = new GenerationEngine(p.model(), null, TIGHT.withMaxRows(8).withMinAdmit(4))) {
            SplittableRandom rng = new SplittableRandom(6);
            for (int i = 0; i < 30; i++) {
                engine.submit(new GenerationRequest(prompt(rng, 5 + rng.nextInt(20)), SamplingParams.greedy(2 + rng.nextInt(20))));
            }
            int admissions = 0;
            while (engine.hasWork()) {
                int runningBefore = engine.runningCount();
                int waitingBefore = engine.waitingCount();
                GenerationEngine.Step s = engine.step();
                if (s.admitted() > 0 && runningBefore > 0) {
                    admissions++;
                    assertTrue(s.admitted() >= Math.min(4, waitingBefore),
                            s.admitted() + " admitted with " + runningBefore + " rows running and " + waitingBefore + " waiting");
                }
            }
            assertTrue(admissions > 0, "some prompts were admitted while others decoded");
        }
    }

    @Test
    void aCallerIsAnsweredAsSoonAsItsRowFinishesNotWhenTheBatchDoes() throws Exception {
        try (Policy p = Policy.initialize(CONFIG, null, 26);
                GenerationEngine engine = new GenerationEngine(p.model(), null, TIGHT)) {
            SplittableRandom rng = new SplittableRandom(4);
            CompletableFuture<Completion> shortOne = engine.submit(new GenerationRequest(prompt(rng, 10), SamplingParams.greedy(2)));
            CompletableFuture<Completion> longOne = engine.submit(new GenerationRequest(prompt(rng, 10), SamplingParams.greedy(40)));
            engine.step(); // admit both, first tokens, one decoding pass: the short one has its 2 tokens
            assertTrue(shortOne.isDone(), "the 2-token request is answered after its second token");
            assertFalse(longOne.isDone());
            while (engine.hasWork()) {
                engine.step();
            }
            assertTrue(longOne.isDone());
        }
    }

    @Test
    void aCancelledWaitingRequestIsDroppedWithoutCompute() throws Exception {
        try (Policy p = Policy.initialize(CONFIG, null, 27);
                GenerationEngine engine = new GenerationEngine(p.model(), null, TIGHT.withMaxRows(1))) {
            AtomicBoolean cancel = new AtomicBoolean();
            CompletableFuture<Completion> first = engine.submit(new GenerationRequest(new int[] {1, 2}, SamplingParams.greedy(5)));
            CompletableFuture<Completion> queued = engine.submit(new GenerationRequest(new int[] {1, 3},
                    SamplingParams.greedy(5), cancel::get));
            engine.step();
            cancel.set(true);
            GenerationEngine.Step s = engine.step();
            assertEquals(FinishReason.CANCELLED, queued.join().finishReason());
            assertEquals(0, queued.join().tokens().length);
            assertEquals(1, s.cancelled());
            while (engine.hasWork()) {
                engine.step();
            }
            assertTrue(first.join().tokens().length > 0);
        }
    }

    /**
     * Prompts of 1 to 150 tokens (longer than a chunk, and shorter), each sampled 1 to 4 times with
     * its own seed, lengths 1 to 40, greedy and nucleus sampling, logprobs on: 26 requests.
     */
    static List<GenerationRequest> workload() {
        SplittableRandom rng = new SplittableRandom(17);
        List<GenerationRequest> out = new ArrayList<>();
        int[] lengths = {150, 1, 33, 16, 64, 7, 101, 48, 2, 80};
        for (int q = 0; q < lengths.length; q++) {
            int[] prompt = prompt(rng, lengths[q]);
            int n = 1 + q % 4;
            for (int j = 0; j < n && out.size() < 26; j++) {
                int maxNew = 1 + (int) ((q * 7L + j * 13L) % 40);
                SamplingParams params = q % 5 == 3 ? SamplingParams.greedy(maxNew)
                        : SamplingParams.sample(0.7 + 0.1 * (q % 4), q % 2 == 0 ? 0.95 : 1.0, maxNew, 1000L * q + j);
                out.add(new GenerationRequest(prompt, params.withLogprobs(true)));
            }
        }
        return out;
    }

    /** BOS, then random ids avoiding BOS and EOS. */
    static int[] prompt(SplittableRandom rng, int length) {
        int[] p = new int[length];
        p[0] = CONFIG.bosTokenId();
        for (int i = 1; i < length; i++) {
            p[i] = 3 + rng.nextInt(CONFIG.vocabSize() - 3);
        }
        return p;
    }

    /** Logits at every position of {@code seq}, no cache: (T, V) flattened. */
    static float[] fullForward(Policy p, int[] seq) {
        return GradMode.withoutGradients(() -> {
            NDManager m = p.weights().manager();
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                long[] ids = new long[seq.length];
                long[] pos = new long[seq.length];
                boolean[][] real = new boolean[1][seq.length];
                for (int i = 0; i < seq.length; i++) {
                    ids[i] = seq[i];
                    pos[i] = i;
                    real[0][i] = true;
                }
                return p.model().forward(m.create(ids, new Shape(1, seq.length)), m.create(pos, new Shape(1, seq.length)),
                        AttentionMask.bias(m, real, 0, seq.length), null, 0, false).toFloatArray();
            }
        });
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        float worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        worstSeen = Math.max(worstSeen, worst);
        assertTrue(worst <= 1e-4f, what + ": max |difference| " + worst + " > 1e-4");
    }

    @AfterAll
    static void reportWorstDifference() {
        System.out.println("engine / plain path: largest |log-prob difference| seen " + worstSeen);
    }
}
