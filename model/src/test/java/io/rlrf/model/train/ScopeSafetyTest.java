package io.rlrf.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDScope;

import io.rlrf.model.Fixtures;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.generate.SamplingParams;

/**
 * Long-lived arrays (weights, their views, RoPE tables, optimiser moments) survive an {@link NDScope}
 * that happens to be open when they are created: a policy or trainer made inside a scope still works
 * after the scope closes.
 */
class ScopeSafetyTest {

    @TempDir
    Path tmp;

    @Test
    void policyCopyAndTrainerCreatedInsideAScopeOutliveIt() throws Exception {
        Policy policy;
        Policy copy;
        SftTrainer trainer;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            policy = Policy.initialize(Fixtures.tiny(false), null, 3);
            copy = policy.copy();
            trainer = new SftTrainer(policy.model(), OptimizerParams.of(1e-3, 0, 10), 8);
        }
        try (policy; copy; trainer) {
            SftStats stats = trainer.step(SftTrainerTest.batch(8, new SplittableRandom(1)));
            assertTrue(Double.isFinite(stats.loss()));
            int[] out = new Generator(copy.model(), null).generate(List.of(new GenerationRequest(new int[] {1, 5},
                    SamplingParams.greedy(4)))).get(0).tokens();
            assertEquals(4, out.length);
            policy.save(tmp.resolve("v1"), Map.of());
            try (Policy loaded = Policy.load(tmp.resolve("v1"))) {
                assertEquals(policy.config(), loaded.config());
            }
        }
    }
}
