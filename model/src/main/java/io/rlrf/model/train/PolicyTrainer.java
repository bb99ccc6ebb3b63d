package io.rlrf.model.train;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;

import io.rlrf.model.Engines;
import io.rlrf.model.GradMode;
import io.rlrf.model.nn.LlamaModel;

/**
 * The training step both objectives share, in a fixed order: learning rate for this step; zero the
 * gradients; for each micro-batch, forward in a {@link GradientCollector}, loss (the micro-batch's
 * share of the batch mean, so accumulated gradients equal one big batch's), backward; clip; AdamW
 * step; return what was measured. Every native array a step creates is closed when it ends
 * ({@link NDScope}), so memory stays flat however many steps run.
 *
 * @param <E> one training example
 * @param <S> what a step reports
 */
public abstract sealed class PolicyTrainer<E, S> implements AutoCloseable permits SftTrainer, DpoTrainer {

    protected final LlamaModel model;
    private final OptimizerParams optimizerParams;
    private final AdamW optimizer;
    private final int microBatchSize;

    protected PolicyTrainer(LlamaModel model, OptimizerParams optimizerParams, int microBatchSize) {
        if (microBatchSize < 1) {
            throw new IllegalArgumentException("micro-batch size must be >= 1, got " + microBatchSize);
        }
        this.model = model;
        this.optimizerParams = optimizerParams;
        this.microBatchSize = microBatchSize;
        // only what is trained gets gradients and optimiser state: the adapter's A and B under LoRA
        model.prepareForTraining();
        this.optimizer = new AdamW(model.trainableParameters(), optimizerParams, model.weights().manager());
    }

    /** Optimiser steps taken so far. */
    public int stepsTaken() {
        return optimizer.stepsTaken();
    }

    /** One optimiser step on {@code batch}, split into micro-batches whose gradients accumulate. */
    public S step(List<? extends E> batch) {
        if (batch.isEmpty()) {
            throw new IllegalArgumentException("a training batch must not be empty");
        }
        // 1. learning rate for this step
        double lr = optimizerParams.learningRateAt(optimizer.stepsTaken());
        try (NDScope stepScope = new NDScope()) {
            stepScope.suppressNotUsedWarning();
            // 2. zero the gradients
            GradMode.withoutGradients(() -> {
                optimizer.zeroGradients();
                return null;
            });
            Accumulator<S> acc = newAccumulator(batch);
            for (int start = 0; start < batch.size(); start += microBatchSize) {
                List<? extends E> micro = batch.subList(start, Math.min(batch.size(), start + microBatchSize));
                try (NDScope microScope = new NDScope();
                        GradientCollector collector = Engines.pytorch().newGradientCollector()) {
                    microScope.suppressNotUsedWarning();
                    // 3. forward and 4. loss, this micro-batch's share of the batch objective
                    NDArray loss = microBatchLoss(micro, acc);
                    // 5. backward: gradients accumulate across micro-batches (through recomputed
                    //    blocks when the model checkpoints activations)
                    collector.backward(loss);
                    model.backwardThroughCheckpoints();
                }
                optimizer.gradientsComputed();
            }
            return GradMode.withoutGradients(() -> {
                // 6. clip the global gradient norm
                double norm = optimizer.clipGradients();
                // 7. optimiser step
                optimizer.step(lr);
                // 8. report
                return acc.result(optimizer.stepsTaken(), lr, norm);
            });
        }
    }

    /** A fresh accumulator for the statistics of one step over {@code batch}. */
    protected abstract Accumulator<S> newAccumulator(List<? extends E> batch);

    /**
     * The loss of {@code micro} scaled to its share of the batch objective (a scalar with autograd);
     * records its statistics in {@code acc}.
     */
    protected abstract NDArray microBatchLoss(List<? extends E> micro, Accumulator<S> acc);

    /** Collects a step's statistics across its micro-batches. */
    protected interface Accumulator<S> {
        S result(int step, double lr, double gradNorm);
    }

    @Override
    public void close() {
        optimizer.close();
    }
}
