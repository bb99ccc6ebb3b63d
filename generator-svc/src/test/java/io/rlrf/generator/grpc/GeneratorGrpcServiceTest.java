package io.rlrf.generator.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.grpc.Status.Code;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.rlrf.api.generator.v1.Answer;
import io.rlrf.api.generator.v1.DescribeModelRequest;
import io.rlrf.api.generator.v1.DescribeModelResponse;
import io.rlrf.api.generator.v1.FinishReason;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.ModelState;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.common.error.Echo;
import io.rlrf.common.testing.ServiceConformanceTests;
import io.rlrf.generator.service.ModelStore;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;

/**
 * generator-svc over real gRPC on loopback, serving a real (tiny, random-weight) checkpoint with the
 * model library: the conformance checks, every validation rule and limit (the field and the
 * property are named in the message), the store's path checks, and what Generate and DescribeModel
 * return. The test profile sets max-batch-prompts = 4, max-n = 4 and max-prompt-tokens = 64.
 */
@QuarkusTest
class GeneratorGrpcServiceTest extends ServiceConformanceTests {

    @Inject
    MeterRegistry registry;

    @Override
    protected String grpcServiceName() {
        return "rlrf.generator.v1.Generator";
    }

    private GeneratorGrpc.GeneratorBlockingStub stub() {
        return GeneratorGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static GenerateRequest.Builder valid() {
        return GenerateRequest.newBuilder()
                .addPrompts(Prompt.newBuilder().setId("p1").setText("What is 2 + 3?"))
                .setN(2)
                .setSampling(SamplingParams.newBuilder().setTemperature(0.8f).setTopP(0.95f).setMaxNewTokens(64));
    }

    @Test
    void shouldRejectEmptyBatch() {
        assertStatus(Code.INVALID_ARGUMENT, "prompts must contain at least one entry",
                () -> stub().generate(valid().clearPrompts().build()));
    }

    @Test
    void shouldRejectEmptyPrompt() {
        assertStatus(Code.INVALID_ARGUMENT, "prompts[1].text must not be empty",
                () -> stub().generate(valid().addPrompts(Prompt.newBuilder().setText(" ")).build()));
    }

    @Test
    void shouldRejectNBelowOne() {
        assertStatus(Code.INVALID_ARGUMENT, "n must be at least 1, got 0", () -> stub().generate(valid().setN(0).build()));
    }

    @Test
    void shouldRejectNegativeTemperature() {
        assertStatus(Code.INVALID_ARGUMENT, "sampling.temperature must be a finite number >= 0",
                () -> stub().generate(valid().setSampling(SamplingParams.newBuilder().setTemperature(-1f)).build()));
    }

    @Test
    void shouldRejectTopPOutOfRange() {
        assertStatus(Code.INVALID_ARGUMENT, "sampling.top_p must be in (0.0, 1.0]",
                () -> stub().generate(valid().setSampling(SamplingParams.newBuilder().setTopP(1.5f)).build()));
    }

    @Test
    void nAboveTheLimitIsResourceExhaustedAndNamesTheProperty() {
        assertStatus(Code.RESOURCE_EXHAUSTED, "above the limit of 4 (set by rlrf.generator.limits.max-n)",
                () -> stub().generate(valid().setN(5).build()));
    }

    @Test
    void batchAboveTheLimitIsResourceExhausted() {
        GenerateRequest.Builder request = valid();
        for (int i = 0; i < 4; i++) {
            request.addPrompts(Prompt.newBuilder().setText("more " + i));
        }
        assertStatus(Code.RESOURCE_EXHAUSTED, "rlrf.generator.limits.max-batch-prompts",
                () -> stub().generate(request.build()));
    }

    @Test
    void maxNewTokensAboveTheLimitIsResourceExhausted() {
        assertStatus(Code.RESOURCE_EXHAUSTED, "rlrf.generator.limits.max-new-tokens",
                () -> stub().generate(valid().setSampling(SamplingParams.newBuilder().setMaxNewTokens(100_000)).build()));
    }

    @Test
    void aPromptsOwnMaxNewTokensAboveTheLimitIsResourceExhausted() {
        assertStatus(Code.RESOURCE_EXHAUSTED,
                "prompts[0].max_new_tokens is 100000, above the limit of 512 (set by rlrf.generator.limits.max-new-tokens)",
                () -> stub().generate(valid().setPrompts(0, Prompt.newBuilder().setText("hi").setMaxNewTokens(100_000)).build()));
    }

    @Test
    void aPromptsOwnMaxNewTokensBelowOneIsInvalidArgument() {
        assertStatus(Code.INVALID_ARGUMENT, "prompts[0].max_new_tokens must be at least 1, got 0",
                () -> stub().generate(valid().setPrompts(0, Prompt.newBuilder().setText("hi").setMaxNewTokens(0)).build()));
    }

    @Test
    void aPromptsOwnMaxNewTokensBoundsItsAnswersAndTheOthersKeepTheRequests() {
        GenerateResponse response = stub().generate(valid().setN(2)
                .setPrompts(0, Prompt.newBuilder().setId("capped").setText("What is 2 + 3?").setMaxNewTokens(3))
                .addPrompts(Prompt.newBuilder().setId("free").setText("What is 2 + 3?"))
                .setSampling(SamplingParams.newBuilder().setTemperature(1f).setMaxNewTokens(40).setSeed(11)).build());
        for (Answer a : response.getAnswersList()) {
            int cap = a.getPromptId().equals("capped") ? 3 : 40;
            assertTrue(a.getCompletionTokens() <= cap, a.getPromptId() + ": " + a.getCompletionTokens() + " tokens");
            if (a.getFinishReason() == FinishReason.FINISH_REASON_LENGTH) {
                assertEquals(cap, a.getCompletionTokens());
            }
        }
        // the same prompt, seed and cap alone: the cap is part of what reproduces an answer
        GenerateResponse alone = stub().generate(valid().setN(2)
                .setPrompts(0, Prompt.newBuilder().setId("capped").setText("What is 2 + 3?").setMaxNewTokens(3))
                .setSampling(SamplingParams.newBuilder().setTemperature(1f).setMaxNewTokens(40).setSeed(11)).build());
        assertEquals(alone.getAnswers(0).getText(), response.getAnswers(0).getText());
        assertEquals(alone.getAnswers(1).getText(), response.getAnswers(1).getText());
    }

    @Test
    void promptTokensAboveTheLimitAreResourceExhausted() {
        assertStatus(Code.RESOURCE_EXHAUSTED,
                "prompts[0].text (tokens) is 101, above the limit of 64 (set by rlrf.generator.limits.max-prompt-tokens)",
                () -> stub().generate(valid().setPrompts(0, Prompt.newBuilder().setText("x".repeat(100))).build()));
    }

    @Test
    void promptCharactersAboveTheLimitAreResourceExhausted() {
        assertStatus(Code.RESOURCE_EXHAUSTED, "rlrf.generator.limits.max-prompt-chars",
                () -> stub().generate(valid().setPrompts(0, Prompt.newBuilder().setText("x".repeat(20_000))).build()));
    }

    @Test
    void tooManyStopStringsAreResourceExhausted() {
        SamplingParams.Builder sampling = SamplingParams.newBuilder();
        for (int i = 0; i < 9; i++) {
            sampling.addStop("s" + i);
        }
        assertStatus(Code.RESOURCE_EXHAUSTED, "rlrf.generator.limits.max-stop-strings",
                () -> stub().generate(valid().setSampling(sampling).build()));
    }

    @Test
    void wrongRequiredPolicyVersionIsFailedPrecondition() {
        assertStatus(Code.FAILED_PRECONDITION, "require_policy_version is 'tiny/v9' but generator-svc serves 'tiny/v1'",
                () -> stub().generate(valid().setRequirePolicyVersion("tiny/v9").build()));
    }

    @Test
    void unknownCheckpointIsNotFound() {
        assertStatus(Code.NOT_FOUND, "no checkpoint 'runs/r-1/iter-1' in the model store",
                () -> stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("runs/r-1/iter-1").build()));
    }

    @Test
    void symbolicLinkOutOfTheStoreIsInvalidArgument() throws Exception {
        Path outside = Files.createTempDirectory("outside-store");
        ModelStore.createTinyCheckpoint(outside.resolve("ckpt"), 7);
        Path link = Path.of("target/test-models/escape");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, outside);
        assertStatus(Code.INVALID_ARGUMENT, "version 'escape/ckpt' leads out of the model store through a symbolic link",
                () -> stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("escape/ckpt").build()));
    }

    /** A checkpoint folder inside the store whose named files are links to {@code targets}. */
    private static void linkedCheckpoint(String version, Map<String, Path> targets) throws Exception {
        Path dir = Path.of("target/test-models", version);
        if (Files.exists(dir)) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
        }
        Files.createDirectories(dir);
        for (var e : targets.entrySet()) {
            Files.createSymbolicLink(dir.resolve(e.getKey()), e.getValue().toAbsolutePath());
        }
    }

    @Test
    void aLinkOnAFileOfACheckpointLeadingOutOfTheStoreIsRefusedWithoutReadingIt() throws Exception {
        Path outside = Files.createTempFile("outside-store", ".json");
        Files.writeString(outside, "secret-content-42");
        linkedCheckpoint("linked-file", Map.of("config.json", outside));
        var e = assertStatus(Code.INVALID_ARGUMENT,
                "version 'linked-file' leads out of the model store through a symbolic link (at 'linked-file/config.json')",
                () -> stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("linked-file").build()));
        assertFalse(e.getStatus().getDescription().contains("secret-content-42"), e.getStatus().getDescription());
    }

    @Test
    void aCheckpointWhoseFilesAllLinkOutOfTheStoreIsRefused() throws Exception {
        Path outside = Files.createTempDirectory("outside-store").resolve("ckpt");
        ModelStore.createTinyCheckpoint(outside, 7);
        linkedCheckpoint("linked-files", Map.of("config.json", outside.resolve("config.json"),
                "model.safetensors", outside.resolve("model.safetensors"), "tokenizer.json", outside.resolve("tokenizer.json")));
        assertStatus(Code.INVALID_ARGUMENT, "leads out of the model store through a symbolic link",
                () -> stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("linked-files").build()));
    }

    @Test
    void notFoundNamesTheStoreRelativeVersionOnly() {
        String root = Path.of("target/test-models").toAbsolutePath().toString();
        var e = assertStatus(Code.NOT_FOUND, "no checkpoint 'no/such' in the model store (no config.json or adapter_config.json there)",
                () -> stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("no/such").build()));
        assertFalse(e.getStatus().getDescription().contains(root), e.getStatus().getDescription());
        assertFalse(e.getStatus().getDescription().contains("/work"), e.getStatus().getDescription());
    }

    @Test
    void aNulCharacterInTheVersionIsInvalidArgument() {
        assertStatus(Code.INVALID_ARGUMENT, "version must not contain control characters (such as NUL), got 'tiny\\u0000v1'",
                () -> stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("tiny\u0000v1").build()));
    }

    @Test
    void longValuesAreEchoedAsAShortPrefixWithTheirLength() {
        String huge = "v".repeat(112 * 1024);
        var e = assertStatus(Code.NOT_FOUND, "no checkpoint '" + "v".repeat(Echo.MAX_CHARS) + "...' (114688 characters)",
                () -> stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion(huge).build()));
        assertTrue(e.getStatus().getDescription().length() < 200, e.getStatus().getDescription());
        e = assertStatus(Code.FAILED_PRECONDITION, "(114688 characters) but generator-svc serves 'tiny/v1'",
                () -> stub().generate(valid().setRequirePolicyVersion(huge).build()));
        assertTrue(e.getStatus().getDescription().length() < 200, e.getStatus().getDescription());
        grpcHealthReportsServingForTheService();
    }

    @Test
    void generateAnswersNTimesPerPromptWithVersionSeedsAndIds() {
        GenerateResponse response = stub().generate(valid()
                .addPrompts(Prompt.newBuilder().setId("p2").setText("What is 7 - 4?"))
                .setSampling(SamplingParams.newBuilder().setTemperature(0.8f).setMaxNewTokens(24).setSeed(1000))
                .build());
        assertEquals("tiny/v1", response.getPolicyVersion());
        assertEquals(4, response.getAnswersCount());
        Set<String> ids = new HashSet<>();
        for (int k = 0; k < 4; k++) {
            Answer a = response.getAnswers(k);
            assertEquals(k / 2, a.getPromptIndex());
            assertEquals(k % 2, a.getSampleIndex());
            assertEquals(k < 2 ? "p1" : "p2", a.getPromptId());
            assertEquals("tiny/v1", a.getPolicyVersion());
            assertEquals(1000 + k % 2, a.getSeed());
            assertEquals(15, a.getPromptTokens()); // BOS + 14 characters
            assertTrue(a.getCompletionTokens() >= 1 && a.getCompletionTokens() <= 24, a.toString());
            assertTrue(a.getFinishReason() == FinishReason.FINISH_REASON_STOP
                    || a.getFinishReason() == FinishReason.FINISH_REASON_LENGTH);
            ids.add(a.getId());
        }
        assertEquals(4, ids.size(), "answer ids are unique");
    }

    @Test
    void generateReturnsTheTokenIdsTheModelLibrarySampled() throws Exception {
        // A stop string that a random-weight policy meets often, so that some answers end on it (its
        // tokens are in the ids, not in the text), others on EOS or at the cap.
        SamplingParams sampling = SamplingParams.newBuilder().setTemperature(1f).setTopP(1f).setTopK(0)
                .setMaxNewTokens(32).setSeed(21).addStop("e").build();
        GenerateResponse response = stub().generate(valid().setN(4).setSampling(sampling).build());
        try (Policy policy = Policy.load(Path.of("target/test-models/tiny/v1"));
                Generator library = new Generator(policy.model(), policy.requireTokenizer())) {
            int[] prompt = policy.encodePrompt("What is 2 + 3?");
            int endedOnTheStopString = 0;
            for (Answer a : response.getAnswersList()) {
                Completion c = library.generate(List.of(new GenerationRequest(prompt,
                        new io.rlrf.model.generate.SamplingParams(1.0, 1.0, 0, 32, List.of("e"), a.getSeed(), false))))
                        .get(0);
                assertEquals(Arrays.toString(c.tokens()), a.getTokenIdsList().toString(), "answer " + a.getSampleIndex());
                assertEquals(c.text(), a.getText());
                assertEquals(a.getCompletionTokens(), a.getTokenIdsCount());
                if (policy.requireTokenizer().decode(c.tokens()).equals(a.getText() + "e")) {
                    endedOnTheStopString++;
                }
            }
            assertTrue(endedOnTheStopString > 0, "some answer's ids hold the stop string that its text leaves out");
        }
    }

    @Test
    void reportedSeedReproducesTheAnswerAlone() {
        GenerateResponse two = stub().generate(valid()
                .setSampling(SamplingParams.newBuilder().setTemperature(1f).setMaxNewTokens(32)).build());
        Answer second = two.getAnswers(1);
        GenerateResponse alone = stub().generate(valid().setN(1)
                .setSampling(SamplingParams.newBuilder().setTemperature(1f).setMaxNewTokens(32).setSeed(second.getSeed()))
                .build());
        assertEquals(second.getText(), alone.getAnswers(0).getText());
        assertEquals(second.getCompletionTokens(), alone.getAnswers(0).getCompletionTokens());
    }

    @Test
    void logprobsAreReturnedPerTokenWhenAsked() {
        Answer a = stub().generate(valid().setN(1).setSampling(SamplingParams.newBuilder().setTemperature(1f)
                .setMaxNewTokens(16).setSeed(5).setReturnLogprobs(true)).build()).getAnswers(0);
        assertEquals(a.getCompletionTokens(), a.getTokenLogprobsCount());
        assertEquals(a.getCompletionTokens(), a.getTokensCount());
        for (float lp : a.getTokenLogprobsList()) {
            assertTrue(lp <= 0 && Float.isFinite(lp), "log-probability " + lp);
        }
    }

    @Test
    void describeModelReportsTheServedCheckpointAndLimits() {
        DescribeModelResponse d = stub().describeModel(DescribeModelRequest.getDefaultInstance());
        assertEquals(ModelState.MODEL_STATE_READY, d.getState());
        assertEquals("tiny/v1", d.getModel().getPolicyVersion());
        assertEquals(64, d.getModel().getHiddenSize());
        assertEquals(2, d.getModel().getNumLayers());
        assertTrue(d.getModel().getEngine().startsWith("PyTorch "), d.getModel().getEngine());
        assertEquals(64, d.getLimits().getMaxPromptTokens());
        assertEquals(4, d.getLimits().getMaxN());
        assertEquals(0.8f, d.getDefaults().getTemperature());
    }

    @Test
    void aCallPastItsDeadlineStopsConsumingCompute() throws Exception {
        double cancelledBefore = cancelledSequences();
        double endedBefore = finished("eos") + finished("stop");
        double lengthBefore = finished("length");
        GenerateRequest.Builder request = valid().setN(4);
        for (int i = 0; i < 3; i++) {
            request.addPrompts(Prompt.newBuilder().setText("long prompt " + i));
        }
        request.setSampling(SamplingParams.newBuilder().setTemperature(1f).setMaxNewTokens(512));
        assertStatus(Code.DEADLINE_EXCEEDED, "",
                () -> GeneratorGrpc.newBlockingStub(channel).withDeadlineAfter(15, TimeUnit.MILLISECONDS)
                        .generate(request.build()));
        // Each of the 16 sequences is dropped or stopped at its next step, unless EOS ended it first
        // (the random test model can say EOS in the few steps before the 15 ms deadline): none runs on
        // to its 512 tokens.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        double cancelled;
        double ended;
        do {
            Thread.sleep(20);
            cancelled = cancelledSequences() - cancelledBefore;
            ended = finished("eos") + finished("stop") - endedBefore;
        } while (cancelled + ended < 16 && System.nanoTime() < until);
        assertEquals(16.0, cancelled + ended, "every sequence was dropped, stopped early or ended by EOS");
        assertTrue(cancelled > 0, "sequences were stopped by the deadline");
        assertEquals(lengthBefore, finished("length"), "no sequence ran on to max_new_tokens");
    }

    private double finished(String reason) {
        var c = registry.find("rlrf.generator.sequences.finished").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    private double cancelledSequences() {
        return registry.get("rlrf.generator.sequences.cancelled").counter().count();
    }

    @Test
    void checkpointVersionCannotEscapeTheModelStore() {
        assertStatus(Code.INVALID_ARGUMENT, "version must not contain empty, '.' or '..' segments",
                () -> stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("runs/../../etc").build()));
        assertStatus(Code.INVALID_ARGUMENT, "version must be a path relative to the store root",
                () -> stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("/etc/passwd").build()));
    }

}
