package io.rlrf.generator.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.api.generator.v1.LoadCheckpointResponse;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.generator.service.ModelStore;
import io.rlrf.generator.service.ServedModel;
import io.rlrf.model.GradMode;
import io.rlrf.model.Policy;
import io.rlrf.model.lora.LoraConfig;
import io.rlrf.model.lora.LoraWeights;

/**
 * LoRA adapters hot-swapped onto the loaded base: LoadCheckpoint of an adapter directory whose
 * {@code adapter_config.json} names the served base reuses that base's weights (not read again) and
 * samples what the merged checkpoint samples.
 */
@QuarkusTest
class AdapterHotSwapTest {

    static final Path STORE = Path.of("target/test-models");

    @Inject
    ModelStore models;

    private ManagedChannel channel;

    @BeforeEach
    void openChannel() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
    }

    @AfterEach
    void closeChannel() throws InterruptedException {
        // later tests expect the initial version
        stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("tiny/v1").build());
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private GeneratorGrpc.GeneratorBlockingStub stub() {
        return GeneratorGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    /** A trained-looking adapter on tiny/v1 (B not zero) and the same adapter merged into a full checkpoint. */
    private static void writeAdapterAndMerged(Path adapterDir, Path mergedDir, String baseVersion) throws Exception {
        if (Files.exists(adapterDir) && Files.exists(mergedDir)) {
            return;
        }
        try (Policy base = Policy.load(STORE.resolve("tiny/v1"))) {
            LoraWeights a = base.newAdapter(LoraConfig.allProjections(2, 4, 0), 3);
            GradMode.withoutGradients(() -> {
                a.byName().forEach((name, t) -> {
                    if (name.endsWith("lora_B.weight")) {
                        t.addi(t.getManager().ones(t.getShape()).mul(0.05f));
                    }
                });
                return null;
            });
            base.saveAdapter(adapterDir, baseVersion, Map.of());
            base.save(mergedDir, Map.of()); // merged on save
        }
    }

    private static GenerateRequest greedy() {
        return GenerateRequest.newBuilder().setN(1).addPrompts(Prompt.newBuilder().setText("What is 2 + 3?"))
                .setSampling(SamplingParams.newBuilder().setTemperature(0f).setMaxNewTokens(16).setReturnLogprobs(true)).build();
    }

    @Test
    void anAdapterIsServedOnTheLoadedBaseAndSamplesWhatTheMergedCheckpointSamples() throws Exception {
        writeAdapterAndMerged(STORE.resolve("adapters/tiny-v1-lora"), STORE.resolve("adapters/tiny-v1-merged"), "tiny/v1");
        GenerateResponse onBase = stub().generate(greedy());
        LoadCheckpointResponse merged = stub().loadCheckpoint(LoadCheckpointRequest.newBuilder()
                .setVersion("adapters/tiny-v1-merged").build());
        assertEquals("adapters/tiny-v1-merged", merged.getModel().getPolicyVersion());
        GenerateResponse onMerged = stub().generate(greedy());

        stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("tiny/v1").build());
        ServedModel base = models.peekCurrent().orElseThrow();
        LoadCheckpointResponse swap = stub().loadCheckpoint(LoadCheckpointRequest.newBuilder()
                .setVersion("adapters/tiny-v1-lora").build());
        assertEquals("tiny/v1", swap.getPreviousVersion());
        assertEquals("adapters/tiny-v1-lora", swap.getModel().getPolicyVersion());
        ServedModel adapter = models.peekCurrent().orElseThrow();
        assertSame(base.policy(), adapter.policy(), "the adapter runs on the base already in memory: not read again");
        assertEquals("tiny/v1", adapter.baseVersion());
        GenerateResponse onAdapter = stub().generate(greedy());

        assertEquals("adapters/tiny-v1-lora", onAdapter.getPolicyVersion());
        assertEquals(onMerged.getAnswers(0).getText(), onAdapter.getAnswers(0).getText(), "adapter == merged");
        for (int i = 0; i < onAdapter.getAnswers(0).getTokenLogprobsCount(); i++) {
            assertEquals(onMerged.getAnswers(0).getTokenLogprobs(i), onAdapter.getAnswers(0).getTokenLogprobs(i), 1e-4,
                    "log-prob of token " + i);
        }
        assertNotEquals(onBase.getAnswers(0).getTokenLogprobsList(), onAdapter.getAnswers(0).getTokenLogprobsList(),
                "the adapter changes the policy");

        // back to the base: the shared weights are still alive
        stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("tiny/v1").build());
        assertEquals(onBase.getAnswers(0).getText(), stub().generate(greedy()).getAnswers(0).getText());
    }

    @Test
    void anAdapterWhoseBaseIsNotInTheStoreIsRefusedNamingTheBase() throws Exception {
        writeAdapterAndMerged(STORE.resolve("adapters/orphan-lora"), STORE.resolve("adapters/orphan-merged"), "tiny/missing");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub().loadCheckpoint(
                LoadCheckpointRequest.newBuilder().setVersion("adapters/orphan-lora").build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("tiny/missing"), e.getStatus().getDescription());
    }
}
