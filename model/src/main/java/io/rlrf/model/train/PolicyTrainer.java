package io.rlrf.model.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import io.rlrf.model.Autograd;
import io.rlrf.model.Engines;
import io.rlrf.model.GradMode;
import io.rlrf.model.nn.LlamaModel;

/**
 * The training step both objectives share, in a fixed order: learning rate for this step; zero the
 * gradients; for each micro-batch, forward with gradients recorded ({@link Autograd}), loss (the
 * micro-batch's share of the batch mean, so accumulated gradients equal one big batch's), backward;
 * clip; AdamW step; return what was measured. Every native array a step creates is closed when it ends
 * ({@link NDScope}), so memory stays flat however many steps run.
 *
 * <p>Shards: with {@code shards} above 1 (on the CPU, full fine-tuning), a micro-batch is cut into that
 * many contiguous shards computed at once, each on its own thread with one libtorch thread, through
 * its own set of leaves over the same weights ({@link io.rlrf.model.LlamaWeights#aliases()}); their
 * gradients are then added into the weights' in shard order. Each shard's loss is its share of the
 * batch objective, so the sum is the micro-batch's gradient (up to float rounding: the sums depend on
 * the shard count, and only on it, so a step is deterministic). Under a LoRA adapter or on a GPU the
 * shards setting is ignored (one shard).
 *
 * @param <E> one training example
 * @param <S> what a step reports
 */
public abstract sealed class PolicyTrainer<E, S> implements AutoCloseable permits SftTrainer, DpoTrainer {

    protected final LlamaModel model;
    private final OptimizerParams optimizerParams;
    private final AdamW optimizer;
    private final int microBatchSize;
    /** Leaves of shards 1.. (shard 0 computes through {@link #model} itself); empty with one shard. */
    private final List<LlamaModel> shardModels = new ArrayList<>();
    private final ExecutorService shardThreads;
    /**
     * Whether the leaves of shard i (1..) hold gradient buffers yet, at {@code i - 1}, like {@link #shardModels}
     * (written by shard i's task only; shard 0's gradients are the weights' own, zeroed in step 2).
     */
    private final boolean[] shardGradients;

    protected PolicyTrainer(LlamaModel model, OptimizerParams optimizerParams, int microBatchSize) {
        this(model, optimizerParams, microBatchSize, 1);
    }

    protected PolicyTrainer(LlamaModel model, OptimizerParams optimizerParams, int microBatchSize, int shards) {
        if (microBatchSize < 1) {
            throw new IllegalArgumentException("micro-batch size must be >= 1, got " + microBatchSize);
        }
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be >= 1, got " + shards);
        }
        this.model = model;
        this.optimizerParams = optimizerParams;
        this.microBatchSize = microBatchSize;
        // only what is trained gets gradients and optimiser state: the adapter's A and B under LoRA
        model.prepareForTraining();
        this.optimizer = new AdamW(model.trainableParameters(), optimizerParams, model.weights().manager());
        int n = model.adapter().isPresent() || !model.weights().manager().getDevice().equals(Device.cpu()) ? 1
                : Math.min(shards, microBatchSize);
        for (int i = 1; i < n; i++) {
            LlamaModel shard = new LlamaModel(model.weights().aliases());
            shard.prepareForTraining();
            shardModels.add(shard);
        }
        this.shardGradients = new boolean[n - 1];
        this.shardThreads = n == 1 ? null : Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "training-shard");
            t.setDaemon(true);
            return t;
        });
    }

    /** Optimiser steps taken so far. */
    public int stepsTaken() {
        return optimizer.stepsTaken();
    }

    /** How many shards a micro-batch is computed in (1 unless asked, and on the CPU without an adapter). */
    public int shards() {
        return 1 + shardModels.size();
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
                // 3-5. forward, loss and backward of this micro-batch: whole, or in shards computed at once
                if (shardModels.isEmpty() || micro.size() == 1) {
                    backward(model, micro, acc);
                } else {
                    backwardInShards(micro, acc);
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

    /** Steps 3-5 for {@code micro} through {@code through}'s leaves, on this thread. */
    private void backward(LlamaModel through, List<? extends E> micro, Accumulator<S> acc) {
        try (NDScope microScope = new NDScope(); Autograd autograd = Autograd.record()) {
            microScope.suppressNotUsedWarning();
            // 3. forward and 4. loss, this micro-batch's share of the batch objective
            NDArray loss = microBatchLoss(through, micro, acc);
            // 5. backward: gradients accumulate across micro-batches (through recomputed blocks when the
            //    model checkpoints activations)
            autograd.backward(loss);
            through.backwardThroughCheckpoints();
        }
    }

    /**
     * Steps 3-5 for {@code micro} cut into contiguous shards computed at once (shard 0 through the
     * weights' own leaves, shard i through {@code shardModels[i - 1]}); then each shard's gradients and
     * figures are added in shard order, so the result does not depend on which shard finished first.
     */
    private void backwardInShards(List<? extends E> micro, Accumulator<S> acc) {
        int n = Math.min(shards(), micro.size());
        List<Accumulator<S>> figures = new ArrayList<>();
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<? extends E> shard = micro.subList(i * micro.size() / n, (i + 1) * micro.size() / n);
            LlamaModel through = i == 0 ? model : shardModels.get(i - 1);
            through.setActivationCheckpointing(model.activationCheckpointing());
            Accumulator<S> shardAcc = acc.empty();
            figures.add(shardAcc);
            int index = i;
            running.add(shardThreads.submit(() -> {
                // one libtorch thread per shard, set before each shard: the matrix library's count is the
                // process's latest, and the calling thread sets its own back after every micro-batch
                Engines.useThreadsOnThisThread(1);
                if (index > 0 && shardGradients[index - 1]) {
                    // a shard's own leaves start each micro-batch at zero (the weights' are zeroed in step 2)
                    GradMode.withoutGradients(() -> {
                        through.trainableParameters().forEach(p -> JniUtils.zeroGrad((PtNDArray) p));
                        return null;
                    });
                }
                backward(through, shard, shardAcc);
                if (index > 0) {
                    shardGradients[index - 1] = true;
                }
            }));
        }
        try {
            await(running);
        } finally {
            // the calling thread's own count again: libtorch's matrix library keeps one per process
            Engines.useThreadsOnThisThread(JniUtils.getNumThreads());
        }
        GradMode.withoutGradients(() -> {
            List<NDArray> params = model.trainableParameters();
            for (int i = 1; i < n; i++) {
                List<NDArray> shardParams = shardModels.get(i - 1).trainableParameters();
                for (int p = 0; p < params.size(); p++) {
                    params.get(p).getGradient().addi(shardParams.get(p).getGradient());
                }
            }
            return null;
        });
        for (Accumulator<S> f : figures) {
            acc.add(f);
        }
    }

    private static void await(List<Future<?>> running) {
        RuntimeException failure = null;
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (failure == null) {
                    failure = cause instanceof RuntimeException r ? r : new IllegalStateException(cause.getMessage(), cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure == null ? new IllegalStateException("interrupted while a training shard ran") : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** A fresh accumulator for the statistics of one step over {@code batch}. */
    protected abstract Accumulator<S> newAccumulator(List<? extends E> batch);

    /**
     * The loss of {@code micro} computed through {@code through} (the trained model, or a shard's leaves
     * over its weights), scaled to its share of the batch objective (a scalar with autograd); records its
     * statistics in {@code acc}. May run on several threads at once, each with its own {@code acc}.
     */
    protected abstract NDArray microBatchLoss(LlamaModel through, List<? extends E> micro, Accumulator<S> acc);

    /** Collects a step's statistics across its micro-batches. */
    protected interface Accumulator<S> {

        /** An accumulator with this one's batch totals and nothing recorded yet (a shard's). */
        Accumulator<S> empty();

        /** Adds what {@code other}, made by {@link #empty()}, recorded. */
        void add(Accumulator<S> other);

        S result(int step, double lr, double gradNorm);
    }

    @Override
    public void close() {
        if (shardThreads != null) {
            shardThreads.shutdownNow();
        }
        for (LlamaModel shard : shardModels) {
            shard.close();
            shard.weights().close();
        }
        optimizer.close();
    }
}
