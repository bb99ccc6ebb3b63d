package io.rlrf.trainer.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.ResumeRunRequest;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunEvent;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.api.trainer.v1.StageProgress;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.TrainerGrpc;
import io.rlrf.api.trainer.v1.WatchRunRequest;
import io.rlrf.common.testing.ServiceProcess;

/**
 * Crash safety with a real crash: the packaged trainer-svc runs as its own JVM against the real
 * peers and Infinispan, and is killed with SIGKILL ({@code kill -9}) in the middle of a stage, twice
 * (while sampling, then while training). Each time a new trainer process starts on the same run
 * root, finds the run INTERRUPTED and resumes it; the finished run's samples, pairs, reference
 * scores and checkpoint are byte-identical to an uninterrupted run with the same seed, and no pair is
 * duplicated.
 *
 * <p>Tagged {@code packaged}: it needs trainer-svc's own jar, so Maven runs it after {@code package}
 * (the surefire execution {@code packaged} in the integration-test phase).
 */
@Tag("packaged")
class TrainerKillResumeTest {

    private static final Path RUN_ROOT = Path.of("target/kill-runs").toAbsolutePath();

    private static PeerServicesResource peers;
    private static Map<String, String> peerConfig;
    private static final int PORT = ServiceProcess.freePort();
    private Process trainer;
    private ManagedChannel channel;

    @BeforeAll
    static void startPeers() {
        PeerServicesResource.deleteRecursively(RUN_ROOT);
        peers = new PeerServicesResource();
        peerConfig = peers.start();
    }

    @AfterAll
    static void stopPeers() {
        if (peers != null) {
            peers.stop();
        }
    }

    @AfterEach
    void stopTrainer() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        ServiceProcess.stop(trainer);
    }

    /** A trainer-svc process on the shared run root and model store, talking to the peers. */
    private TrainerGrpc.TrainerBlockingStub startTrainer() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        trainer = ServiceProcess.start("trainer", PORT, List.of(
                "-Dquarkus.grpc.clients.generator.port=" + peerConfig.get("quarkus.grpc.clients.generator.port"),
                "-Dquarkus.grpc.clients.reward.port=" + peerConfig.get("quarkus.grpc.clients.reward.port"),
                "-Dquarkus.grpc.clients.reflector.port=" + peerConfig.get("quarkus.grpc.clients.reflector.port"),
                "-Drlrf.trainer.storage.model-store=" + Path.of(PeerServicesResource.STORE).toAbsolutePath(),
                "-Drlrf.trainer.storage.run-root=" + RUN_ROOT,
                // generator-svc guards LoadCheckpoint (PeerServicesResource): the trainer carries its token.
                "-Drlrf.trainer.generator.access-token=" + peerConfig.get("rlrf.trainer.generator.access-token"),
                // Small generate batches and DPO steps: each stage has several safe points to be killed between.
                "-Drlrf.trainer.loop.generate-batch-prompts=2"));
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", PORT).usePlaintext().build();
        return TrainerGrpc.newBlockingStub(channel);
    }

    private static RunConfig config() {
        RunConfig tiny = RunEndToEndTest.tiny();
        return tiny.toBuilder().setData(tiny.getData().toBuilder().setTrainPrompts(8))
                .setDpo(DpoConfig.newBuilder().setBatchSize(1).setEpochs(2).setLearningRate(1e-3).setBeta(0.1)).build();
    }

    private static Run awaitEnd(TrainerGrpc.TrainerBlockingStub stub, String id) {
        stub.withDeadlineAfter(300, TimeUnit.SECONDS).watchRun(WatchRunRequest.newBuilder().setRunId(id).build())
                .forEachRemaining(e -> { });
        return stub.getRun(GetRunRequest.newBuilder().setRunId(id).build());
    }

    /** Watches {@code id} until a progress event matches, then kills the trainer with SIGKILL at once. */
    private void killWhen(TrainerGrpc.TrainerBlockingStub stub, String id, Predicate<StageProgress> when)
            throws InterruptedException {
        var events = stub.withDeadlineAfter(300, TimeUnit.SECONDS)
                .watchRun(WatchRunRequest.newBuilder().setRunId(id).build());
        boolean killed = false;
        try {
            while (events.hasNext()) {
                RunEvent e = events.next();
                if (e.hasProgress() && when.test(e.getProgress())) {
                    trainer.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no goodbye
                    killed = true;
                    break;
                }
            }
        } catch (StatusRuntimeException e) {
            // the stream may break before we read the event we wanted; then the run got past it
        }
        assertTrue(killed, "the run ended before the kill point");
        assertTrue(trainer.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, trainer.exitValue(), "killed by SIGKILL");
    }

    @Test
    void aTrainerKilledMidStageTwiceResumesToTheSameSamplesPairsAndCheckpoint() throws Exception {
        TrainerGrpc.TrainerBlockingStub stub = startTrainer();
        stub.startRun(StartRunRequest.newBuilder().setRunId("kill-a").setConfig(config()).build());
        assertEquals(RunState.RUN_STATE_SUCCEEDED, awaitEnd(stub, "kill-a").getState());

        stub.startRun(StartRunRequest.newBuilder().setRunId("kill-b").setConfig(config()).build());
        Path b = RUN_ROOT.resolve("kill-b/iter-1");
        killWhen(stub, "kill-b", p -> p.getStage() == Stage.STAGE_SAMPLE && p.getDone() > 0 && p.getDone() < p.getTotal());
        assertFalse(Files.exists(b.resolve("sample.done")), "killed during sampling");

        stub = startTrainer();
        assertEquals(RunState.RUN_STATE_INTERRUPTED, stub.getRun(GetRunRequest.newBuilder().setRunId("kill-b").build())
                .getState());
        stub.resumeRun(ResumeRunRequest.newBuilder().setRunId("kill-b").build());
        killWhen(stub, "kill-b", p -> p.getStage() == Stage.STAGE_TRAIN && p.getDone() > 0 && p.getDone() < p.getTotal());
        assertTrue(Files.exists(b.resolve("pair.done")));
        assertFalse(Files.exists(b.resolve("train.done")), "killed during training");

        stub = startTrainer();
        assertEquals(RunState.RUN_STATE_INTERRUPTED, stub.getRun(GetRunRequest.newBuilder().setRunId("kill-b").build())
                .getState());
        stub.resumeRun(ResumeRunRequest.newBuilder().setRunId("kill-b").build());
        Run done = awaitEnd(stub, "kill-b");
        assertEquals(RunState.RUN_STATE_SUCCEEDED, done.getState(), done.getError());

        Path a = RUN_ROOT.resolve("kill-a/iter-1");
        for (String file : List.of("samples.jsonl", "refinements.jsonl", "pairs.jsonl", "scored-pairs.jsonl")) {
            assertEquals(Files.readString(a.resolve(file)), Files.readString(b.resolve(file)), file);
        }
        // The evaluation answers too; they name the checkpoint that gave them, which is each run's own.
        assertEquals(Files.readString(a.resolve("eval-answers.jsonl")),
                Files.readString(b.resolve("eval-answers.jsonl")).replace("runs/kill-b/", "runs/kill-a/"));
        // The same feedback, except that run b got it from reward-svc's cache (run a had judged the same
        // answers): work done before the crash, and by the other run, is re-used, not redone.
        String feedbackB = Files.readString(b.resolve("feedback.jsonl"));
        assertTrue(feedbackB.contains(",\"cached\":true"), "run b's feedback came from the cache");
        assertEquals(Files.readString(a.resolve("feedback.jsonl")), feedbackB.replace(",\"cached\":true", ""));
        assertArrayEquals(Files.readAllBytes(a.resolve("checkpoint/model.safetensors")),
                Files.readAllBytes(b.resolve("checkpoint/model.safetensors")));
        List<String> pairs = Files.readAllLines(b.resolve("pairs.jsonl"));
        Set<String> ids = new HashSet<>();
        for (String line : pairs) {
            String id = line.substring(line.indexOf("\"id\":\"") + 6);
            assertTrue(ids.add(id.substring(0, id.indexOf('"'))), "pair duplicated: " + line);
        }
        assertTrue(pairs.size() >= 4, "the run built pairs: " + pairs.size());
    }
}
