package io.rlrf.trainer.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.TrainerGrpc;
import io.rlrf.api.trainer.v1.WatchRunRequest;
import io.rlrf.loop.bootstrap.Bootstrap;
import io.rlrf.loop.run.RunFiles;

/**
 * Behaviour is pinned: two tiny runs (rlrf and reward-only, one iteration each, every setting given
 * explicitly by the recorded config) through the real peers write exactly the samples, rewrites,
 * pairs, reference scores, evaluation answers and checkpoint recorded in
 * the loop module's {@code src/test/resources/recorded/} before the trainer was restructured into stages. A change
 * that alters what a run writes for the same config fails here; re-record on purpose with
 * {@code -Drlrf.record=true} (the files are rewritten in the source tree) and say why in the commit.
 */
@QuarkusTest
@WithTestResource(PeerServicesResource.class)
class RecordedRunTest {

    private static final Path RECORDED = Path.of("../loop/src/test/resources/recorded");
    private static final List<String> FILES = List.of("samples.jsonl", "refinements.jsonl", "pairs.jsonl",
            "scored-pairs.jsonl", "eval-answers.jsonl");
    private static final boolean RECORD = Boolean.getBoolean("rlrf.record");

    private ManagedChannel channel;

    @BeforeEach
    void open() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
    }

    @AfterEach
    void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void anRlrfRunWritesTheRecordedFiles() throws Exception {
        compare("rec-rlrf", RunEndToEndTest.tiny());
    }

    @Test
    void aRewardOnlyRunWritesTheRecordedFiles() throws Exception {
        RunConfig tiny = RunEndToEndTest.tiny();
        compare("rec-reward-only", tiny.toBuilder().setMode(io.rlrf.api.trainer.v1.Mode.MODE_REWARD_ONLY)
                .clearReflection().setSampling(tiny.getSampling().toBuilder().setN(4)).build());
    }

    @Test
    void aBootstrappedRunWritesTheRecordedBaseAndFiles() throws Exception {
        // The test profile's tiny bootstrap settings (application.properties) are part of what is pinned.
        compare("rec-bootstrap", RunEndToEndTest.tiny().toBuilder().clearBaseCheckpoint().setSeed(9).build());
    }

    private void compare(String id, RunConfig requested) throws Exception {
        TrainerGrpc.TrainerBlockingStub stub = TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(300, TimeUnit.SECONDS);
        Path dir = RECORDED.resolve(id);
        RunConfig config;
        if (RECORD) {
            // The resolved config, every default filled in: later default changes do not move the recording.
            config = stub.startRun(StartRunRequest.newBuilder().setConfig(requested).setValidateOnly(true).build()).getConfig();
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), RunFiles.toJson(config) + "\n");
        } else {
            config = RunFiles.fromJson(Files.readString(dir.resolve("config.json")), RunConfig::newBuilder);
        }
        stub.startRun(StartRunRequest.newBuilder().setRunId(id).setConfig(config).build());
        stub.watchRun(WatchRunRequest.newBuilder().setRunId(id).build()).forEachRemaining(e -> { });
        Run run = stub.getRun(GetRunRequest.newBuilder().setRunId(id).build());
        assertEquals(RunState.RUN_STATE_SUCCEEDED, run.getState(), run.getError());
        Path iter = Path.of(PeerServicesResource.RUN_ROOT, id, "iter-1");
        String checkpoint = sha256(iter.resolve("checkpoint/model.safetensors")) + "  model.safetensors\n";
        Path bootstrap = Path.of(PeerServicesResource.RUN_ROOT, id, "iter-0/bootstrap.json");
        if (Files.exists(bootstrap)) {
            String version = RunFiles.readRecord(bootstrap, Bootstrap.Result.class).version();
            checkpoint += sha256(Path.of(PeerServicesResource.STORE, version, "model.safetensors")) + "  " + version + "\n";
        }
        if (RECORD) {
            for (String f : FILES) {
                if (Files.exists(iter.resolve(f))) {
                    Files.copy(iter.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.writeString(dir.resolve("checkpoint.sha256"), checkpoint);
            return;
        }
        for (String f : FILES) {
            if (Files.exists(dir.resolve(f))) {
                assertEquals(Files.readString(dir.resolve(f)), Files.readString(iter.resolve(f)), id + "/" + f);
            } else {
                assertEquals(false, Files.exists(iter.resolve(f)), id + "/" + f + " was not written before");
            }
        }
        assertEquals(Files.readString(dir.resolve("checkpoint.sha256")), checkpoint, id + " checkpoint");
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
