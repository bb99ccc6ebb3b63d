package io.rlrf.cli.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.rlrf.cli.RlrfCliAccess;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.tokenizer.CharTokenizerSpec;

/**
 * {@code rlrf-cli experiment --in-process} runs every mode from one base through the loop's stages
 * with in-process peers: per seed reward-only, rlrf, sft and rlrf-novalues, the last judged by the
 * judge without right values, and results.json carries rlrf minus each mode. A tiny random-weight
 * base and a few prompts: this proves the wiring, not learning.
 */
class InProcessExperimentTest {

    private static final String CONFIG = """
            base_checkpoint: "tiny/v1"
            data { train_prompts: 3 eval_prompts: 2 }
            sampling { n: 2 max_new_tokens: 12 }
            reflection { k: 1 m: 2 max_new_tokens: 12 }
            dpo { batch_size: 2 epochs: 1 }
            sft { batch_size: 2 }
            eval { max_new_tokens: 12 }
            """;

    @TempDir
    Path dir;

    @Test
    void everyModeRunsInProcessAndTheResultsPairRlrfWithEachMode() throws Exception {
        Path store = dir.resolve("models");
        String alphabet = CharTokenizerSpec.PRINTABLE_ASCII;
        try (Policy p = Policy.initialize(LlamaConfig.of(CharTokenizerSpec.vocabSize(alphabet), 32, 64, 1, 2, 2, 512,
                true), CharTokenizerSpec.toJson(alphabet), 42)) {
            p.save(store.resolve("tiny/v1"), Map.of());
        }
        Path config = dir.resolve("config.textproto");
        Files.writeString(config, CONFIG);
        Path runs = dir.resolve("runs");
        Path out = dir.resolve("out");
        var printed = new ByteArrayOutputStream();
        var errors = new ByteArrayOutputStream();
        int status = RlrfCliAccess.run(new String[] {"experiment", "--in-process", "--store", store.toString(), "--runs",
                runs.toString(), "--out", out.toString(), "--config", config.toString(), "--iterations", "1", "--seeds", "1,2",
                "--modes", "reward-only,rlrf,sft,rlrf-novalues"}, new PrintStream(printed), new PrintStream(errors));
        assertEquals(0, status, printed.toString(StandardCharsets.UTF_8) + errors.toString(StandardCharsets.UTF_8));

        JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        List<String> modes = new ArrayList<>();
        results.get("runs").forEach(r -> modes.add(r.get("seed").asInt() + ":" + r.get("mode").asText()));
        assertEquals(List.of("1:reward-only", "1:rlrf", "1:sft", "1:rlrf-novalues", "2:reward-only", "2:rlrf", "2:sft",
                "2:rlrf-novalues"), modes);
        for (String d : List.of("rlrf_minus_base", "rlrf_minus_reward_only", "rlrf_minus_sft", "rlrf_minus_rlrf_novalues")) {
            assertEquals(2, results.get("differences").get(d).get("per_seed").size(), d);
        }

        // Who judged: the novalues runs' feedback comes from the judge without right values, rlrf's from the default.
        for (Path run : list(runs)) {
            String name = run.getFileName().toString();
            Path iter = run.resolve("iter-1");
            if (name.endsWith("-sft")) {
                assertFalse(Files.exists(iter.resolve("samples.jsonl")), "sft trains on the references: " + name);
                continue;
            }
            String feedback = Files.readString(iter.resolve("feedback.jsonl"));
            String judge = name.endsWith("-rlrf-novalues") ? "verifier-gsm8k-novalues" : "verifier-gsm8k";
            assertTrue(feedback.contains("\"judgeId\":\"" + judge + "\""), name);
            assertFalse(feedback.contains("\"judgeId\":\"" + (judge.endsWith("novalues") ? "verifier-gsm8k\"" : "verifier-gsm8k-novalues\"")),
                    name);
        }
    }

    @Test
    void theFactsTaskReportsPrecisionPerIterationAndItsNoValuesModeUsesTheFactsJudgeWithoutValues() throws Exception {
        Path store = dir.resolve("models");
        String alphabet = CharTokenizerSpec.PRINTABLE_ASCII;
        try (Policy p = Policy.initialize(LlamaConfig.of(CharTokenizerSpec.vocabSize(alphabet), 32, 64, 1, 2, 2, 512,
                true), CharTokenizerSpec.toJson(alphabet), 42)) {
            p.save(store.resolve("tiny/v1"), Map.of());
        }
        Path config = Files.writeString(dir.resolve("config.textproto"), CONFIG);
        Path runs = dir.resolve("runs");
        Path out = dir.resolve("out");
        var printed = new ByteArrayOutputStream();
        var errors = new ByteArrayOutputStream();
        int status = RlrfCliAccess.run(new String[] {"experiment", "--in-process", "--task", "facts", "--store",
                store.toString(), "--runs", runs.toString(), "--out", out.toString(), "--config", config.toString(),
                "--iterations", "1", "--modes", "reward-only,rlrf-novalues"}, new PrintStream(printed), new PrintStream(errors));
        String text = printed.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, text + errors.toString(StandardCharsets.UTF_8));
        assertTrue(text.contains("factual precision") && text.contains("precision"), text);
        assertTrue(text.contains("mean score "), "the iteration line gives the mean score: " + text);

        JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        for (JsonNode run : results.get("runs")) {
            assertEquals("facts", run.get("task").asText());
            JsonNode iterations = run.get("iterations");
            assertEquals(2, iterations.size(), "the base and iteration 1");
            iterations.forEach(it -> assertTrue(it.has("mean_score"), it.toString()));
        }
        for (Path run : list(runs)) {
            String feedback = Files.readString(run.resolve("iter-1/feedback.jsonl"));
            String judge = run.getFileName().toString().endsWith("-rlrf-novalues") ? "verifier-facts-novalues" : "verifier-facts";
            assertTrue(feedback.contains("\"judgeId\":\"" + judge + "\""), run + ": " + feedback.substring(0, 300));
        }
        var bad = new ByteArrayOutputStream();
        assertEquals(2, RlrfCliAccess.run(new String[] {"experiment", "--in-process", "--task", "poetry"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(bad)));
        assertTrue(bad.toString(StandardCharsets.UTF_8).contains("--task: unknown task 'poetry'"), bad.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anUnknownModeIsBadUsage() {
        var errors = new ByteArrayOutputStream();
        assertEquals(2, RlrfCliAccess.run(new String[] {"experiment", "--in-process", "--modes", "rlrf,dpo"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(errors)));
        assertTrue(errors.toString(StandardCharsets.UTF_8).contains("unknown mode 'dpo'; modes: reward-only, rlrf, sft, "
                + "rlrf-novalues"), errors.toString(StandardCharsets.UTF_8));
    }

    private static List<Path> list(Path runs) throws Exception {
        try (Stream<Path> s = Files.list(runs)) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }
}
