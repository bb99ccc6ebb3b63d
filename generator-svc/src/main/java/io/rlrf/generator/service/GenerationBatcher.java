package io.rlrf.generator.service;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.Check;
import io.rlrf.common.validation.Limit;
import io.rlrf.generator.config.GeneratorConfig;
import io.rlrf.model.Engines;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.EngineParams;
import io.rlrf.model.generate.FinishReason;
import io.rlrf.model.generate.GenerationEngine;
import io.rlrf.model.generate.GenerationRequest;

/**
 * Continuous batching across calls. Every Generate call submits its sequences (prompt x sample)
 * here; they go to one of {@code lanes} batching lanes, and each lane's worker thread, the only one
 * that runs its forward passes, hands them to its generation engine for their model version and steps
 * every engine that has work. In each step an engine admits waiting sequences, from any call, into
 * free rows (bounded by {@code max-batch-sequences} rows and {@code max-batch-tokens} reserved
 * positions), prefills each distinct prompt once, and decodes one token for every running row; a
 * sequence's future completes as soon as it finishes, so a call is answered when its own last
 * sequence is done, not when a batch is.
 *
 * <p>Lanes (default 1): each lane has its own engines and KV caches over the same weights, and its
 * worker uses libtorch's threads divided among the lanes. A call's sequences are spread over the lanes
 * by prompt: all the sequences of one prompt go to the same lane (so its prefill is still computed
 * once), each prompt to the lane with the fewest positions reserved by unfinished sequences. For a
 * policy too small to keep every core busy in one forward pass, two lanes of one thread do more work
 * than one lane of two (see {@code rlrf.generator.batching.lanes}).
 *
 * <p>Each model version has its own engine in a lane, so sequences admitted before a hot swap finish
 * on the old model while later ones run on the new; a worker alternates steps between engines that
 * have work. When a lane's engines are idle, arriving sequences wait for others while calls keep
 * coming (up to {@code max-wait} after the first, 1 ms after the latest), so that concurrent callers
 * share one prefill. A sequence whose call was cancelled is dropped while it waits, and a running one
 * is stopped at its next decode step.
 */
@ApplicationScoped
public class GenerationBatcher {

    private static final Logger LOG = Logger.getLogger(GenerationBatcher.class);

    /** How long the gathering waits for another call after the latest arrival. */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** Most lanes {@code rlrf.generator.batching.lanes} accepts. */
    static final int MAX_LANES = 64;

    /** One sequence to generate; {@code result} completes with its completion or the step's failure. */
    record Sequence(ServedModel model, GenerationRequest request, long admittedNanos,
            CompletableFuture<Completion> result, AtomicBoolean started) {
    }

    private final GeneratorConfig.Batching config;
    private final EngineParams engineParams;
    private final Limit queueLimit;
    private final GeneratorMetrics metrics;
    private final AtomicInteger notStarted = new AtomicInteger(); // queued in a lane or waiting in an engine
    private final Object admission = new Object(); // the queue limit's check and the lanes' queues, together
    private final Lane[] lanes;
    private volatile boolean running = true;

    public GenerationBatcher(GeneratorConfig config, GeneratorMetrics metrics) {
        this.config = config.batching();
        if (this.config.minSharedPrefix() < 0) {
            throw new IllegalArgumentException(GeneratorConfig.PREFIX + ".batching.min-shared-prefix must be >= 0 (0: whole "
                    + "prompts only), got " + this.config.minSharedPrefix());
        }
        this.engineParams = new EngineParams(this.config.maxBatchSequences(), this.config.maxBatchTokens(),
                this.config.prefillChunk(), this.config.prefillBatchTokens(), this.config.sharePrefixes(),
                Math.min(this.config.minAdmitSequences(), this.config.maxBatchSequences()), this.config.minSharedPrefix());
        this.queueLimit = new Limit(GeneratorConfig.PREFIX + ".batching.max-queued-sequences",
                this.config.maxQueuedSequences());
        int count = this.config.lanes();
        if (count < 1 || count > MAX_LANES) {
            throw new IllegalArgumentException(GeneratorConfig.PREFIX + ".batching.lanes must be 1 to " + MAX_LANES
                    + ", got " + count);
        }
        this.metrics = metrics;
        metrics.queueLengthGauge(notStarted::get);
        // one lane keeps libtorch's threads as configured; several divide them (at least one each)
        int threadsPerLane = count == 1 ? 0 : Math.max(1, Engines.configuredThreads() / count);
        this.lanes = new Lane[count];
        for (int i = 0; i < count; i++) {
            lanes[i] = new Lane(i, threadsPerLane);
        }
    }

    /**
     * Queues {@code sequences} (all or none) and returns their results in the same order. Consecutive
     * sequences with the same prompt (a prompt's n samples) go to one lane together; so do consecutive
     * prompts that begin with the same {@code min-shared-prefix} tokens or more (the reflection prompts
     * of one question: the second copies the question's keys and values from the first instead of
     * computing them, which it can only do in the same lane), as long as such a group holds at most
     * the call's fair share of one lane, so a prefix every prompt shares (a system prompt) does not
     * put a whole call on one lane.
     */
    List<CompletableFuture<Completion>> submit(ServedModel model, List<GenerationRequest> sequences) {
        long now = System.nanoTime();
        List<CompletableFuture<Completion>> results = new ArrayList<>(sequences.size());
        synchronized (admission) {
            Check.withinLimit("sequences waiting (queued + this call's prompts x n)", notStarted.get() + sequences.size(),
                    queueLimit);
            if (!running) {
                throw ServiceException.unavailable("generator-svc is shutting down");
            }
            notStarted.addAndGet(sequences.size());
            long fairShare = 0; // positions reserved by the call, divided among the lanes
            for (GenerationRequest r : sequences) {
                fairShare += reservedBy(r);
            }
            fairShare = (fairShare + lanes.length - 1) / lanes.length;
            int from = 0;
            while (from < sequences.size()) {
                int[] first = sequences.get(from).prompt();
                long groupReserved = reservedBy(sequences.get(from));
                int to = from + 1;
                while (to < sequences.size()) {
                    int[] next = sequences.get(to).prompt();
                    boolean same = Arrays.equals(next, first);
                    if (!same && !(sharesPrefix(next, first) && groupReserved + reservedBy(sequences.get(to)) <= fairShare)) {
                        break;
                    }
                    groupReserved += reservedBy(sequences.get(to));
                    to++;
                }
                Lane lane = leastReserved();
                List<Sequence> group = new ArrayList<>(to - from);
                for (GenerationRequest request : sequences.subList(from, to)) {
                    CompletableFuture<Completion> result = new CompletableFuture<>();
                    group.add(new Sequence(model, request, now, result, new AtomicBoolean()));
                    results.add(result);
                }
                lane.enqueue(group);
                from = to;
            }
        }
        return results;
    }

    /** Whether the engine would copy {@code a}'s first tokens from {@code b} (see min-shared-prefix). */
    private boolean sharesPrefix(int[] a, int[] b) {
        int min = engineParams.minSharedPrefix();
        return engineParams.sharePrefixes() && min > 0 && a.length > min && b.length >= min
                && Arrays.equals(a, 0, min, b, 0, min);
    }

    private Lane leastReserved() {
        Lane best = lanes[0];
        for (Lane lane : lanes) {
            if (lane.reserved.get() < best.reserved.get()) {
                best = lane;
            }
        }
        return best;
    }

    /** Sequences not yet decoding: queued in a lane or waiting in an engine. */
    int queued() {
        return notStarted.get();
    }

    /** KV positions a sequence reserves in an engine: its prompt and its max_new_tokens. */
    private static long reservedBy(GenerationRequest r) {
        return r.prompt().length + (long) r.params().maxNewTokens();
    }

    private void started(Sequence s) {
        if (s.started().compareAndSet(false, true)) {
            notStarted.decrementAndGet();
            metrics.queueWait(System.nanoTime() - s.admittedNanos());
        }
    }

    private static Completion cancelledCompletion(Sequence s) {
        return new Completion(new int[0], "", null, FinishReason.CANCELLED, s.request().prompt().length);
    }

    /** One worker thread with its own queue and engines. */
    private final class Lane {

        private final int index;
        private final int threads; // libtorch threads of this lane's worker; 0: as configured
        private final ArrayDeque<Sequence> incoming = new ArrayDeque<>(); // guarded by lock
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition arrived = lock.newCondition();
        private final Map<ServedModel, GenerationEngine> busy = new LinkedHashMap<>(); // worker thread only
        private final AtomicLong reserved = new AtomicLong(); // positions of the sequences given and not finished
        private final Thread worker;

        Lane(int index, int threads) {
            this.index = index;
            this.threads = threads;
            worker = new Thread(this::run, "rlrf-generation-batcher-" + index);
            worker.setDaemon(true);
            worker.start();
        }

        void enqueue(List<Sequence> group) {
            for (Sequence s : group) {
                long r = reservedBy(s.request());
                reserved.addAndGet(r);
                s.result().whenComplete((c, f) -> reserved.addAndGet(-r));
            }
            lock.lock();
            try {
                incoming.addAll(group);
                arrived.signal();
            } finally {
                lock.unlock();
            }
        }

        private void run() {
            if (threads > 0) {
                Engines.useThreadsOnThisThread(threads);
            }
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

        /** Gives a sequence to its model's engine in this lane; its result follows the engine's future. */
        private void hand(Sequence s) {
            if (s.request().cancelled().getAsBoolean()) {
                notStarted.decrementAndGet();
                metrics.cancelled(1);
                metrics.finished(FinishReason.CANCELLED);
                s.result().complete(cancelledCompletion(s));
                return;
            }
            GenerationEngine engine = busy.computeIfAbsent(s.model(), m -> m.engine(index, engineParams));
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
                    metrics.step(index, step);
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

        void signalStop() {
            lock.lock();
            try {
                arrived.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** After {@link #signalStop}: waits for the worker, then fails what it held and what waits. */
        void drain() {
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

    @PreDestroy
    void stop() {
        synchronized (admission) {
            running = false;
        }
        for (Lane lane : lanes) {
            lane.signalStop();
        }
        for (Lane lane : lanes) {
            lane.drain();
        }
    }
}
