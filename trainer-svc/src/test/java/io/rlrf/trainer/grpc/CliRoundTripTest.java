package io.rlrf.trainer.grpc;

import static io.rlrf.trainer.grpc.CliAgainstTrainerTest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rlrf.loop.run.Records.Pair;
import io.rlrf.loop.run.RunFiles;

/**
 * Pairs out and in through the services, from the command line: a tiny rlrf run started with
 * {@code run start --config run.yaml --watch} through the real peers ({@link PeerServicesResource}),
 * its pairs exported with {@code pairs export}, and an offline DPO run started from that file with
 * {@code run start --pairs}, which trains on exactly those pairs, publishes and evaluates. Random
 * weights: this proves the plumbing, not learning.
 */
@QuarkusTest
@WithTestResource(PeerServicesResource.class)
class CliRoundTripTest {

    private static final String TINY_RLRF = """
            mode: MODE_RLRF
            base_checkpoint: tiny/v1
            iterations: 1
            seed: 7
            data: {train_prompts: 3, eval_prompts: 2, difficulty_levels: [1]}
            sampling: {n: 3, max_new_tokens: 24}
            reflection: {k: 1, m: 2, max_new_tokens: 24}
            pairing: {delta: 0, truncated: TRUNCATION_UNFINISHED}
            dpo: {batch_size: 2, learning_rate: 1.0e-3}
            eval: {max_new_tokens: 24}
            """;
    // Random weights answer to the 24-token cap: both runs pair and train such answers unfinished (no EOS).
    private static final String TINY_OFFLINE = """
            base_checkpoint: tiny/v1
            iterations: 1
            seed: 7
            data: {eval_prompts: 2, difficulty_levels: [1]}
            pairing: {truncated: TRUNCATION_UNFINISHED}
            dpo: {batch_size: 2}
            eval: {max_new_tokens: 24}
            """;

    // The factuality world: prompts about train-split entities, held-out ones about test-split entities,
    // judged by reward-svc's verifier-facts. tiny/v1 (random weights) answers to the 24-token cap.
    private static final String TINY_FACTS = """
            mode: MODE_RLRF
            task: facts
            base_checkpoint: tiny/v1
            iterations: 1
            seed: 7
            data: {train_prompts: 3, eval_prompts: 2}
            sampling: {n: 3, max_new_tokens: 24}
            reflection: {k: 1, m: 2, max_new_tokens: 24}
            pairing: {delta: 0, truncated: TRUNCATION_UNFINISHED}
            dpo: {batch_size: 2, learning_rate: 1.0e-3}
            eval: {max_new_tokens: 24}
            """;

    @Test
    void aFactsRunCompletesThroughTheServicesFromTheCliAndReportsItsMeanScore() throws Exception {
        Path dir = Files.createTempDirectory("facts");
        Path facts = Files.writeString(dir.resolve("facts.yaml"), TINY_FACTS);
        var run = cli("run", "start", "--config", facts.toString(), "--run-id", "rt-facts", "--watch");
        assertEquals(0, run.status(), run.out() + run.err());
        assertTrue(run.out().contains("succeeded"), run.out());

        Path iter = Path.of(PeerServicesResource.RUN_ROOT, "rt-facts/iter-1");
        List<String> samples = Files.readAllLines(iter.resolve("samples.jsonl"));
        assertTrue(samples.stream().allMatch(l -> l.contains("\"promptId\":\"facts-train-")), samples.get(0));
        String evaluated = Files.readString(iter.resolve("eval-answers.jsonl"));
        assertTrue(evaluated.contains("facts-test-"), evaluated);
        String feedback = Files.readString(iter.resolve("feedback.jsonl"));
        assertTrue(feedback.contains("\"judgeId\":\"verifier-facts\"") && feedback.contains("\"aspect\":\"factuality\""),
                feedback);

        var shown = cli("runs", "show", "rt-facts", "--json");
        assertEquals(0, shown.status(), shown.err());
        JsonNode json = new ObjectMapper().readTree(shown.out());
        assertEquals("facts", json.get("config").get("task").asText());
        assertTrue(json.get("iterations").get(0).has("mean_aspect_rating"), shown.out());
    }

    @Test
    void aRunsExportedPairsTrainAnOfflineDpoRunStartedFromTheCli() throws Exception {
        Path dir = Files.createTempDirectory("round-trip");
        Path rlrf = Files.writeString(dir.resolve("rlrf.yaml"), TINY_RLRF);
        var source = cli("run", "start", "--config", rlrf.toString(), "--run-id", "rt-source", "--watch");
        assertEquals(0, source.status(), source.out() + source.err());
        assertTrue(source.out().contains("succeeded"), source.out());

        Path pairs = dir.resolve("pairs.jsonl");
        var export = cli("pairs", "export", "rt-source", "--out", pairs.toString());
        assertEquals(0, export.status(), export.err());
        List<Pair> sourcePairs = RunFiles.readRecords(Path.of(PeerServicesResource.RUN_ROOT, "rt-source/iter-1/pairs.jsonl"),
                Pair.class);
        List<String> rows = Files.readAllLines(pairs);
        assertEquals(sourcePairs.size(), rows.size());
        assertFalse(rows.isEmpty(), "the tiny run made pairs");
        JsonNode first = new ObjectMapper().readTree(rows.get(0));
        assertEquals("Question:\n" + sourcePairs.get(0).question() + "\nAnswer:\n", first.get("prompt").asText());

        Path offline = Files.writeString(dir.resolve("offline.yaml"), TINY_OFFLINE);
        var trained = cli("run", "start", "--config", offline.toString(), "--pairs", pairs.toString(), "--run-id",
                "rt-offline", "--watch");
        assertEquals(0, trained.status(), trained.out() + trained.err());
        assertTrue(trained.out().contains("dpo-offline"), trained.out());

        Path iter = Path.of(PeerServicesResource.RUN_ROOT, "rt-offline/iter-1");
        List<Pair> trainedPairs = RunFiles.readRecords(iter.resolve("pairs.jsonl"), Pair.class);
        assertEquals(sourcePairs.size(), trainedPairs.size());
        for (int i = 0; i < sourcePairs.size(); i++) {
            assertEquals(sourcePairs.get(i).chosen().text(), trainedPairs.get(i).chosen().text());
            assertEquals(sourcePairs.get(i).rejected().text(), trainedPairs.get(i).rejected().text());
            assertEquals(sourcePairs.get(i).chosen().id(), trainedPairs.get(i).chosen().id(), "lineage kept");
        }
        assertFalse(Files.exists(iter.resolve("samples.jsonl")), "an offline run samples nothing");
        assertTrue(Files.exists(Path.of(PeerServicesResource.STORE, "runs/rt-offline/iter-1/model.safetensors")), "published");
        var shown = cli("runs", "show", "rt-offline");
        assertTrue(shown.out().contains("state      succeeded"), shown.out());
        assertTrue(shown.out().contains("runs/rt-offline/iter-1"), shown.out());
    }
}
