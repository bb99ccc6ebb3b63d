package io.rlrf.trainer.grpc;

import static io.rlrf.trainer.grpc.CliAgainstTrainerTest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rlrf.cli.RlrfCli;
import io.rlrf.loop.run.Records.Pair;
import io.rlrf.loop.run.RunFiles;

/**
 * Runs from the command line through the real peers ({@link PeerServicesResource}). Pairs out and in:
 * a tiny rlrf run started with {@code run start --config run.yaml --watch}, its pairs exported with
 * {@code pairs export}, and an offline DPO run started from that file with {@code run start --pairs},
 * which trains on exactly those pairs, publishes and evaluates. GSM8K: a tiny rlrf run on task gsm8k,
 * its training prompts from four GSM8K train problems ({@code data.train_file}, test resources; the
 * full train split is not in the repository) and its held-out prompts from the shipped test split,
 * judged by reward-svc's GSM8K verifier. Just-Eval from the policy: generator-svc answers, and
 * reward-svc, which has no model judge here, refuses with FAILED_PRECONDITION. Random weights: this
 * proves the plumbing, not learning.
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

    private static final String TINY_GSM8K = """
            mode: MODE_RLRF
            task: gsm8k
            base_checkpoint: tiny/v1
            iterations: 1
            seed: 7
            data: {train_prompts: 3, eval_prompts: 2, train_file: %s}
            sampling: {n: 2, max_new_tokens: 24}
            reflection: {k: 1, m: 1, max_new_tokens: 24}
            pairing: {delta: 0, truncated: TRUNCATION_UNFINISHED}
            dpo: {batch_size: 2, learning_rate: 1.0e-3}
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
    void aGsm8kRunStartedFromTheCliCompletesThroughTheServices() throws Exception {
        Path train = Path.of("src/test/resources/gsm8k-tiny/train.jsonl").toAbsolutePath();
        Path yaml = Files.writeString(Files.createTempDirectory("gsm8k").resolve("gsm8k.yaml"),
                TINY_GSM8K.formatted(train));
        var run = cli("run", "start", "--config", yaml.toString(), "--run-id", "cli-gsm8k", "--watch");
        assertEquals(0, run.status(), run.out() + run.err());
        assertTrue(run.out().contains("succeeded"), run.out());

        Path iter = Path.of(PeerServicesResource.RUN_ROOT, "cli-gsm8k/iter-1");
        List<String> samples = Files.readAllLines(iter.resolve("samples.jsonl"));
        assertEquals(3 * 2, samples.size(), "3 prompts x n = 2");
        assertTrue(samples.stream().allMatch(l -> l.contains("\"promptId\":\"gsm8k-train-0000")), samples.get(0));
        String feedback = Files.readString(iter.resolve("feedback.jsonl"));
        assertTrue(feedback.contains("verifier-gsm8k") && feedback.contains("gsm8k"), feedback.substring(0,
                Math.min(400, feedback.length())));
        String evaluated = Files.readString(iter.resolve("eval-answers.jsonl"));
        assertTrue(evaluated.contains("gsm8k-test-"), "held out on the shipped test split");
        var shown = cli("runs", "show", "cli-gsm8k");
        assertTrue(shown.out().contains("state      succeeded"), shown.out());
    }

    @Test
    void justEvalOnThePolicyGeneratesAnswersAndStopsAtRewardSvcsMissingModelJudge() {
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        String generator = "127.0.0.1:" + config.getValue("quarkus.grpc.clients.generator.port", Integer.class);
        String reward = "127.0.0.1:" + config.getValue("quarkus.grpc.clients.reward.port", Integer.class);
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = RlrfCli.run(new String[] {"just-eval", "--generator", generator, "--reward", reward, "--limit", "2",
            "--max-new-tokens", "8"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)); // just-eval takes no --trainer, which cli() adds
        var r = new CliAgainstTrainerTest.Result(status, out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.out().startsWith("Just-Eval: 2 item(s) (2 regular, 0 safety); answers: policy "), r.out());
        assertTrue(r.err().startsWith("error: reward-svc at " + reward + " answered FAILED_PRECONDITION: task 'open' "
                + "is judged by the model judge, and none is configured on this server"), r.err());
    }

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
