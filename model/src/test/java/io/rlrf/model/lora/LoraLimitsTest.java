package io.rlrf.model.lora;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import io.rlrf.model.Compute;
import io.rlrf.model.Fixtures;
import io.rlrf.model.Policy;
import io.rlrf.model.train.DpoParams;
import io.rlrf.model.train.DpoTrainer;
import io.rlrf.model.train.OptimizerParams;

/**
 * What LoRA cannot be combined with is refused with what to change, never run wrongly: adapters on a
 * float16 policy (adapters compute in float32), and activation checkpointing with LoRA dropout (the
 * recomputed blocks would draw other dropout masks than the forward pass).
 */
class LoraLimitsTest {

    @TempDir
    Path dir;

    @Test
    void anAdapterOnAFloat16PolicyIsRefused() throws Exception {
        try (Policy p = Policy.initialize(Fixtures.tiny(false), null, 1)) {
            p.save(dir.resolve("base"), Map.of());
        }
        try (Policy half = Policy.load(dir.resolve("base"), new Compute(Device.cpu(), DataType.FLOAT16))) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> half.newAdapter(new LoraConfig(4, 8, 0, LoraConfig.MODULES), 2));
            assertTrue(e.getMessage().contains("LoRA adapters compute in float32"), e.getMessage());
        }
    }

    @Test
    void activationCheckpointingWithLoraDropoutIsRefused() throws Exception {
        try (Policy policy = Policy.initialize(Fixtures.tiny(false), null, 3)) {
            policy.newAdapter(new LoraConfig(4, 8, 0.1, LoraConfig.MODULES), 4);
            policy.model().setActivationCheckpointing(true);
            try (DpoTrainer trainer = new DpoTrainer(policy.model(), new DpoParams(0.1, 0), OptimizerParams.of(1e-3, 0, 10), 4)) {
                var scored = DpoTrainer.score(policy.model().withoutAdapter(), LoraTest.pairs(4, 5), 4);
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> trainer.step(scored));
                assertTrue(e.getMessage().contains("activation checkpointing cannot recompute LoRA dropout"), e.getMessage());
            }
        }
    }
}
