package io.rlrf.generator.service;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.Check;
import io.rlrf.common.validation.Limit;
import io.rlrf.generator.config.GeneratorConfig;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.FinishReason;
import io.rlrf.model.generate.GenerationRequest;

/**
 * Batching across requests. Every Generate call submits its sequences (prompt x sample) here; one
 * worker thread, the only one that runs forward passes, takes the oldest waiting sequence, waits up
 * to {@code max-wait} for more to arrive (less if {@code max-batch-sequences} are already there),
 * and runs every waiting sequence of the same model version, up to the bound, as one
 * {@code Generator.generate} call. A batch only ever holds one version, so sequences admitted
 * before a hot swap run on the old model and later ones on the new.
 *
 * <p>The model library finishes a batch when its last row finishes, so a sequence that arrives
 * during a batch waits for the next one (no continuous batching). A sequence whose call was
 * cancelled is dropped from the queue, and a running one is stopped at the next decode step.
 */
@ApplicationScoped
public class GenerationBatcher {

    private static final Logger LOG = Logger.getLogger(GenerationBatcher.class);

    /** One sequence to generate; {@code result} completes with its completion or the batch's failure. */
    record Sequence(ServedModel model, GenerationRequest request, long admittedNanos,
            CompletableFuture<Completion> result) {
    }

    private final GeneratorConfig.Batching config;
    private final Limit queueLimit;
    private final GeneratorMetrics metrics;
    private final ArrayDeque<Sequence> queue = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final Thread worker;
    private volatile boolean running = true;

    public GenerationBatcher(GeneratorConfig config, GeneratorMetrics metrics) {
        this.config = config.batching();
        this.queueLimit = new Limit(GeneratorConfig.PREFIX + ".batching.max-queued-sequences",
                this.config.maxQueuedSequences());
        this.metrics = metrics;
        metrics.queueLengthGauge(this::queued);
        worker = new Thread(this::run, "rlrf-generation-batcher");
        worker.setDaemon(true);
        worker.start();
    }

    /** Queues {@code sequences} (all or none) and returns their results in the same order. */
    List<CompletableFuture<Completion>> submit(ServedModel model, List<GenerationRequest> sequences) {
        long now = System.nanoTime();
        List<CompletableFuture<Completion>> results = new ArrayList<>(sequences.size());
        lock.lock();
        try {
            Check.withinLimit("sequences waiting (queued + this call's prompts x n)", queue.size() + sequences.size(),
                    queueLimit);
            if (!running) {
                throw ServiceException.unavailable("generator-svc is shutting down");
            }
            for (GenerationRequest request : sequences) {
                CompletableFuture<Completion> result = new CompletableFuture<>();
                queue.addLast(new Sequence(model, request, now, result));
                results.add(result);
            }
            arrived.signal();
        } finally {
            lock.unlock();
        }
        return results;
    }

    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (running) {
            List<Sequence> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (!batch.isEmpty()) {
                execute(batch);
            }
        }
    }

    /** Waits for work, then gathers one batch of a single model version. */
    private List<Sequence> nextBatch() throws InterruptedException {
        int max = config.maxBatchSequences();
        lock.lock();
        try {
            while (queue.isEmpty()) {
                if (!running) {
                    return List.of();
                }
                arrived.await(100, TimeUnit.MILLISECONDS);
            }
            // Bounded wait: give concurrent callers a moment to join unless the batch is full already.
            long deadline = queue.peekFirst().admittedNanos() + config.maxWait().toNanos();
            long left;
            while (queue.size() < max && running && (left = deadline - System.nanoTime()) > 0) {
                arrived.awaitNanos(left);
            }
            List<Sequence> batch = new ArrayList<>(Math.min(max, queue.size()));
            ServedModel model = queue.peekFirst().model();
            int dropped = 0;
            for (Iterator<Sequence> it = queue.iterator(); it.hasNext() && batch.size() < max;) {
                Sequence s = it.next();
                if (s.request().cancelled().getAsBoolean()) {
                    it.remove();
                    s.result().complete(cancelledCompletion(s));
                    dropped++;
                } else if (s.model() == model) {
                    it.remove();
                    batch.add(s);
                }
            }
            if (dropped > 0) {
                metrics.cancelled(dropped);
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    private void execute(List<Sequence> batch) {
        ServedModel model = batch.get(0).model();
        long start = System.nanoTime();
        List<GenerationRequest> requests = new ArrayList<>(batch.size());
        for (Sequence s : batch) {
            metrics.queueWait(start - s.admittedNanos());
            requests.add(s.request());
        }
        // Every sequence holds a reference to its model, so it is open; this one covers the batch itself.
        if (!model.tryAcquire()) {
            fail(batch, new IllegalStateException("model '" + model.version() + "' was closed with work queued"));
            return;
        }
        try {
            List<Completion> completions = model.generator().generate(requests);
            int promptTokens = 0;
            int completionTokens = 0;
            int cancelled = 0;
            for (Completion c : completions) {
                promptTokens += c.promptTokens();
                completionTokens += c.tokens().length;
                cancelled += c.finishReason() == FinishReason.CANCELLED ? 1 : 0;
            }
            // Metrics first, then the callers: a caller that has its answer sees the batch counted.
            metrics.batch(batch.size(), promptTokens, completionTokens, System.nanoTime() - start);
            if (cancelled > 0) {
                metrics.cancelled(cancelled);
            }
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(completions.get(i));
            }
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "a batch of %d sequences on '%s' failed", batch.size(), model.version());
            fail(batch, e);
        } finally {
            model.release();
        }
    }

    private static void fail(List<Sequence> batch, Throwable e) {
        for (Sequence s : batch) {
            s.result().completeExceptionally(e);
        }
    }

    private static Completion cancelledCompletion(Sequence s) {
        return new Completion(new int[0], "", null, FinishReason.CANCELLED, s.request().prompt().length);
    }

    @PreDestroy
    void stop() {
        running = false;
        lock.lock();
        try {
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            worker.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            for (Sequence s : queue) {
                s.result().completeExceptionally(ServiceException.unavailable("generator-svc is shutting down"));
            }
            queue.clear();
        } finally {
            lock.unlock();
        }
    }
}
