package io.rlrf.generator.grpc;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.grpc.Status.Code;
import io.quarkus.test.junit.QuarkusTest;
import io.rlrf.api.generator.v1.DescribeModelRequest;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.common.testing.ServiceConformanceTests;

/**
 * generator-svc over real gRPC on loopback: the conformance checks, every validation rule of this
 * build (the field is named in the message), and UNIMPLEMENTED for valid requests it cannot serve.
 * The test profile sets max-batch-prompts = 4 and max-n = 4.
 */
@QuarkusTest
class GeneratorGrpcServiceTest extends ServiceConformanceTests {

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
    void validGenerateIsUnimplementedNotInvented() {
        assertStatus(Code.UNIMPLEMENTED, "Generate is not implemented yet", () -> stub().generate(valid().build()));
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
    void checkpointVersionCannotEscapeTheModelStore() {
        assertStatus(Code.INVALID_ARGUMENT, "version must not contain empty, '.' or '..' segments",
                () -> stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("runs/../../etc").build()));
        assertStatus(Code.INVALID_ARGUMENT, "version must be a path relative to the store root",
                () -> stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("/etc/passwd").build()));
    }

    @Test
    void validLoadCheckpointIsUnimplemented() {
        assertStatus(Code.UNIMPLEMENTED, "LoadCheckpoint is not implemented yet",
                () -> stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("runs/r-1/iter-1").build()));
    }

    @Test
    void describeModelIsUnimplemented() {
        assertStatus(Code.UNIMPLEMENTED, "DescribeModel is not implemented yet",
                () -> stub().describeModel(DescribeModelRequest.getDefaultInstance()));
    }
}
