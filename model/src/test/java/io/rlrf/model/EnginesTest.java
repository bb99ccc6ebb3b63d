package io.rlrf.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

/** The pinned DJL + libtorch load offline and compute, including autograd, which training needs. */
class EnginesTest {

    @Test
    void pytorchEngineLoadsOfflineWithThePinnedLibtorch() {
        Engine engine = Engines.pytorch();
        assertEquals("PyTorch", engine.getEngineName());
        assertEquals("2.7.1", engine.getVersion());
    }

    /** The default build bundles the CPU libtorch; -Pcuda bundles cu124 (Engines names it when it cannot load). */
    @Test
    void theDefaultBuildBundlesTheCpuLibtorch() {
        assertEquals("cpu", Engines.bundledFlavor());
    }

    @Test
    void aBadTrainingShardsSettingIsRefusedNamingIt() {
        String before = System.getProperty(Engines.TRAINING_SHARDS_PROPERTY);
        try {
            System.setProperty(Engines.TRAINING_SHARDS_PROPERTY, "3");
            assertEquals(3, Engines.trainingShards());
            for (String bad : new String[] {"0", "-1", "two"}) {
                System.setProperty(Engines.TRAINING_SHARDS_PROPERTY, bad);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Engines::trainingShards);
                assertEquals("rlrf.torch.training-shards (or RLRF_TORCH_TRAINING_SHARDS) must be a positive integer, got '"
                        + bad + "'", e.getMessage());
            }
        } finally {
            restore(Engines.TRAINING_SHARDS_PROPERTY, before);
        }
    }

    @Test
    void aBadThreadsSettingIsRefusedNamingIt() {
        String before = System.getProperty(Engines.THREADS_PROPERTY);
        String shards = System.getProperty(Engines.TRAINING_SHARDS_PROPERTY);
        try {
            System.clearProperty(Engines.TRAINING_SHARDS_PROPERTY); // unset: the shards follow the threads
            System.setProperty(Engines.THREADS_PROPERTY, "3");
            if (System.getenv("RLRF_TORCH_TRAINING_SHARDS") == null) {
                assertEquals(3, Engines.trainingShards());
            }
            assertEquals(3, Engines.configuredThreads());
            for (String bad : new String[] {"0", "-2", "all"}) {
                System.setProperty(Engines.THREADS_PROPERTY, bad);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Engines::configuredThreads);
                assertEquals("rlrf.torch.threads (or RLRF_TORCH_THREADS) must be a positive integer, got '" + bad + "'",
                        e.getMessage());
                // the training shards default to the thread count, so they are refused for the same reason
                if (System.getenv("RLRF_TORCH_TRAINING_SHARDS") == null) {
                    assertThrows(IllegalArgumentException.class, Engines::trainingShards);
                }
            }
        } finally {
            restore(Engines.TRAINING_SHARDS_PROPERTY, shards);
            restore(Engines.THREADS_PROPERTY, before);
        }
    }

    /** Puts a system property back as it was: {@code value}, or unset when it was null. */
    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    @Test
    void matmulAndGradientAreCorrect() {
        try (NDManager manager = Engines.pytorch().newBaseManager()) {
            NDArray a = manager.create(new float[] {1, 2, 3, 4}, new Shape(2, 2)); // (2, 2)
            NDArray b = manager.create(new float[] {5, 6}, new Shape(2, 1)); // (2, 1)
            assertArrayEquals(new float[] {17, 39}, a.matMul(b).toFloatArray()); // (2, 1)

            // d/dx sum(x^2) = 2x
            NDArray x = manager.create(new float[] {1, -2, 3});
            x.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                collector.backward(x.mul(x).sum());
            }
            assertArrayEquals(new float[] {2, -4, 6}, x.getGradient().toFloatArray());
        }
    }
}
