package io.rlrf.common.validation;

import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.common.error.ServiceException;

/**
 * Checks a {@link SamplingParams} message: shared by generator-svc (Generate) and reflector-svc
 * (Refine), which both accept one. Only the fields the caller set are checked; unset fields take
 * the server's defaults, which are validated at start-up.
 */
public final class SamplingValidation {

    /** The limits that apply to sampling parameters. */
    public record Limits(Limit maxNewTokens, Limit maxStopStrings, Limit maxStopStringChars) {
    }

    private SamplingValidation() {
    }

    /**
     * @param field  how the caller names the message, e.g. {@code sampling}
     * @param params the parameters as received
     */
    public static void validate(String field, SamplingParams params, Limits limits) {
        if (params.hasTemperature()) {
            Check.nonNegative(field + ".temperature", params.getTemperature());
        }
        if (params.hasTopP()) {
            Check.inHalfOpenRange(field + ".top_p", params.getTopP(), 0.0, 1.0);
        }
        if (params.hasTopK()) {
            Check.atLeast(field + ".top_k", params.getTopK(), 0);
        }
        if (params.hasMaxNewTokens()) {
            Check.atLeast(field + ".max_new_tokens", params.getMaxNewTokens(), 1);
            Check.withinLimit(field + ".max_new_tokens", params.getMaxNewTokens(), limits.maxNewTokens());
        }
        Check.withinLimit(field + ".stop (count)", params.getStopCount(), limits.maxStopStrings());
        for (int i = 0; i < params.getStopCount(); i++) {
            String stop = params.getStop(i);
            if (stop.isEmpty()) {
                throw ServiceException.invalidArgument(field + ".stop[" + i + "]",
                        "must not be empty");
            }
            Check.withinLimit(field + ".stop[" + i + "] (characters)", stop.length(), limits.maxStopStringChars());
        }
    }
}
