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
    void theDefaultBootstrapSettingsNameABaseTheRepositoryShipsWithEveryPhaseBeforeIt() throws Exception {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(LocalTrainerConfig.class).build();
        LocalTrainerConfig settings = config.getConfigMapping(LocalTrainerConfig.class);
        String version = new Bootstrap(settings.bootstrap().spec(), settings.loop().settings().answerPrompt(), MODELS)
                .version("arith", 0, ReflectionPrompt.DEFAULT);
        Path base = MODELS.resolve(version);
        assertTrue(Files.isRegularFile(base.resolve("model.safetensors")), version + " is not shipped in models/");
        JsonNode info = new ObjectMapper().readTree(base.resolve(Bootstrap.INFO_FILE).toFile());
        assertEquals(version, info.get("version").asText());
        boolean target = settings.bootstrap().target().steps() > 0;
        assertEquals(target ? settings.bootstrap().target().steps() : settings.bootstrap().refine().steps(),
                info.get("steps").asInt(), "made by the last phase the settings name");
        // every phase before it ships too, so that a remake with other settings of a later phase need not retrain it
        int phases = 1;
        while (info.hasNonNull("refinedFrom")) {
            String from = info.get("refinedFrom").asText();
            assertTrue(Files.isRegularFile(MODELS.resolve(from).resolve("model.safetensors")), from + " is not shipped");
            info = new ObjectMapper().readTree(MODELS.resolve(from).resolve(Bootstrap.INFO_FILE).toFile());
            phases++;
        }
        assertEquals(target ? 3 : 2, phases, "the first phase, the refine phase" + (target ? " and the target phase" : ""));
    }
}
