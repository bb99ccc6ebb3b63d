package io.rlrf.loop.config;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/**
 * The settings of in-process runs ({@link io.rlrf.loop.local.LocalTrainer}): trainer-svc's own
 * properties and defaults ({@code rlrf.trainer.loop.*}, {@code .bootstrap.*}, {@code .limits.*},
 * {@code .run-defaults-file}), so that the same system properties configure both.
 */
@ConfigMapping(prefix = "rlrf.trainer")
public interface LocalTrainerConfig {

    LoopConfig loop();

    BootstrapConfig bootstrap();

    RunLimitsConfig limits();

    /** As trainer-svc's {@code rlrf.trainer.run-defaults-file}. */
    Optional<String> runDefaultsFile();
}
