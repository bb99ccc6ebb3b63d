package io.rlrf.reward.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.rlrf.reward.config.RewardConfig;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The model judge's settings are checked when the registry is built (at start-up), with messages
 * naming the setting; the real configuration mapping is read from properties, as Quarkus reads it.
 */
class ModelJudgeSettingsTest {

    private static RewardConfig config(Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(Map.of("rlrf.reward.model-judge.backend", "openai",
                "rlrf.reward.model-judge.openai.url", "http://127.0.0.1:9/v1",
                "rlrf.reward.model-judge.openai.model", "judge"));
        all.putAll(properties);
        // Quarkus's converter reads durations such as 10s, as the service does.
        return new SmallRyeConfigBuilder().withMapping(RewardConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(all, "test", 500)).build().getConfigMapping(RewardConfig.class);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({ "max-concurrency, 0", "max-retries, -1", "timeout, 0s", "retry-backoff, -1s", "max-retry-wait, -5s",
            "max-attempts, 0" })
    void aBadSettingFailsStartUpNamingIt(String setting, String value) {
        RewardConfig config = config(Map.of("rlrf.reward.model-judge." + setting, value));
        var e = assertThrows(IllegalArgumentException.class, () -> new JudgeRegistry(config,
                new RewardMetrics(new SimpleMeterRegistry())));
        assertTrue(e.getMessage().startsWith("rlrf.reward.model-judge." + setting + " must be"), e.getMessage());
    }

    @Test
    void theDefaultsAreValidAndTheModelJudgeWorksOnItsConcurrencyOfItems() {
        JudgeRegistry registry = new JudgeRegistry(config(Map.of("rlrf.reward.model-judge.max-concurrency", "6")),
                new RewardMetrics(new SimpleMeterRegistry()));
        Judge model = registry.judges().stream().filter(j -> j.id().equals(JudgeRegistry.MODEL_OPENAI)).findFirst()
                .orElseThrow();
        assertEquals(6, model.parallelism());
        assertEquals(1, registry.judges().get(0).parallelism(), "the verifier judges item after item");
    }
}
