package io.rlrf.trainer.bootstrap;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.rlrf.trainer.config.TrainerConfig;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Not a test of the default build: trains the bootstrap with the DEFAULT settings (no test profile)
 * into {@code target/measure-models} and prints wall time, final loss and dev accuracy. Run with
 * {@code ./mvnw -B -o test -pl trainer-svc -Dtest=BootstrapMeasurement -Drlrf.bootstrap.measure=true}
 * (add {@code -Drlrf.trainer.bootstrap.steps=...} etc. to try other settings).
 */
@EnabledIfSystemProperty(named = "rlrf.bootstrap.measure", matches = "true")
class BootstrapMeasurement {

    @Test
    void measureTheDefaultBootstrap() {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(TrainerConfig.class)
                .addSystemSources().withConverter(java.time.Duration.class, 100,
                        new io.quarkus.runtime.configuration.DurationConverter())
                .withDefaultValue("rlrf.trainer.storage.model-store", "target/measure-models").build();
        TrainerConfig trainer = config.getConfigMapping(TrainerConfig.class);
        long seed = Long.getLong("rlrf.bootstrap.measure.seed", 1234);
        long start = System.nanoTime();
        Bootstrap.Result r = new Bootstrap(trainer).ensure(seed, (done, total) -> { });
        System.out.printf("BOOTSTRAP-MEASURE version=%s cached=%s wall=%.1fs examples=%d (answer %d, revision %d, too long %d)"
                + " params=%d steps=%d loss=%.4f dev_accuracy=%.3f over %d%n", r.version(), r.cached(),
                (System.nanoTime() - start) / 1e9, r.examples(), r.answerExamples(), r.revisionExamples(),
                r.skippedTooLong(), r.parameters(), r.steps(), r.finalLoss(), r.devAccuracy(), r.devProblems());
        assertFalse(Double.isNaN(r.finalLoss()));
    }
}
