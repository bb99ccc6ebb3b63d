package io.rlrf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.rlrf.loop.bootstrap.Bootstrap;
import io.rlrf.loop.config.LocalTrainerConfig;
import io.rlrf.tasks.prompt.ReflectionPrompt;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The repository ships the base the default {@code rlrf.trainer.bootstrap.*} settings describe (models/README.md),
 * so that a run from a fresh clone copies it instead of training it for 20 minutes: a changed default that
 * is not remade and shipped fails here.
 */
class ShippedBaseTest {

    private static final Path MODELS = Path.of("..", "models");

    @Test
    void theDefaultBootstrapSettingsNameABaseTheRepositoryShipsWithTheBaseItWasRefinedFrom() throws Exception {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(LocalTrainerConfig.class).build();
        LocalTrainerConfig settings = config.getConfigMapping(LocalTrainerConfig.class);
        String version = new Bootstrap(settings.bootstrap().spec(), settings.loop().settings().answerPrompt(), MODELS)
                .version("arith", 0, ReflectionPrompt.DEFAULT);
        Path base = MODELS.resolve(version);
        assertTrue(Files.isRegularFile(base.resolve("model.safetensors")), version + " is not shipped in models/");
        JsonNode info = new ObjectMapper().readTree(base.resolve(Bootstrap.INFO_FILE).toFile());
        assertEquals(version, info.get("version").asText());
        String from = info.get("refinedFrom").asText();
        assertTrue(Files.isRegularFile(MODELS.resolve(from).resolve("model.safetensors")),
                "the first phase's base " + from + " ships too, so a remake with another refine setting need not retrain it");
        assertEquals(settings.bootstrap().refine().steps(), info.get("steps").asInt());
    }
}
