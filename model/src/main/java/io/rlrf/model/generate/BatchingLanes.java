package io.rlrf.model.generate;

import java.time.Duration;
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
import java.util.function.Supplier;

import io.rlrf.model.Engines;

/**
 * Continuous batching across callers, in {@code lanes} that step in parallel. Callers submit their
 * sequences (prompt x sample) from any thread; each lane's worker thread, the only one that runs its
 * forward passes, hands them to its generation engine for their model and steps every engine that
 * has work. In each step an engine admits waiting sequences, from any caller, into free rows,
 * prefills each distinct prompt once, and decodes one token for every running row; a sequence's
 * future completes as soon as it finishes, so a caller is answered when its own last sequence is done,
 * not when a batch is. generator-svc serves its Generate calls through this, and the loop's in-process
 * generator its stages' calls: the same batching code in both.
 *
 * <p>Each lane has its own engines and KV caches over the same weights, and its worker uses libtorch's
 * threads divided among the lanes. A caller's sequences are spread over the lanes by prompt: all the
 * sequences of one prompt go to the same lane (so its prefill is still computed once), each prompt to
 * the lane with the fewest positions reserved by unfinished sequences. For a policy too small to keep
 * every core busy in one forward pass, two lanes of one thread do more work than one lane of two.
 *
 * <p>Each model has its own engine in a lane, so sequences admitted before a hot swap finish on the
 * old model while later ones run on the new; a worker alternates steps between engines that have work.
 * When a lane's engines are idle, arriving sequences wait for others while callers keep coming (up to
 * {@code maxWait} after the first, 1 ms after the latest), so that concurrent callers share one
 * prefill. A sequence whose request is cancelled is dropped while it waits, and a running one is
 * stopped at its next decode step.
 *
 * @param <M> the models sequences run on
 */
public final class BatchingLanes<M extends BatchingLanes.Model> implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(BatchingLanes.class.getName());

    /** How long the gathering waits for another caller after the latest arrival. */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** Most lanes. */
    public static final int MAX_LANES = 64;

    /** A model sequences run on. */
    public interface Model {

        /** This model's engine in lane {@code lane}, created on first use (by that lane's worker only). */
        GenerationEngine engine(int lane, EngineParams params);

        /** Takes a reference for one engine step; false when the model was closed. */
        boolean tryAcquire();

        /** Gives back the reference {@link #tryAcquire} took. */
        void release();

        /** For log lines. */
        String version();
    }

    /** What the lanes report, from their worker threads and the submitting thread. */
    public interface Listener {

        Listener NONE = new Listener() {
        };

        /** A sequence got a decoding row after waiting {@code nanos} since it was submitted. */
        default void started(long nanos) {
        }

        /** Sequences dropped before they started, because their request was cancelled. */
        default void cancelled(int sequences) {
        }

        /** A sequence ended (or was dropped), for {@code reason}. */
        default void finished(FinishReason reason) {
        }

        /** One engine step of lane {@code lane}. */
        default void step(int lane, GenerationEngine.Step step) {
        }
    }

    /**
     * @param lanes   lanes stepping in parallel, 1 to {@link #MAX_LANES}
     * @param engine  each lane engine's rows, reserved positions, chunking and sharing
     * @param maxWait how long an idle lane gathers arriving sequences after the first
     */
    public record Settings(int lanes, EngineParams engine, Duration maxWait) {

        public Settings {
            if (lanes < 1 || lanes > MAX_LANES) {
                throw new IllegalArgumentException("lanes must be 1 to " + MAX_LANES + ", got " + lanes);
            }
            if (maxWait.isNegative()) {
                throw new IllegalArgumentException("maxWait must not be negative, got " + maxWait);
            }
        }

        /**
         * One lane per core, at most 4, with {@link EngineParams#defaults()} and a 5 ms gathering window:
         * what {@code bin/rlrf up} gives generator-svc.
         */
        public static Settings perCore() {
            return new Settings(Math.min(4, Engines.configuredThreads()), EngineParams.defaults(), Duration.ofMillis(5));
        }
    }

    private record Sequence<M>(M model, GenerationRequest request, long admittedNanos,
            CompletableFuture<Completion> result, AtomicBoolean started) {
    }

    private final Settings settings;
    private final Listener listener;
    private final AtomicInteger notStarted = new AtomicInteger(); // queued in a lane or waiting in an engine
    private final Object admission = new Object(); // submit's placement and close, together
    private final Lane[] lanes;
    private volatile boolean running = true;

    /** Starts one worker thread per lane. */
    public BatchingLanes(Settings settings, Listener listener) {
        this.settings = settings;
        this.listener = listener;
        int count = settings.lanes();
        // one lane keeps libtorch's threads as configured; several divide them (at least one each)
        int threadsPerLane = count == 1 ? 0 : Math.max(1, Engines.configuredThreads() / count);
        @SuppressWarnings("unchecked")
        Lane[] created = new BatchingLanes.Lane[count];
        this.lanes = created;
        for (int i = 0; i < count; i++) {
            lanes[i] = new Lane(i, threadsPerLane);
        }
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Queues {@code sequences} to run on {@code model} and returns their results in the same order.
     * Consecutive sequences with the same prompt (a prompt's n samples) go to one lane together; so do
     * consecutive prompts that begin with the same {@code minSharedPrefix} tokens or more (the reflection
     * prompts of one question: the second copies the question's keys and values from the first instead
     * of computing them, which it can only do in the same lane), as long as such a group holds at most
     * the call's fair share of one lane, so a prefix every prompt shares (a system prompt) does not put a
     * whole call on one lane.
     *
     * @throws IllegalStateException after {@link #close}
     */
    public List<CompletableFuture<Completion>> submit(M model, List<GenerationRequest> sequences) {
        long now = System.nanoTime();
        List<CompletableFuture<Completion>> results = new ArrayList<>(sequences.size());
        synchronized (admission) {
            if (!running) {
                throw new IllegalStateException("the batching lanes are closed");
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
                List<Sequence<M>> group = new ArrayList<>(to - from);
                for (GenerationRequest request : sequences.subList(from, to)) {
                    CompletableFuture<Completion> result = new CompletableFuture<>();
                    group.add(new Sequence<>(model, request, now, result, new AtomicBoolean()));
                    results.add(result);
                }
                lane.enqueue(group);
                from = to;
            }
        }
        return results;
    }

    /** Sequences not yet decoding: queued in a lane or waiting in an engine. */
    public int queued() {
        return notStarted.get();
    }

    /** Whether the engine would copy {@code a}'s first tokens from {@code b} (see minSharedPrefix). */
    private boolean sharesPrefix(int[] a, int[] b) {
        int min = settings.engine().minSharedPrefix();
        return settings.engine().sharePrefixes() && min > 0 && a.length > min && b.length >= min
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

    /** KV positions a sequence reserves in an engine: its prompt and its max_new_tokens. */
    private static long reservedBy(GenerationRequest r) {
        return r.prompt().length + (long) r.params().maxNewTokens();
    }

    private void started(Sequence<M> s) {
        if (s.started().compareAndSet(false, true)) {
            notStarted.decrementAndGet();
            listener.started(System.nanoTime() - s.admittedNanos());
        }
    }

    /** One worker thread with its own queue and engines. */
    private final class Lane {

        private final int index;
        private final int threads; // libtorch threads of this lane's worker; 0: as configured
        private final ArrayDeque<Sequence<M>> incoming = new ArrayDeque<>(); // guarded by lock
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition arrived = lock.newCondition();
        private final Map<M, GenerationEngine> busy = new LinkedHashMap<>(); // worker thread only
        private final AtomicLong reserved = new AtomicLong(); // positions of the sequences given and not finished
        private final Thread worker;

        Lane(int index, int threads) {
            this.index = index;
            this.threads = threads;
            worker = new Thread(this::run, "rlrf-batching-lane-" + index);
            worker.setDaemon(true);
            worker.start();
        }

        void enqueue(List<Sequence<M>> group) {
            for (Sequence<M> s : group) {
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
            while (running) {
                try {
                    boolean wasIdle = busy.isEmpty();
                    List<Sequence<M>> arrived = takeIncoming();
                    if (wasIdle && threads > 0 && !arrived.isEmpty()) {
                        // each busy spell: another thread may have set the process-wide MKL count since
                        Engines.useThreadsOnThisThread(threads);
                    }
                    for (Sequence<M> s : arrived) {
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
         * arrives, then gathers for up to {@code maxWait} (less once a full batch is there).
         */
        private List<Sequence<M>> takeIncoming() throws InterruptedException {
            lock.lock();
            try {
                if (busy.isEmpty()) {
                    while (incoming.isEmpty()) {
                        if (!running) {
                            return List.of();
                        }
                        arrived.await(100, TimeUnit.MILLISECONDS);
                    }
                    // Gather while callers keep arriving: up to maxWait after the first, and no longer than
                    // QUIET after the latest (a single caller does not wait the whole window for company).
                    long deadline = incoming.peekFirst().admittedNanos() + settings.maxWait().toNanos();
                    long left;
                    while (incoming.size() < settings.engine().maxRows() && running
                            && (left = Math.min(deadline, incoming.peekLast().admittedNanos() + QUIET_NANOS)
                                    - System.nanoTime()) > 0) {
                        arrived.awaitNanos(left);
                    }
                }
                List<Sequence<M>> out = new ArrayList<>(incoming);
                incoming.clear();
                return out;
            } finally {
                lock.unlock();
            }
        }

        /** Gives a sequence to its model's engine in this lane; its result follows the engine's future. */
        private void hand(Sequence<M> s) {
            if (s.request().cancelled().getAsBoolean()) {
                notStarted.decrementAndGet();
                listener.cancelled(1);
                listener.finished(FinishReason.CANCELLED);
                s.result().complete(new Completion(new int[0], "", null, FinishReason.CANCELLED, s.request().prompt().length));
                return;
            }
            GenerationEngine engine = busy.computeIfAbsent(s.model(), m -> m.engine(index, settings.engine()));
            CompletableFuture<Completion> done;
            try {
                done = engine.submit(s.request(), () -> started(s));
            } catch (RuntimeException e) { // the caller checked the request; a mismatch is a bug, not the user's
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
                    listener.finished(completion.finishReason());
                    s.result().complete(completion);
                }
            });
        }

        /** One step of every engine with work; engines left idle leave the busy set. */
        private void stepEngines() {
            for (Iterator<Map.Entry<M, GenerationEngine>> it = busy.entrySet().iterator(); it.hasNext();) {
                Map.Entry<M, GenerationEngine> e = it.next();
                M model = e.getKey();
                GenerationEngine engine = e.getValue();
                if (!engine.hasWork()) {
                    it.remove();
                    continue;
                }
                // Every sequence holds a reference to its model, so it is open; this one covers the step.
                if (!model.tryAcquire()) {
                    LOG.log(System.Logger.Level.ERROR, "model ''{0}'' was closed with work queued", model.version());
                    it.remove();
                    continue;
                }
                try {
                    listener.step(index, engine.step());
                } catch (RuntimeException | Error failure) {
                    // the engine failed every sequence it held, and is empty again
                    LOG.log(System.Logger.Level.ERROR, "a generation step on '" + model.version() + "' failed", failure);
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
        void drain(Supplier<RuntimeException> reason) {
            try {
                worker.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (GenerationEngine engine : busy.values()) { // the worker has stopped: nothing steps them any more
                engine.abort(reason.get());
            }
            busy.clear();
            lock.lock();
            try {
                for (Sequence<M> s : incoming) {
                    s.result().completeExceptionally(reason.get());
                }
                incoming.clear();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Stops the workers (a step in progress ends first) and fails every sequence not finished with
     * {@code reason}'s exception; later submits throw.
     */
    public void close(Supplier<RuntimeException> reason) {
        synchronized (admission) {
            if (!running) {
                return;
            }
            running = false;
        }
        for (Lane lane : lanes) {
            lane.signalStop();
        }
        for (Lane lane : lanes) {
            lane.drain(reason);
        }
    }

    @Override
    public void close() {
        close(() -> new IllegalStateException("the batching lanes were closed"));
    }
}
