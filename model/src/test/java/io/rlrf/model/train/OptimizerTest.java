package io.rlrf.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import io.rlrf.model.Engines;
import io.rlrf.model.GradMode;

/** AdamW, clipping and the learning-rate schedule against hand-computed values. */
class OptimizerTest {

    @Test
    void adamWFirstStepsMatchTheAlgorithm() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray w = m.create(new float[] {1f, -2f}, new ai.djl.ndarray.types.Shape(1, 2)); // a matrix: decayed
            w.setRequiresGradient(true);
            OptimizerParams p = new OptimizerParams(0.1, 0, 10, 0, 0.9, 0.999, 1e-8, 0.01, 0);
            try (AdamW opt = new AdamW(List.of(w), p, m)) {
                // loss = sum(w^2 / 2): gradient = w
                backward(w, opt);
                GradMode.withoutGradients(() -> {
                    opt.step(0.1);
                    return null;
                });
                // step 1: m^ = g, v^ = g^2, update = lr * g/|g| = 0.1 * sign(g); decay lr*wd*w first
                float[] after = w.toFloatArray();
                assertEquals(1 - 0.1 * 0.01 * 1 - 0.1, after[0], 1e-6);
                assertEquals(-2 + 0.1 * 0.01 * 2 + 0.1, after[1], 1e-6);

                // step 2 by hand, with the gradient at the new point
                double g0 = after[0];
                double m0 = 0.9 * (0.1 * 1) + 0.1 * g0; // m1 = 0.1 * g1 (g1 = 1)
                double v0 = 0.999 * (0.001 * 1) + 0.001 * g0 * g0;
                double expected = after[0] - 0.1 * 0.01 * after[0]
                        - 0.1 * (m0 / (1 - 0.81)) / (Math.sqrt(v0 / (1 - 0.999 * 0.999)) + 1e-8);
                opt.zeroGradients();
                backward(w, opt);
                GradMode.withoutGradients(() -> {
                    opt.step(0.1);
                    return null;
                });
                assertEquals(expected, w.toFloatArray()[0], 1e-6);
            }
        }
    }

    @Test
    void clippingScalesTheGlobalNormDownToTheLimit() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray a = m.create(new float[] {3f});
            NDArray b = m.create(new float[] {4f});
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            try (AdamW opt = new AdamW(List.of(a, b), OptimizerParams.of(0.1, 0, 1).withMaxGradNorm(1.0), m);
                    GradientCollector c = Engines.pytorch().newGradientCollector()) {
                c.backward(a.mul(a).div(2).add(b.mul(b).div(2)).sum()); // gradients 3 and 4: norm 5
                opt.gradientsComputed();
                double norm = GradMode.withoutGradients(opt::clipGradients);
                assertEquals(5.0, norm, 1e-6);
                assertEquals(0.6, a.getGradient().getFloat(), 1e-5);
                assertEquals(0.8, b.getGradient().getFloat(), 1e-5);
            }
        }
    }

    @Test
    void learningRateWarmsUpLinearlyThenFollowsACosineToTheFloor() {
        OptimizerParams p = OptimizerParams.of(1.0, 4, 14).withMinLrRatio(0.1);
        assertEquals(0.25, p.learningRateAt(0), 1e-12);
        assertEquals(1.0, p.learningRateAt(3), 1e-12);
        assertEquals(1.0, p.learningRateAt(4), 1e-12); // cosine starts at the peak
        assertEquals(0.1 + 0.9 * 0.5, p.learningRateAt(9), 1e-12); // halfway
        assertEquals(0.1, p.learningRateAt(14), 1e-12);
        assertEquals(0.1, p.learningRateAt(100), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> OptimizerParams.of(0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> OptimizerParams.of(1, 5, 4));
    }

    private static void backward(NDArray w, AdamW opt) {
        try (GradientCollector c = Engines.pytorch().newGradientCollector()) {
            c.backward(w.mul(w).div(2).sum());
        }
        opt.gradientsComputed();
    }
}
