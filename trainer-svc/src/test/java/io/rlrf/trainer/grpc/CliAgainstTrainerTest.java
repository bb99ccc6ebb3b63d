package io.rlrf.trainer.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.rlrf.api.trainer.v1.ExportPairsRequest;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.TrainerGrpc;
import io.rlrf.cli.RlrfCli;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.trainer.service.RunService;

/**
 * The command line against this trainer-svc over real gRPC on loopback: run start from a YAML file and
 * flags, runs list|show|watch|cancel, the services' errors printed as their status, and pairs export of
 * a recorded run whose rows carry exactly its pair files' answers. No peers run here (their addresses
 * are closed ports), so a started run fails at its first call to generator-svc: what is proven is the
 * CLI's wiring and exit statuses, not training.
 */
@QuarkusTest
@WithTestResource(TinyBaseCheckpointResource.class)
class CliAgainstTrainerTest {

    private static final Path RECORDED = Path.of("../loop/src/test/resources/recorded");
    /** The test profile's run root (application.properties). */
    private static final Path RUN_ROOT = Path.of("target/test-runs");

    @Inject
    RunService runs;

    record Result(int status, String out, String err) {
    }

    /** Runs the CLI in this JVM against this test's trainer-svc (also used by {@link CliRoundTripTest}). */
    static Result cli(String... args) {
        String[] withTarget = new String[args.length + 2];
        System.arraycopy(args, 0, withTarget, 0, args.length);
        withTarget[args.length] = "--trainer";
        withTarget[args.length + 1] = "127.0.0.1:" + RestAssured.port;
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = RlrfCli.run(withTarget, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String newId() {
        return "cli-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void validateOnlyPrintsTheResolvedConfigFromAYamlFileAndFlags() throws Exception {
        Path yaml = Files.writeString(Files.createTempFile("run", ".yaml"), """
                mode: MODE_RLRF
                base_checkpoint: tiny/v1
                sampling:
                  n: 4
                """);
        Result r = cli("run", "start", "--config", yaml.toString(), "--iterations", "2", "--validate-only");

        assertEquals(0, r.status(), r.err());
        JsonNode config = new ObjectMapper().readTree(r.out());
        assertEquals("MODE_RLRF", config.get("mode").asText());
        assertEquals(4, config.get("sampling").get("n").asInt());
        assertEquals(2, config.get("iterations").asInt());
        assertEquals(8, config.get("reflection").get("m").asInt(), "the trainer's default, filled in");
    }

    @Test
    void aStartedRunIsListedShownWatchedToItsFailureAndCancelled() {
        String id = newId();
        Result started = cli("run", "start", "--mode", "rlrf", "--base-checkpoint", "tiny/v1", "--iterations", "1",
                "--train-prompts", "2", "--eval-prompts", "2", "--run-id", id, "--label", "by=cli");
        assertEquals(0, started.status(), started.err());
        assertTrue(started.out().startsWith("run " + id + " "), started.out());

        // No generator-svc here: the run fails at its first call, and watch says so with status 1.
        Result watched = cli("runs", "watch", id);
        assertEquals(1, watched.status(), watched.out());
        assertTrue(watched.out().contains("[" + id + " #"), watched.out());
        assertTrue(watched.err().contains("run " + id + " ended failed"), watched.err());

        Result listed = cli("runs", "list");
        assertEquals(0, listed.status(), listed.err());
        assertTrue(listed.out().lines().anyMatch(l -> l.startsWith(id) && l.contains("failed") && l.contains("rlrf")),
                listed.out());
        Result failedOnly = cli("runs", "list", "--state", "succeeded");
        assertTrue(failedOnly.out().lines().noneMatch(l -> l.startsWith(id)), failedOnly.out());

        Result shown = cli("runs", "show", id);
        assertEquals(0, shown.status(), shown.err());
        assertTrue(shown.out().contains("state      failed: "), shown.out());
        assertTrue(shown.out().contains("{by=cli}"), shown.out());
        Result json = cli("runs", "show", id, "--json");
        assertTrue(json.out().contains("\"run_id\":\"" + id + "\""), json.out());

        // Cancelling a run that is no longer running answers its state; it stays resumable.
        Result cancelled = cli("runs", "cancel", id);
        assertEquals(0, cancelled.status(), cancelled.err());
        assertEquals("run " + id + " failed", cancelled.out().strip());
    }

    @Test
    void theServicesErrorsArePrintedAsTheirStatusWithExitOne() {
        Result unknown = cli("runs", "show", "no-such-run");
        assertEquals(1, unknown.status());
        assertEquals("error: trainer-svc at 127.0.0.1:" + RestAssured.port + " answered NOT_FOUND: run no-such-run does not exist",
                unknown.err().strip());

        Result badValue = cli("run", "start", "--mode", "rlrf", "--base-checkpoint", "tiny/v1", "--samples", "0");
        assertEquals(1, badValue.status());
        assertTrue(badValue.err().contains("answered INVALID_ARGUMENT: config.sampling.n must be at least 1, got 0"),
                badValue.err());
        assertTrue(!badValue.err().contains("\tat "), "no stack trace");

        Result resume = cli("runs", "cancel", "no-such-run");
        assertEquals(1, resume.status());
        assertTrue(resume.err().contains("NOT_FOUND"), resume.err());
    }

    @Test
    void anOfflineDpoRunFromAnExportedFileIsValidatedAndABadLineIsNamed() throws Exception {
        String id = recordedRun();
        Path exported = Files.createTempDirectory("export").resolve("pairs.jsonl");
        assertEquals(0, cli("pairs", "export", id, "--out", exported.toString()).status());

        Result resolved = cli("run", "start", "--pairs", exported.toString(), "--base-checkpoint", "tiny/v1", "--validate-only");
        assertEquals(0, resolved.status(), resolved.err());
        JsonNode config = new ObjectMapper().readTree(resolved.out());
        assertEquals("MODE_DPO_OFFLINE", config.get("mode").asText());
        assertEquals(exported.toAbsolutePath().toString(), config.get("data").get("pairs_file").asText());

        Path bad = Files.writeString(exported.resolveSibling("bad.jsonl"), Files.readAllLines(exported).get(0) + "\n"
                + "{\"prompt\": \"Question:\\nq\\nAnswer:\\n\", \"rejected\": \"b\"}\n");
        Result refused = cli("run", "start", "--mode", "dpo-offline", "--pairs", bad.toString(), "--base-checkpoint", "tiny/v1");
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("answered INVALID_ARGUMENT: config.data.pairs_file '"), refused.err());
        assertTrue(refused.err().contains("line 2: \"chosen\" is missing"), refused.err());
    }

    /** A finished one-iteration run in the run root with the recorded rlrf run's pairs, as the trainer loads it. */
    private String recordedRun() throws Exception {
        String id = newId();
        Path dir = RUN_ROOT.resolve(id);
        Files.createDirectories(dir.resolve("iter-1"));
        Files.copy(RECORDED.resolve("rec-rlrf/pairs.jsonl"), dir.resolve("iter-1/pairs.jsonl"));
        Files.writeString(dir.resolve("iter-1/pair.done"), "");
        RunConfig config = RunFiles.fromJson(Files.readString(RECORDED.resolve("rec-rlrf/config.json")), RunConfig::newBuilder);
        Files.writeString(dir.resolve("run.json"), RunFiles.toJson(Run.newBuilder().setRunId(id).setConfig(config)
                .setState(RunState.RUN_STATE_SUCCEEDED).build()) + "\n");
        runs.reloadFromDisk();
        return id;
    }

    @Test
    void pairsExportOfARecordedRunGivesItsPairsAsPreferenceRows() throws Exception {
        String id = recordedRun();
        Path file = Files.createTempDirectory("export").resolve("pairs.jsonl");

        Result r = cli("pairs", "export", id, "--iteration", "1", "--out", file.toString());

        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("wrote 3 pair(s) of run " + id), r.err());
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> pairs = new ArrayList<>();
        for (String line : Files.readAllLines(RECORDED.resolve("rec-rlrf/pairs.jsonl"))) {
            pairs.add(json.readTree(line));
        }
        List<String> rows = Files.readAllLines(file);
        assertEquals(pairs.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode row = json.readTree(rows.get(i));
            JsonNode pair = pairs.get(i);
            // The trainer's default answer template around the question.
            assertEquals("Question:\n" + pair.get("question").asText() + "\nAnswer:\n", row.get("prompt").asText());
            assertEquals(pair.get("chosen").get("text").asText(), row.get("chosen").asText());
            assertEquals(pair.get("rejected").get("text").asText(), row.get("rejected").asText());
            assertEquals(1, row.get("iteration").asInt());
            assertEquals(pair.get("id").asText(), row.get("pair_id").asText());
            assertEquals(pair.get("chosen").get("id").asText(), row.get("chosen_candidate").get("id").asText());
            assertEquals("sample", row.get("chosen_candidate").get("origin").asText());
            assertEquals(pair.get("rejected").get("score").asDouble(), row.get("rejected_candidate").get("score").asDouble());
        }
        // Every iteration (the default) of a one-iteration run is the same rows, to standard output.
        Result all = cli("pairs", "export", id);
        assertEquals(0, all.status(), all.err());
        assertEquals(Files.readString(file), all.out());
    }

    @Test
    void exportRefusesAnIterationThatHasNoPairsOrDoesNotExist() throws Exception {
        String id = recordedRun();
        Result beyond = cli("pairs", "export", id, "--iteration", "2");
        assertEquals(1, beyond.status());
        assertTrue(beyond.err().contains("INVALID_ARGUMENT: iteration must be at most the run's 1 iteration(s), got 2"),
                beyond.err());
        Files.delete(RUN_ROOT.resolve(id).resolve("iter-1/pair.done"));
        Result unpaired = cli("pairs", "export", id, "--iteration", "1");
        assertEquals(1, unpaired.status());
        assertTrue(unpaired.err().contains("FAILED_PRECONDITION: run " + id + " has not finished the PAIR stage of iteration 1"),
                unpaired.err());
        // Over the RPC itself, a negative iteration names the field.
        var channel = ManagedChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
        try {
            var rows = TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .exportPairs(ExportPairsRequest.newBuilder().setRunId(id).setIteration(-1).build());
            StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, rows::hasNext);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().startsWith("iteration "), e.getStatus().getDescription());
        } finally {
            channel.shutdownNow();
        }
    }
}
