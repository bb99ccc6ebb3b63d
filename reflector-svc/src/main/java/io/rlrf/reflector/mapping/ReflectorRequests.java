package io.rlrf.reflector.mapping;

import io.rlrf.api.reflector.v1.RefineItem;
import io.rlrf.api.reflector.v1.RefineRequest;
import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.Check;
import io.rlrf.common.validation.Limit;
import io.rlrf.common.validation.SamplingValidation;
import io.rlrf.reflector.config.ReflectorConfig;

/** Checks Refine requests against the contract and the configured limits, field by field. */
public final class ReflectorRequests {

    private static final String LIMITS = ReflectorConfig.PREFIX + ".limits.";

    private ReflectorRequests() {
    }

    public static void validate(RefineRequest request, ReflectorConfig.Limits limits) {
        Check.notEmpty("items", request.getItemsCount());
        Check.withinLimit("items (count)", request.getItemsCount(), new Limit(LIMITS + "max-items", limits.maxItems()));
        Limit textChars = new Limit(LIMITS + "max-text-chars", limits.maxTextChars());
        Limit maxNewTokens = new Limit(LIMITS + "max-new-tokens", limits.maxNewTokens());
        for (int i = 0; i < request.getItemsCount(); i++) {
            RefineItem item = request.getItems(i);
            validateItem("items[" + i + "]", item, textChars);
            if (item.hasMaxNewTokens()) {
                Check.atLeast("items[" + i + "].max_new_tokens", item.getMaxNewTokens(), 1);
                Check.withinLimit("items[" + i + "].max_new_tokens", item.getMaxNewTokens(), maxNewTokens);
            }
        }
        Check.atLeast("m", request.getM(), 1);
        Check.withinLimit("m", request.getM(), new Limit(LIMITS + "max-m", limits.maxM()));
        SamplingValidation.validate("sampling", request.getSampling(), ReflectorConfig.samplingLimits(limits));
    }

    private static void validateItem(String field, RefineItem item, Limit textChars) {
        Check.notBlank(field + ".prompt", item.getPrompt());
        Check.withinLimit(field + ".prompt (characters)", item.getPrompt().length(), textChars);
        Check.notBlank(field + ".answer.text", item.getAnswer().getText());
        Check.withinLimit(field + ".answer.text (characters)", item.getAnswer().getText().length(), textChars);
        if (!item.hasFeedback()) {
            throw ServiceException.invalidArgument(field + ".feedback",
                    "is required: pass the Feedback that Reward.Evaluate returned for this answer");
        }
        Feedback feedback = item.getFeedback();
        if (feedback.getStatus() != FeedbackStatus.FEEDBACK_STATUS_OK) {
            throw ServiceException.invalidArgument(field + ".feedback.status",
                    "must be FEEDBACK_STATUS_OK, got " + feedback.getStatus()
                            + ": an answer the judge could not rate has no critique to revise from");
        }
        Check.notEmpty(field + ".feedback.aspects", feedback.getAspectsCount());
        long critiqueChars = 0;
        for (int a = 0; a < feedback.getAspectsCount(); a++) {
            AspectFeedback aspect = feedback.getAspects(a);
            String aspectField = field + ".feedback.aspects[" + a + "]";
            Check.notBlank(aspectField + ".aspect", aspect.getAspect());
            if (aspect.getRating() < 1 || aspect.getRating() > 3) {
                throw ServiceException.invalidArgument(aspectField + ".rating",
                        "must be 1, 2 or 3, got " + aspect.getRating());
            }
            critiqueChars += aspect.getCritique().length();
        }
        // All critiques of an item go into one reflection prompt, so they share one budget.
        Check.withinLimit(field + ".feedback.aspects[*].critique (characters in total)", critiqueChars, textChars);
    }
}
