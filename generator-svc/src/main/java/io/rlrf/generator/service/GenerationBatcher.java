package io.rlrf.generator.service;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
import io.rlrf.model.generate.EngineParams;
import io.rlrf.model.generate.FinishReason;
import io.rlrf.model.generate.GenerationEngine;
import io.rlrf.model.generate.GenerationRequest;

/**
 * Continuous batching across calls. Every Generate call submits its sequences (prompt x sample)
 * here; one worker thread, the only one that runs forward passes, hands them to the generation
 * engine of their model version and steps every engine that has work. In each step the engine
 * admits waiting sequences, from any call, into free rows (bounded by {@code max-batch-sequences}
 * rows and {@code max-batch-tokens} reserved positions), prefills each distinct prompt once, and
 * decodes one token for every running row; a sequence's future completes as soon as it finishes,
 * so a call is answered when its own last sequence is done, not when a batch is.
 *
 * <p>Each model version has its own engine, so sequences admitted before a hot swap finish on the
 * old model while later ones run on the new; the worker alternates steps between engines that have
 * work. When every engine is idle, arriving sequences wait for others while calls keep coming (up to
 * {@code max-wait} after the first, 1 ms after the latest), so that concurrent callers share one
 * prefill. A sequence whose call was cancelled is
 * dropped while it waits, and a running one is stopped at its next decode step.
 */
@ApplicationScoped
public class GenerationBatcher {

    private static final Logger LOG = Logger.getLogger(GenerationBatcher.class);

    /** How long the gathering waits for another call after the latest arrival. */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** One sequence to generate; {@code result} completes with its completion or the step's failure. */
    record Sequence(ServedModel model, GenerationRequest request, long admittedNanos,
            CompletableFuture<Completion> result, AtomicBoolean started) {
    }

    private final GeneratorConfig.Batching config;
    private final EngineParams engineParams;
    private final Limit queueLimit;
    private final GeneratorMetrics metrics;
    private final ArrayDeque<Sequence> incoming = new ArrayDeque<>(); // guarded by lock
    private final AtomicInteger notStarted = new AtomicInteger(); // queued here or waiting in an engine
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final Map<ServedModel, GenerationEngine> busy = new LinkedHashMap<>(); // worker thread only
    private final Thread worker;
    private volatile boolean running = true;

    public GenerationBatcher(GeneratorConfig config, GeneratorMetrics metrics) {
        this.config = config.batching();
        this.engineParams = new EngineParams(this.config.maxBatchSequences(), this.config.maxBatchTokens(),
                this.config.prefillChunk(), this.config.prefillBatchTokens(), this.config.sharePrefixes(),
                Math.min(this.config.minAdmitSequences(), this.config.maxBatchSequences()));
        this.queueLimit = new Limit(GeneratorConfig.PREFIX + ".batching.max-queued-sequences",
                this.config.maxQueuedSequences());
        this.metrics = metrics;
        metrics.queueLengthGauge(notStarted::get);
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
            Check.withinLimit("sequences waiting (queued + this call's prompts x n)", notStarted.get() + sequences.size(),
                    queueLimit);
            if (!running) {
                throw ServiceException.unavailable("generator-svc is shutting down");
            }
            for (GenerationRequest request : sequences) {
                CompletableFuture<Completion> result = new CompletableFuture<>();
                incoming.addLast(new Sequence(model, request, now, result, new AtomicBoolean()));
                results.add(result);
            }
            notStarted.addAndGet(sequences.size());
            arrived.signal();
        } finally {
            lock.unlock();
        }
        return results;
    }

    /** Sequences not yet decoding: queued here or waiting in an engine. */
    int queued() {
        return notStarted.get();
    }

    private void run() {
        while (running) {
            try {
                for (Sequence s : takeIncoming()) {
                    hand(s);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            stepEngines();
        }
    }

    /**
     * The sequences that arrived since the last step. With no engine busy it blocks until one
     * arrives, then gathers for up to {@code max-wait} (less once a full batch is there).
     */
    private List<Sequence> takeIncoming() throws InterruptedException {
        lock.lock();
        try {
            if (busy.isEmpty()) {
                while (incoming.isEmpty()) {
                    if (!running) {
                        return List.of();
                    }
                    arrived.await(100, TimeUnit.MILLISECONDS);
                }
                // Gather while calls keep arriving: up to max-wait after the first, and no longer than
                // QUIET after the latest (a single call does not wait the whole window for company).
                long deadline = incoming.peekFirst().admittedNanos() + config.maxWait().toNanos();
                long left;
                while (incoming.size() < config.maxBatchSequences() && running
                        && (left = Math.min(deadline, incoming.peekLast().admittedNanos() + QUIET_NANOS)
                                - System.nanoTime()) > 0) {
                    arrived.awaitNanos(left);
                }
            }
            List<Sequence> out = new ArrayList<>(incoming);
            incoming.clear();
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Gives a sequence to its model's engine; its result follows the engine's future. */
    private void hand(Sequence s) {
        if (s.request().cancelled().getAsBoolean()) {
            notStarted.decrementAndGet();
            metrics.cancelled(1);
            metrics.finished(FinishReason.CANCELLED);
            s.result().complete(cancelledCompletion(s));
            return;
        }
        GenerationEngine engine = busy.computeIfAbsent(s.model(), m -> m.engine(engineParams));
        CompletableFuture<Completion> done;
        try {
            done = engine.submit(s.request(), () -> started(s));
        } catch (RuntimeException e) { // the service checked the request; a mismatch is a bug, not the caller's
            notStarted.decrementAndGet();
            s.result().completeExceptionally(e);
            return;
        }
        done.whenComplete((completion, failure) -> {
            if (s.started().compareAndSet(false, true)) {
                notStarted.decrementAndGet(); // finished while waiting (cancelled) or failed
            }
            if (failure != null) {
                s.result().completeExceptionally(failure);
            } else {
                metrics.finished(completion.finishReason());
                s.result().complete(completion);
            }
        });
    }

    private void started(Sequence s) {
        if (s.started().compareAndSet(false, true)) {
            notStarted.decrementAndGet();
            metrics.queueWait(System.nanoTime() - s.admittedNanos());
        }
    }

    /** One step of every engine with work; engines left idle leave the busy set. */
    private void stepEngines() {
        for (Iterator<Map.Entry<ServedModel, GenerationEngine>> it = busy.entrySet().iterator(); it.hasNext();) {
            Map.Entry<ServedModel, GenerationEngine> e = it.next();
            ServedModel model = e.getKey();
            GenerationEngine engine = e.getValue();
            if (!engine.hasWork()) {
                it.remove();
                continue;
            }
            // Every sequence holds a reference to its model, so it is open; this one covers the step.
            if (!model.tryAcquire()) {
                LOG.errorf("model '%s' was closed with work queued", model.version());
                it.remove();
                continue;
            }
            try {
                GenerationEngine.Step step = engine.step();
                metrics.step(step);
            } catch (RuntimeException | Error failure) {
                // the engine failed every sequence it held, and is empty again
                LOG.errorf(failure, "a generation step on '%s' failed", model.version());
            } finally {
                model.release();
            }
            if (!engine.hasWork()) {
                it.remove();
            }
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
        for (GenerationEngine engine : busy.values()) { // the worker has stopped: nothing steps them any more
            engine.abort(ServiceException.unavailable("generator-svc is shutting down"));
        }
        busy.clear();
        lock.lock();
        try {
            for (Sequence s : incoming) {
                s.result().completeExceptionally(ServiceException.unavailable("generator-svc is shutting down"));
            }
            incoming.clear();
        } finally {
            lock.unlock();
        }
    }
}
