package io.rlrf.reward.service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.Status;

import io.rlrf.api.reward.v1.Aspect;
import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluateResponse;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.ListAspectsResponse;
import io.rlrf.api.reward.v1.ListRubricsResponse;
import io.rlrf.api.reward.v1.RatingLevel;
import io.rlrf.api.reward.v1.Rubric;
import io.rlrf.api.reward.v1.TaskInfo;
import io.rlrf.common.error.GrpcErrorMapper;
import io.rlrf.common.error.ServiceException;
import io.rlrf.reward.config.RewardConfig;
import io.rlrf.reward.mapping.RewardRequests;

/**
 * Fine-grained feedback: validates a request, resolves its task, judge and aspects, serves what the
 * "feedback" cache has, judges the rest, stores what was judged successfully, and records metrics.
 * Judge failures are returned (status JUDGE_FAILURE) and not cached, so the next call judges again;
 * a judge that breaks on one item fails that item only. Judging stops once the caller has cancelled
 * or its deadline has passed. A model judge works on several items at once (its
 * {@code max-concurrency}); answers are in request order whatever order they finish in.
 */
@ApplicationScoped
public class FeedbackService {

    private static final Logger LOG = Logger.getLogger(FeedbackService.class);

    private final RewardConfig config;
    private final JudgeRegistry registry;
    private final FeedbackCache cache;
    private final RewardMetrics metrics;
    /** Runs items of calls to a judge of parallelism above 1; each call admits at most that many at once. */
    private final ExecutorService judges = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "judge-item");
        t.setDaemon(true);
        return t;
    });

    public FeedbackService(RewardConfig config, JudgeRegistry registry, FeedbackCache cache, RewardMetrics metrics) {
        this.config = config;
        this.registry = registry;
        this.cache = cache;
        this.metrics = metrics;
    }

    @PreDestroy
    void stop() {
        judges.shutdownNow();
    }

    /** Judges each item, in request order. */
    public EvaluateResponse evaluate(EvaluateRequest request) {
        return evaluate(request, () -> false);
    }

    /**
     * Judges each item, in request order, until {@code cancelled} says the caller is gone.
     *
     * @throws io.grpc.StatusRuntimeException CANCELLED when the call was cancelled or ran past its
     *         deadline before every item was judged
     */
    public EvaluateResponse evaluate(EvaluateRequest request, BooleanSupplier cancelled) {
        RewardRequests.validate(request, config.limits());
        JudgeRegistry.Resolved resolved = registry.resolve(request);
        Judge judge = resolved.judge();

        List<String> keys = new ArrayList<>(request.getItemsCount());
        for (EvaluationItem item : request.getItemsList()) {
            keys.add(FeedbackKeys.key(judge.fingerprint(), resolved.task(), resolved.aspects(), item.getPrompt(),
                    item.getAnswer(), item.getReference()));
        }
        Map<String, byte[]> cached = request.getSkipCache() ? Map.of()
                : cache.getAll(new LinkedHashSet<>(keys));
        if (!request.getSkipCache() && cache.isUp()) {
            long hits = keys.stream().filter(cached::containsKey).count();
            metrics.cacheHits((int) hits);
            metrics.cacheMisses(keys.size() - (int) hits);
        }

        // The items to judge now: the first of each key the cache does not have.
        List<Integer> toJudge = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < request.getItemsCount(); i++) {
            String key = keys.get(i);
            if (decode(cached.get(key)) == null && seen.add(key)) {
                toJudge.add(i);
            }
        }
        Map<String, Feedback> judgedNow = new HashMap<>();
        Map<String, byte[]> toStore = new LinkedHashMap<>();
        try {
            judgeAll(request, toJudge, judge, resolved.aspects(), cancelled, (i, judged) -> {
                EvaluationItem item = request.getItems(i);
                String key = keys.get(i);
                Feedback feedback = judged.setId(key).setItemId(item.getId()).setJudgeId(judge.id())
                        .setRubricVersion(judge.rubricVersion()).setTask(resolved.task()).setCached(false).build();
                judgedNow.put(key, feedback);
                for (AspectFeedback a : feedback.getAspectsList()) {
                    metrics.rating(a.getAspect(), a.getRating());
                }
                if (feedback.getStatus() == FeedbackStatus.FEEDBACK_STATUS_OK) {
                    // Stored without the caller's item id, which is not part of the key.
                    toStore.put(key, feedback.toBuilder().clearItemId().build().toByteArray());
                }
            });
        } finally {
            // What was judged before a failure (backend down, call cancelled) is kept: a retry of the
            // call does not judge it again.
            cache.putAll(toStore);
        }

        EvaluateResponse.Builder response = EvaluateResponse.newBuilder();
        for (int i = 0; i < request.getItemsCount(); i++) {
            EvaluationItem item = request.getItems(i);
            String key = keys.get(i);
            Feedback fromCache = decode(cached.get(key));
            Feedback feedback = fromCache != null ? fromCache.toBuilder().setCached(true).setItemId(item.getId()).build()
                    // The same input twice in one batch is judged once.
                    : judgedNow.get(key).toBuilder().setItemId(item.getId()).build();
            metrics.evaluation(judge.id(), feedback.getStatus(), feedback.getOutcome().getOutcome(), feedback.getCached());
            response.addFeedback(feedback);
        }
        return response.build();
    }

    /** Receives one judged item: its index in the request and its feedback (in the calling thread). */
    private interface Judged {
        void accept(int index, Feedback.Builder feedback);
    }

    /**
     * Judges the items at {@code indices}, handing each result to {@code out} in request order. A
     * judge of parallelism 1 works in this thread, item after item; a model judge works on up to its
     * parallelism items at once on worker threads (each prompt still takes a slot of the judge's
     * shared limit). Before each item starts, and while waiting, {@code cancelled} is checked: once
     * the caller is gone, the items in progress are interrupted and the call is CANCELLED. A
     * {@link ServiceException} of any item (the backend is down) fails the call once the items
     * before it are handed over.
     */
    private void judgeAll(EvaluateRequest request, List<Integer> indices, Judge judge, List<String> aspects,
            BooleanSupplier cancelled, Judged out) {
        int parallelism = Math.min(judge.parallelism(), indices.size());
        if (parallelism <= 1) {
            for (int i : indices) {
                checkCancelled(cancelled, i, request.getItemsCount());
                out.accept(i, timedJudge(judge, request.getItems(i), aspects));
            }
            return;
        }
        Map<Integer, Future<Feedback.Builder>> running = new LinkedHashMap<>();
        try {
            Semaphore admitted = new Semaphore(parallelism);
            int next = 0; // the next of indices to hand over
            for (int n = 0; n < indices.size(); n++) {
                int i = indices.get(n);
                while (!admitted.tryAcquire(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                    checkCancelled(cancelled, i, request.getItemsCount());
                    next = handOver(indices, next, running, out, false);
                }
                checkCancelled(cancelled, i, request.getItemsCount());
                EvaluationItem item = request.getItems(i);
                running.put(i, judges.submit(() -> {
                    try {
                        return timedJudge(judge, item, aspects);
                    } finally {
                        admitted.release();
                    }
                }));
                next = handOver(indices, next, running, out, false);
            }
            while (next < indices.size()) {
                checkCancelled(cancelled, indices.get(next), request.getItemsCount());
                next = handOver(indices, next, running, out, true);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted while judging").asRuntimeException();
        } finally {
            // Interrupts what is still running when the call failed or was cancelled.
            running.values().forEach(f -> f.cancel(true));
        }
    }

    private static final long POLL_MILLIS = 50;

    /**
     * Hands over the finished items from {@code indices[next]} on, in order; returns the new
     * {@code next}. With {@code waitBriefly}, waits up to one poll interval for the next one.
     */
    private static int handOver(List<Integer> indices, int next, Map<Integer, Future<Feedback.Builder>> running, Judged out,
            boolean waitBriefly) throws InterruptedException {
        while (next < indices.size()) {
            Future<Feedback.Builder> f = running.get(indices.get(next));
            if (f == null) {
                return next;
            }
            Feedback.Builder done;
            try {
                done = waitBriefly ? f.get(POLL_MILLIS, TimeUnit.MILLISECONDS) : f.isDone() ? f.get() : null;
            } catch (TimeoutException e) {
                return next;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(e.getCause());
            }
            if (done == null) {
                return next;
            }
            out.accept(indices.get(next), done);
            running.remove(indices.get(next));
            next++;
            waitBriefly = false;
        }
        return next;
    }

    private static void checkCancelled(BooleanSupplier cancelled, int i, int count) {
        if (cancelled.getAsBoolean()) {
            throw Status.CANCELLED.withDescription("the call was cancelled or ran past its deadline; stopped before items["
                    + i + "] of " + count).asRuntimeException();
        }
    }

    private Feedback.Builder timedJudge(Judge judge, EvaluationItem item, List<String> aspects) {
        long start = System.nanoTime();
        Feedback.Builder judged = judgeOne(judge, item, aspects);
        metrics.judgeLatency(judge.id(), System.nanoTime() - start);
        return judged;
    }

    /**
     * One item's feedback; an unexpected failure of the judge on this item (a bug) is that item's
     * JUDGE_FAILURE, with the detail logged under an error id, and the rest of the batch is judged.
     * A {@link ServiceException} (the judge's backend is down, a request the backend refuses) still
     * fails the call: it is about the call, not the item.
     */
    private static Feedback.Builder judgeOne(Judge judge, EvaluationItem item, List<String> aspects) {
        try {
            return judge.judge(item, aspects);
        } catch (ServiceException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            return Feedback.newBuilder().setStatus(FeedbackStatus.FEEDBACK_STATUS_JUDGE_FAILURE)
                    .setFailureReason("the judge failed on this item: " + GrpcErrorMapper.toStatus(e).getDescription());
        }
    }

    private static Feedback decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return Feedback.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            LOG.warnf("a cached feedback did not parse (%s); judging again", e.getMessage());
            return null;
        }
    }

    /** The aspect catalog with the meaning of each rating. */
    public ListAspectsResponse listAspects() {
        ListAspectsResponse.Builder response = ListAspectsResponse.newBuilder();
        for (AspectCatalog.AspectDefinition a : AspectCatalog.all()) {
            response.addAspects(Aspect.newBuilder()
                    .setName(a.name())
                    .setDisplayName(a.displayName())
                    .setDescription(a.description())
                    .addLevels(RatingLevel.newBuilder().setRating(1).setMeaning(a.rating1()))
                    .addLevels(RatingLevel.newBuilder().setRating(2).setMeaning(a.rating2()))
                    .addLevels(RatingLevel.newBuilder().setRating(3).setMeaning(a.rating3())));
        }
        return response.build();
    }

    /** The judges of this instance and the tasks it knows. */
    public ListRubricsResponse listRubrics() {
        ListRubricsResponse.Builder response = ListRubricsResponse.newBuilder();
        for (Judge judge : registry.judges()) {
            response.addRubrics(Rubric.newBuilder().setJudgeId(judge.id()).setKind(judge.kind())
                    .setRubricVersion(judge.rubricVersion()).addAllAspects(judge.ratableAspects())
                    .setDescription(judge.description()));
        }
        for (JudgeRegistry.TaskDef task : registry.tasks()) {
            List<String> aspects = registry.judges().stream().filter(j -> j.id().equals(task.defaultJudge()))
                    .findFirst().map(Judge::defaultAspects).orElse(List.of());
            response.addTasks(TaskInfo.newBuilder().setName(task.name()).setDefaultJudge(task.defaultJudge())
                    .addAllDefaultAspects(aspects).setDescription(task.description()));
        }
        return response.build();
    }
}
