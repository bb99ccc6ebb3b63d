package io.rlrf.trainer.grpc;

import static io.rlrf.common.testing.ServiceConformanceTests.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.ListRunsRequest;
import io.rlrf.api.trainer.v1.ListRunsResponse;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.PairingConfig;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.SftConfig;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.TrainerGrpc;

/**
 * What an independent client found trainer-svc doing with hostile input (issue 18): INTERNAL for a
 * bad page token, an unknown enum number or a NUL; whole values echoed in messages; products of
 * counts that overflow; a base checkpoint whose file links out of the model store. Each now gets a
 * refusal that names the field, with values cut to a short prefix.
 */
@QuarkusTest
@WithTestResource(TinyBaseCheckpointResource.class)
class TrainerHostileInputTest {

    private static final String HUGE = "x".repeat(100 * 1024);

    private ManagedChannel channel;

    @BeforeEach
    void open() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
    }

    @AfterEach
    void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private TrainerGrpc.TrainerBlockingStub stub() {
        return TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static RunConfig.Builder rlrf() {
        return RunConfig.newBuilder().setMode(Mode.MODE_RLRF).setBaseCheckpoint("tiny/v1");
    }

    private StatusRuntimeException startRefused(Code code, String fragment, Consumer<StartRunRequest.Builder> change) {
        StartRunRequest.Builder request = StartRunRequest.newBuilder().setValidateOnly(true).setConfig(rlrf());
        change.accept(request);
        return assertStatus(code, fragment, () -> stub().startRun(request.build()));
    }

    @Test
    void aPageTokenThatIsNegativeIsInvalidArgumentAndOneBeyondTheEndIsAnEmptyPage() {
        assertStatus(Code.INVALID_ARGUMENT, "page_token '-5' is not a token this server issued",
                () -> stub().listRuns(ListRunsRequest.newBuilder().setPageToken("-5").build()));
        ListRunsResponse page = stub().listRuns(ListRunsRequest.newBuilder().setPageToken("2147483647").setPageSize(100).build());
        assertEquals(0, page.getRunsCount());
        assertEquals("", page.getNextPageToken());
    }

    @Test
    void anUnknownPairingScoreIsInvalidArgument() {
        startRefused(Code.INVALID_ARGUMENT, "config.pairing.score has an unknown value (99)",
                r -> r.getConfigBuilder().setPairing(PairingConfig.newBuilder().setScoreValue(99)));
    }

    @Test
    void aNulCharacterInTheBaseCheckpointIsInvalidArgument() {
        startRefused(Code.INVALID_ARGUMENT, "config.base_checkpoint must not contain control characters",
                r -> r.getConfigBuilder().setBaseCheckpoint("tiny\u0000v1"));
    }

    @Test
    void aBaseCheckpointWhoseFileLinksOutOfTheStoreIsRefused() throws Exception {
        Path outside = Files.createTempFile("outside-store", ".json");
        Files.writeString(outside, "secret-content-42");
        Path dir = Files.createDirectories(Path.of("target/test-models/linked-base"));
        Files.deleteIfExists(dir.resolve("config.json"));
        Files.createSymbolicLink(dir.resolve("config.json"), outside.toAbsolutePath());
        StatusRuntimeException e = startRefused(Code.INVALID_ARGUMENT,
                "config.base_checkpoint 'linked-base' leads out of the model store through a symbolic link",
                r -> r.getConfigBuilder().setBaseCheckpoint("linked-base"));
        assertFalse(e.getStatus().getDescription().contains("secret-content-42"));
    }

    @Test
    void aMissingBaseCheckpointIsNamedStoreRelative() {
        StatusRuntimeException e = startRefused(Code.INVALID_ARGUMENT,
                "config.base_checkpoint 'no/such' is not a checkpoint in the model store (no config.json or adapter_config.json)",
                r -> r.getConfigBuilder().setBaseCheckpoint("no/such"));
        assertFalse(e.getStatus().getDescription().contains(Path.of("target").toAbsolutePath().toString()));
    }

    @Test
    void longValuesAreEchoedAsAShortPrefixWithTheirLength() {
        List<StatusRuntimeException> refusals = List.of(
                startRefused(Code.INVALID_ARGUMENT, "config.task must be", r -> r.getConfigBuilder().setTask(HUGE)),
                startRefused(Code.INVALID_ARGUMENT, "config.base_checkpoint", r -> r.getConfigBuilder().setBaseCheckpoint(HUGE)),
                startRefused(Code.INVALID_ARGUMENT, "run_id must be", r -> r.setRunId(HUGE)),
                startRefused(Code.INVALID_ARGUMENT, "config.data.train_split must be",
                        r -> r.getConfigBuilder().setData(DataConfig.newBuilder().setTrainSplit(HUGE))),
                assertStatus(Code.INVALID_ARGUMENT, "run_id must be",
                        () -> stub().getRun(GetRunRequest.newBuilder().setRunId(HUGE).build())));
        for (StatusRuntimeException e : refusals) {
            String message = e.getStatus().getDescription();
            assertTrue(message.length() < 300 && message.contains("(102400 characters)"), message);
        }
    }

    @Test
    void batchSizeTimesGradAccumulationCannotOverflow() {
        // 65536 x 65536 wrapped to 0 and failed the run at TRAIN with "/ by zero".
        startRefused(Code.RESOURCE_EXHAUSTED, "config.dpo.batch_size is 65536, above the limit of 1024",
                r -> r.getConfigBuilder().setDpo(DpoConfig.newBuilder().setBatchSize(65536).setGradAccumulation(65536)));
        startRefused(Code.RESOURCE_EXHAUSTED, "config.dpo.batch_size x config.dpo.grad_accumulation is 262144, above the "
                + "limit of 4096 (set by rlrf.trainer.limits.max-pairs-per-step)",
                r -> r.getConfigBuilder().setDpo(DpoConfig.newBuilder().setBatchSize(1024).setGradAccumulation(256)));
    }

    @Test
    void everyCountHasAnUpperBound() {
        startRefused(Code.RESOURCE_EXHAUSTED, "config.dpo.epochs is 2147483647, above the limit of 100 (set by rlrf.trainer.limits.max-epochs)",
                r -> r.getConfigBuilder().setDpo(DpoConfig.newBuilder().setEpochs(Integer.MAX_VALUE)));
        startRefused(Code.RESOURCE_EXHAUSTED, "config.sft.batch_size is 2147483647, above the limit of 1024",
                r -> r.getConfigBuilder().setSft(SftConfig.newBuilder().setBatchSize(Integer.MAX_VALUE)));
        startRefused(Code.RESOURCE_EXHAUSTED, "config.pairing.pairs_per_prompt is 2147483647, above the limit of 32",
                r -> r.getConfigBuilder().setPairing(PairingConfig.newBuilder().setPairsPerPrompt(Integer.MAX_VALUE)));
        startRefused(Code.RESOURCE_EXHAUSTED, "config.data.train_prompts x config.pairing.pairs_per_prompt x config.dpo.epochs "
                + "is 320000000, above the limit of 10000000 (set by rlrf.trainer.limits.max-training-examples)",
                r -> r.getConfigBuilder().setData(DataConfig.newBuilder().setTrainPrompts(100000))
                        .setPairing(PairingConfig.newBuilder().setPairsPerPrompt(32)).setDpo(DpoConfig.newBuilder().setEpochs(100)));
        startRefused(Code.INVALID_ARGUMENT, "config.data.difficulty_levels lists 5 levels; there are at most 4",
                r -> r.getConfigBuilder().setData(DataConfig.newBuilder().addAllDifficultyLevels(List.of(1, 1, 1, 1, 1))));
        startRefused(Code.RESOURCE_EXHAUSTED, "(characters) is 102400, above the limit of 256 (set by rlrf.trainer.limits.max-label-chars)",
                r -> r.getConfigBuilder().putLabels("note", HUGE));
    }
}
