package io.rlrf.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.SamplingParams;
import io.rlrf.model.nn.AttentionMask;
import io.rlrf.model.score.SequenceScorer;
import io.rlrf.model.score.SequenceScorer.Sequence;

/**
 * The device and compute-dtype settings: parsed once, refused with the setting's name when wrong or
 * when this CPU build of libtorch cannot honour them; float16 compute (possible on the CPU too)
 * gives fp32 logits close to the fp32 policy's and generates with a float16 K/V cache.
 */
class ComputeTest {

    @Test
    void defaultsAreFp32OnTheCpu() {
        assertEquals(Compute.CPU, Compute.parse(null, null, "rlrf.generator"));
        assertEquals(Compute.CPU, Compute.parse(" CPU ", "float32", "rlrf.generator"));
        assertEquals(new Compute(Device.cpu(), DataType.FLOAT16), Compute.parse("cpu", "float16", "rlrf.generator"));
    }

    @Test
    void cudaDevicesParseToGpuIndices() {
        assertEquals(Device.gpu(0), Compute.parseDevice("cuda", "rlrf.trainer.device"));
        assertEquals(Device.gpu(3), Compute.parseDevice("cuda:3", "rlrf.trainer.device"));
    }

    @Test
    void shouldRejectAnUnknownDeviceNamingTheSetting() {
        for (String bad : new String[] {"tpu", "cuda:", "cuda:-1", "cuda:x", "gpu0"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Compute.parse(bad, null, "rlrf.trainer"));
            assertTrue(e.getMessage().startsWith("rlrf.trainer.device must be cpu, cuda or cuda:N"), e.getMessage());
        }
    }

    @Test
    void shouldRejectAnUnknownComputeDtypeNamingTheSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Compute.parse("cpu", "int8", "rlrf.generator"));
        assertEquals("rlrf.generator.compute-dtype must be float32 or float16, got 'int8'", e.getMessage());
    }

    /** bf16 is refused by name, before a tensor exists: DJL's JNI aborts the JVM on one (Compute's Javadoc). */
    @Test
    void shouldRefuseBfloat16WithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Compute.parse("cpu", "bfloat16", "rlrf.generator"));
        assertTrue(e.getMessage().startsWith("rlrf.generator.compute-dtype=bfloat16 is not available"), e.getMessage());
    }

    /** This build loads the CPU libtorch: CUDA is refused with what to do, not a native crash later. */
    @Test
    void shouldRefuseCudaWhenTheLoadedLibtorchIsACpuBuild() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Compute.parse("cuda:0", null, "rlrf.generator"));
        assertTrue(e.getMessage().startsWith("rlrf.generator.device=cuda:0 asks for a GPU, but the loaded libtorch 2.7.1 "
                + "is a CPU build; build with -Pcuda"), e.getMessage());
    }

    @Test
    void float16ComputeGivesFp32LogitsCloseToTheFp32Policy(@TempDir Path dir) throws Exception {
        try (Policy fp32 = Policy.initialize(Fixtures.tiny(true), null, 5)) {
            fp32.save(dir.resolve("ckpt"), Map.of());
        }
        try (Policy fp32 = Policy.load(dir.resolve("ckpt"));
                Policy half = Policy.load(dir.resolve("ckpt"), Compute.parse("cpu", "float16", "rlrf.generator"))) {
            assertEquals(DataType.FLOAT16, half.compute().dtype());
            assertEquals(DataType.FLOAT16, half.weights().layers().get(0).qkv().getDataType());
            float[] a = logits(fp32);
            float[] b = logits(half); 
            float maxDiff = 0;
            float scale = 0;
            for (int i = 0; i < a.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                scale = Math.max(scale, Math.abs(a[i]));
            }
            // float16 keeps 11 significant bits: about 0.05% per rounding, a few roundings deep
            assertTrue(maxDiff < 0.01 * scale + 1e-3, "max |fp32 - fp16| = " + maxDiff + " over max |logit| " + scale);
            assertFalse(maxDiff == 0, "float16 compute really ran in float16");

            List<Sequence> seqs = List.of(new Sequence(new int[] {1, 5, 6}, new int[] {7, 8, 2}));
            double lpA = SequenceScorer.score(fp32.model(), seqs, 1)[0];
            double lpB = SequenceScorer.score(half.model(), seqs, 1)[0]; 
            assertEquals(lpA, lpB, 0.01 * Math.abs(lpA), "sequence log-probability, fp32 vs fp16");

            // generation: the K/V cache is float16, sampling reads fp32 logits
            List<Completion> out = half.generator().generate(List.of(
                    new GenerationRequest(new int[] {1, 5, 6}, SamplingParams.sample(1, 1, 12, 3))));
            assertEquals(1, out.size());
            assertTrue(out.get(0).tokens().length > 0, "tokens were generated");
        }
    }

    private static float[] logits(Policy p) {
        return GradMode.withoutGradients(() -> {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                int t = 10;
                long[] ids = new SplittableRandom(9).longs(t, 3, p.config().vocabSize()).toArray();
                long[] pos = new long[t];
                boolean[][] real = new boolean[1][t];
                for (int i = 0; i < t; i++) {
                    pos[i] = i;
                    real[0][i] = true;
                }
                var m = p.weights().manager();
                NDArray logits = p.model().forward(Tensors.of(m, ids, new Shape(1, t)), Tensors.of(m, pos, new Shape(1, t)),
                        AttentionMask.bias(m, real, 0, t), null, 0, false); // (1, T, V)
                assertEquals(DataType.FLOAT32, logits.getDataType());
                return logits.toFloatArray();
            }
        });
    }
}
