package io.rlrf.trainer.service;

import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.Startup;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.loop.plan.RunDefaults;
import io.rlrf.trainer.config.TrainerConfig;

/**
 * The run defaults this service applies (the loop library's, or the operator's file over them),
 * checked at start-up to make valid runs in every mode.
 */
@ApplicationScoped
@Startup
public class RunConfigResolver {

    private final RunDefaults defaults;

    public RunConfigResolver(TrainerConfig config) {
        try {
            this.defaults = config.runDefaultsFile().map(f -> RunDefaults.overlaid(Path.of(f), config.limits().runLimits()))
                    .orElseGet(() -> RunDefaults.builtIn(config.limits().runLimits()));
        } catch (IllegalStateException e) {
            throw new IllegalStateException(TrainerConfig.PREFIX + ".run-defaults-file: " + e.getMessage(), e);
        }
    }

    /**
     * The complete config a run uses: every unset field with its default, the mode's implications,
     * validated.
     *
     * @throws io.rlrf.common.error.ServiceException INVALID_ARGUMENT or LIMIT_EXCEEDED naming the field
     */
    public RunConfig resolve(RunConfig requested) {
        return defaults.resolve(requested);
    }
}
