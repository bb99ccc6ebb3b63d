package io.rlrf.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.BaseNDManager;

import io.rlrf.model.Fixtures;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.generate.SamplingParams;
import io.rlrf.model.score.SequenceScorer.Sequence;

/**
 * Native memory is scoped: 500 training steps (SFT and DPO alternating, with generation in
 * between, as in an RLRF iteration) leave no array behind (exact count) and leave resident memory
 * minus the committed Java heap within {@link #BOUND_MB} MiB of where it stood after a warm-up
 * (medians of three readings, because the allocator moves the figure by tens of MiB either way from
 * one reading to the next). Leaking one step's activations would add hundreds of MiB.
 */
class MemoryTest {

    /**
     * Noise, measured by hand over 3000 steps (this workload, and SFT, DPO and generation alone):
     * readings swing by up to about 50 MiB with no trend, and the mixed workload takes one lasting
     * step of about +130 MiB somewhere between steps 1000 and 1500 (allocator high-water, flat for
     * the 1500 steps after it). A leak of one SFT step's activations here (about 1 MiB) would add
     * about 500 MiB over the 500 steps; the exact array count catches any leaked NDArray.
     */
    static final long BOUND_MB = 256;

    /**
     * Steps before the baseline is taken. Measured: resident memory climbs for the first ~400 steps
     * (allocator arenas and libtorch's caches filling, the JIT compiling; no array is leaked: the
     * managers' array counts stay constant) and is then flat within a few MiB for 1000+ steps.
     */
    static final int WARM_UP = 400;

    @Test
    void fiveHundredTrainingStepsKeepResidentMemoryFlat() throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 1);
                Policy reference = policy.copy();
                SftTrainer sft = new SftTrainer(policy.model(), OptimizerParams.of(1e-4, 0, 1000), 8);
                DpoTrainer dpo = new DpoTrainer(policy.model(), new DpoParams(0.1, 0.1), OptimizerParams.of(1e-5, 0, 1000), 4)) {
            SplittableRandom rng = new SplittableRandom(3);
            List<ScoredPair> pairs = DpoTrainer.score(reference.model(), DpoTrainerTest.pairs(8, 4), 8);
            Generator gen = new Generator(policy.model(), null);
            for (int i = 0; i < WARM_UP; i++) {
                step(i, sft, dpo, pairs, gen, rng);
            }
            BaseNDManager weights = (BaseNDManager) policy.weights().manager();
            int arraysBefore = weights.getManagedArrays().size();
            long[] start = new long[3];
            long[] end = new long[3];
            for (int i = 0; i <= 500; i++) {
                if (i % 10 == 0 && i <= 20) {
                    start[i / 10] = nativeKb();
                }
                if (i % 10 == 0 && i >= 480) {
                    end[(i - 480) / 10] = nativeKb();
                }
                if (i < 500) {
                    step(i, sft, dpo, pairs, gen, rng);
                }
            }
            int arraysAfter = weights.getManagedArrays().size();
            long before = median(start);
            long after = median(end);
            long growthMb = (after - before) / 1024;
            System.out.printf("RSS minus Java heap (median of 3 readings) after warm-up %d MiB, after 500 more steps %d MiB:"
                    + " growth %d MiB (bound %d); live arrays on the weights' manager %d -> %d%n",
                    before / 1024, after / 1024, growthMb, BOUND_MB, arraysBefore, arraysAfter);
            assertEquals(arraysBefore, arraysAfter, "arrays left behind by training steps");
            assertTrue(growthMb < BOUND_MB, "resident memory grew by " + growthMb + " MiB over 500 steps");
        }
    }

    private static long median(long[] three) {
        long[] s = three.clone();
        java.util.Arrays.sort(s);
        return s[1];
    }

    private static void step(int i, SftTrainer sft, DpoTrainer dpo, List<ScoredPair> pairs, Generator gen,
            SplittableRandom rng) {
        if (i % 2 == 0) {
            sft.step(SftTrainerTest.batch(32, rng).stream().map(s -> new Sequence(s.prompt(), s.completion())).toList());
        } else {
            dpo.step(pairs);
        }
        if (i % 10 == 0) {
            gen.generate(List.of(new GenerationRequest(new int[] {1, 5, 6}, SamplingParams.sample(1, 1, 8, i))));
        }
    }

    /**
     * Resident memory minus the committed Java heap, after a GC: what native (libtorch) memory
     * occupies, without the noise of the heap growing and shrinking.
     */
    static long nativeKb() throws IOException {
        System.gc();
        try {
            Thread.sleep(100); // direct buffers are freed by the Cleaner thread after the collection
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return rssKb() - Runtime.getRuntime().totalMemory() / 1024;
    }

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
