package io.rlrf.reward.service;

import jakarta.enterprise.context.ApplicationScoped;

import io.rlrf.api.reward.v1.Aspect;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluateResponse;
import io.rlrf.api.reward.v1.ListAspectsResponse;
import io.rlrf.api.reward.v1.ListRubricsResponse;
import io.rlrf.api.reward.v1.RatingLevel;
import io.rlrf.common.error.ServiceException;
import io.rlrf.reward.config.RewardConfig;
import io.rlrf.reward.mapping.RewardRequests;

/**
 * Fine-grained feedback. This build validates Evaluate requests and serves the aspect catalog; the
 * judges (verifier and model) are not part of it yet, so valid Evaluate and ListRubrics calls
 * answer UNIMPLEMENTED rather than invent ratings.
 */
@ApplicationScoped
public class FeedbackService {

    private static final String SERVICE = "rlrf.reward.v1.Reward/";

    private final RewardConfig config;

    public FeedbackService(RewardConfig config) {
        this.config = config;
    }

    /** Judges each item. */
    public EvaluateResponse evaluate(EvaluateRequest request) {
        RewardRequests.validate(request, config.limits());
        throw ServiceException.notImplemented(SERVICE + "Evaluate", "this build of reward-svc has no judges");
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

    /** Judges and tasks. */
    public ListRubricsResponse listRubrics() {
        throw ServiceException.notImplemented(SERVICE + "ListRubrics", "this build of reward-svc has no judges or tasks");
    }
}
