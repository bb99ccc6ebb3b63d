package io.rlrf.trainer.mapping;

import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.Check;
import io.rlrf.common.validation.Limit;
import io.rlrf.trainer.config.TrainerConfig;

/**
 * The trainer's request checks beyond a run's config (which the loop library's
 * {@code RunConfigValidation} owns): field names are those of the request.
 */
public final class TrainerRequests {

    private TrainerRequests() {
    }

    public static void listRuns(int pageSize, RunState state, TrainerConfig.Limits limits) {
        Check.atLeast("page_size", pageSize, 0);
        Check.withinLimit("page_size", pageSize, new Limit(TrainerConfig.PREFIX + ".limits.max-page-size",
                limits.maxPageSize()));
        if (state == RunState.UNRECOGNIZED) {
            throw ServiceException.invalidArgument("state", "has an unknown value");
        }
    }
}
