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
