package io.rlrf.loop.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The short form of the base recipe runs end to end: TrainBase trains a few steps of a tiny network,
 * saves it, and probes it (the figures a base is judged by land in base.json).
 */
class ShortFormTest {

    @Test
    void theBaseRecipeTrainsSavesAndProbesInShortForm(@TempDir Path dir) throws Exception {
        Path base = dir.resolve("base");
        TrainBase.main(new String[] {base.toString(), "answers=24", "revisions=12", "hidden=32", "layers=1", "heads=2",
                "steps=3", "batch=4", "micro=4", "warmup=1", "probe-problems=4", "probe-n=2", "lines=true"});
        assertTrue(Files.isRegularFile(base.resolve("config.json")));
        JsonNode info = new ObjectMapper().readTree(base.resolve("base.json").toFile());
        assertEquals(3, info.get("recipe").get("steps").asInt());
        assertTrue(info.get("probe").has("copy_rate"), info.toString());
        assertTrue(info.get("probe").has("unsolved_fixed_by_m_extra_samples"), info.toString());
        // the critique format of the revision examples is the probe's too
        assertTrue(info.get("probe").get("spec").get("lines").asBoolean(), info.toString());
        assertTrue(info.get("probe").get("spec").get("chained").asBoolean(), info.toString());
        assertTrue(info.get("probe").has("copy_rate_keyed_same_expression"), info.toString());
    }
}
