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
 * The short forms of the lab's commands run end to end: the base recipe (TrainBase, a few steps of a
 * tiny network, then the probe) and one iteration of each loop mode (Recipe) from that base.
 */
class ShortFormTest {

    @Test
    void theBaseRecipeAndEveryLoopModeRunInShortForm(@TempDir Path dir) throws Exception {
        Path base = dir.resolve("base");
        TrainBase.main(new String[] {base.toString(), "answers=24", "revisions=12", "hidden=32", "layers=1", "heads=2",
                "steps=3", "batch=4", "micro=4", "warmup=1", "probe-problems=4", "probe-n=2"});
        assertTrue(Files.isRegularFile(base.resolve("config.json")));
        JsonNode info = new ObjectMapper().readTree(base.resolve("base.json").toFile());
        assertEquals(3, info.get("recipe").get("steps").asInt());
        assertTrue(info.get("probe").has("copy_rate"), info.toString());
        assertTrue(info.get("probe").has("unsolved_fixed_by_m_extra_samples"), info.toString());
        for (String mode : new String[] {"base", "reward-only", "rlrf", "rlrf-novalues", "sft"}) {
            Path out = dir.resolve(mode);
            Recipe.main(new String[] {base.toString(), out.toString(), "mode=" + mode, "prompts=3", "eval=3", "n=2", "m=2",
                    "k=1", "max-new-tokens=24", "batch=2"});
            JsonNode result = new ObjectMapper().readTree(out.resolve("result.json").toFile());
            JsonNode row = result.get("rows").get(result.get("rows").size() - 1);
            assertEquals(3, row.get("per_problem").asText().length(), mode);
            assertTrue(row.has("fact_accuracy"), mode);
        }
    }
}
