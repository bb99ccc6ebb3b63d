package io.rlrf.reward.service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

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
 * or its deadline has passed.
 */
@ApplicationScoped
public class FeedbackService {

    private static final Logger LOG = Logger.getLogger(FeedbackService.class);

    private final RewardConfig config;
    private final JudgeRegistry registry;
    private final FeedbackCache cache;
    private final RewardMetrics metrics;

    public FeedbackService(RewardConfig config, JudgeRegistry registry, FeedbackCache cache, RewardMetrics metrics) {
        this.config = config;
        this.registry = registry;
        this.cache = cache;
        this.metrics = metrics;
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

        EvaluateResponse.Builder response = EvaluateResponse.newBuilder();
        Map<String, Feedback> judgedNow = new HashMap<>();
        Map<String, byte[]> toStore = new LinkedHashMap<>();
        for (int i = 0; i < request.getItemsCount(); i++) {
            EvaluationItem item = request.getItems(i);
            String key = keys.get(i);
            Feedback fromCache = decode(cached.get(key));
            Feedback feedback;
            if (fromCache != null) {
                feedback = fromCache.toBuilder().setCached(true).setItemId(item.getId()).build();
            } else if (judgedNow.containsKey(key)) {
                // The same input twice in one batch is judged once.
                feedback = judgedNow.get(key).toBuilder().setItemId(item.getId()).build();
            } else {
                if (cancelled.getAsBoolean()) {
                    throw Status.CANCELLED.withDescription("the call was cancelled or ran past its deadline; stopped before items["
                            + i + "] of " + request.getItemsCount()).asRuntimeException();
                }
                long start = System.nanoTime();
                Feedback.Builder judged = judgeOne(judge, item, resolved.aspects());
                metrics.judgeLatency(judge.id(), System.nanoTime() - start);
                feedback = judged.setId(key).setItemId(item.getId()).setJudgeId(judge.id())
                        .setRubricVersion(judge.rubricVersion()).setTask(resolved.task()).setCached(false).build();
                judgedNow.put(key, feedback);
                for (AspectFeedback a : feedback.getAspectsList()) {
                    metrics.rating(a.getAspect(), a.getRating());
                }
                if (feedback.getStatus() == FeedbackStatus.FEEDBACK_STATUS_OK) {
                    // Stored without the caller's item id, which is not part of the key.
                    toStore.put(key, feedback.toBuilder().clearItemId().build().toByteArray());
                }
            }
            metrics.evaluation(judge.id(), feedback.getStatus(), feedback.getOutcome().getOutcome(), feedback.getCached());
            response.addFeedback(feedback);
        }
        cache.putAll(toStore);
        return response.build();
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
