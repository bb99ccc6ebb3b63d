package io.rlrf.reward.mapping;

import java.util.HashSet;
import java.util.Set;

import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.common.error.Echo;
import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.Check;
import io.rlrf.common.validation.Limit;
import io.rlrf.reward.config.RewardConfig;
import io.rlrf.reward.service.AspectCatalog;

/** Checks Evaluate requests against the contract and the configured limits, field by field. */
public final class RewardRequests {

    private static final String LIMITS = RewardConfig.PREFIX + ".limits.";

    private RewardRequests() {
    }

    public static void validate(EvaluateRequest request, RewardConfig.Limits limits) {
        Check.notEmpty("items", request.getItemsCount());
        Check.withinLimit("items (count)", request.getItemsCount(), new Limit(LIMITS + "max-batch", limits.maxBatch()));
        Limit textChars = new Limit(LIMITS + "max-text-chars", limits.maxTextChars());
        for (int i = 0; i < request.getItemsCount(); i++) {
            EvaluationItem item = request.getItems(i);
            String field = "items[" + i + "]";
            Check.notBlank(field + ".prompt", item.getPrompt());
            Check.withinLimit(field + ".prompt (characters)", item.getPrompt().length(), textChars);
            Check.notBlank(field + ".answer", item.getAnswer());
            Check.withinLimit(field + ".answer (characters)", item.getAnswer().length(), textChars);
            Check.withinLimit(field + ".reference (characters)", item.getReference().length(), textChars);
        }
        if (request.getTask().isBlank() && request.getAspectsCount() == 0) {
            throw ServiceException.invalidArgument("task",
                    "is required unless aspects are listed; name a task (ListRubrics lists them) or aspects");
        }
        Check.withinLimit("aspects (count)", request.getAspectsCount(),
                new Limit(LIMITS + "max-aspects", limits.maxAspects()));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < request.getAspectsCount(); i++) {
            String aspect = request.getAspects(i);
            if (AspectCatalog.find(aspect).isEmpty()) {
                throw ServiceException.invalidArgument("aspects[" + i + "]",
                        Echo.of(aspect) + " is not a known aspect; valid aspects: " + AspectCatalog.names());
            }
            if (!seen.add(aspect)) {
                throw ServiceException.invalidArgument("aspects[" + i + "]", "repeats " + Echo.of(aspect));
            }
        }
    }
}
