package io.rlrf.trainer.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.grpc.Status.Code;
import io.quarkus.test.junit.QuarkusTest;
import io.rlrf.api.trainer.v1.CancelRunRequest;
import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.ListCheckpointsRequest;
import io.rlrf.api.trainer.v1.ListRunsRequest;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.PairingConfig;
import io.rlrf.api.trainer.v1.ReflectionConfig;
import io.rlrf.api.trainer.v1.ResumeRunRequest;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.SamplingConfig;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.TrainerGrpc;
import io.rlrf.api.trainer.v1.WatchRunRequest;
import io.rlrf.common.testing.ServiceConformanceTests;

/**
 * trainer-svc over real gRPC on loopback: the conformance checks, the run-configuration rules
 * (each names its field), and NOT_FOUND for runs that do not exist.
 * The test profile sets max-iterations = 5.
 */
@QuarkusTest
@io.quarkus.test.common.WithTestResource(TinyBaseCheckpointResource.class)
class TrainerGrpcServiceTest extends ServiceConformanceTests {

    @Override
    protected String grpcServiceName() {
        return "rlrf.trainer.v1.Trainer";
    }

    private TrainerGrpc.TrainerBlockingStub stub() {
        return TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private void assertStartRejected(Code code, String fragment, RunConfig.Builder config) {
        assertStatus(code, fragment, () -> stub().startRun(StartRunRequest.newBuilder().setConfig(config).build()));
    }

    private static RunConfig.Builder rlrf() {
        return RunConfig.newBuilder().setMode(Mode.MODE_RLRF).setBaseCheckpoint("tiny/v1");
    }

    @Test
    void validateOnlyReturnsTheResolvedConfigAndStartsNothing() {
        Run run = stub().startRun(StartRunRequest.newBuilder().setRunId("r-2").setValidateOnly(true)
                .setConfig(rlrf().setSampling(SamplingConfig.newBuilder().setN(4))).build());
        assertEquals("r-2", run.getRunId());
        assertEquals(RunState.RUN_STATE_PENDING, run.getState());
        assertEquals(4, run.getConfig().getSampling().getN());
        assertEquals(8, run.getConfig().getReflection().getM());
        // Nothing was created.
        assertStatus(Code.NOT_FOUND, "run r-2 does not exist", () -> stub().getRun(GetRunRequest.newBuilder().setRunId("r-2").build()));
    }

    @Test
    void aConfigWithoutBaseCheckpointIsAcceptedForTheBuiltInBootstrap() {
        Run run = stub().startRun(StartRunRequest.newBuilder().setRunId("r-boot").setValidateOnly(true)
                .setConfig(rlrf().clearBaseCheckpoint()).build());
        assertEquals(RunState.RUN_STATE_PENDING, run.getState());
        assertEquals("", run.getConfig().getBaseCheckpoint());
    }

    @Test
    void shouldRejectAnUnknownTask() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.task is unknown: 'chess'", rlrf().setTask("chess"));
    }

    @Test
    void shouldRejectABaseCheckpointMissingFromTheStore() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.base_checkpoint 'tiny/v9' is not a checkpoint in the model store",
                rlrf().setBaseCheckpoint("tiny/v9"));
    }

    @Test
    void shouldRejectNegativeBeta() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.dpo.beta", rlrf().setDpo(DpoConfig.newBuilder().setBeta(-0.1)));
    }

    @Test
    void shouldRejectKAboveN() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.reflection.k must be at most config.sampling.n (2), got 3",
                rlrf().setSampling(SamplingConfig.newBuilder().setN(2)).setReflection(ReflectionConfig.newBuilder().setK(3).setM(3)));
    }

    @Test
    void validateOnlyStillRejectsABadConfig() {
        assertStatus(Code.INVALID_ARGUMENT, "config.mode is required", () -> stub().startRun(
                StartRunRequest.newBuilder().setValidateOnly(true).setConfig(RunConfig.newBuilder()).build()));
    }

    @Test
    void shouldRequireAMode() {
        assertStartRejected(Code.INVALID_ARGUMENT,
                "config.mode is required; valid modes: MODE_RLRF, MODE_REWARD_ONLY, MODE_SFT", RunConfig.newBuilder());
    }

    @Test
    void shouldRejectAnUnknownMode() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.mode has an unknown value", RunConfig.newBuilder().setModeValue(42));
    }

    @Test
    void shouldRejectNBelowOne() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.sampling.n must be at least 1, got 0",
                rlrf().setSampling(SamplingConfig.newBuilder().setN(0)));
    }

    @Test
    void rewardOnlyNeedsTwoSamplesToBuildAPair() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.sampling.n must be at least 2, got 1",
                RunConfig.newBuilder().setMode(Mode.MODE_REWARD_ONLY).setSampling(SamplingConfig.newBuilder().setN(1)));
    }

    @Test
    void shouldRejectNegativeTemperature() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.sampling.temperature must be a finite number >= 0",
                rlrf().setSampling(SamplingConfig.newBuilder().setTemperature(-0.1f)));
    }

    @Test
    void kAboveNIsRejected() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.reflection.k must be at most config.sampling.n (4), got 5",
                rlrf().setSampling(SamplingConfig.newBuilder().setN(4)).setReflection(ReflectionConfig.newBuilder().setK(5).setM(10)));
    }

    @Test
    void mMustBeAMultipleOfK() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.reflection.m must be a multiple of config.reflection.k (2), got 7",
                rlrf().setReflection(ReflectionConfig.newBuilder().setM(7)));
    }

    @Test
    void rewardOnlyCannotReflect() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.reflection.enabled cannot be true in MODE_REWARD_ONLY",
                RunConfig.newBuilder().setMode(Mode.MODE_REWARD_ONLY).setReflection(ReflectionConfig.newBuilder().setEnabled(true)));
    }

    @Test
    void deltaOutsideTheUnitIntervalIsRejected() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.pairing.delta must be in [0.0, 1.0], got 1.5",
                rlrf().setPairing(PairingConfig.newBuilder().setDelta(1.5)));
    }

    @Test
    void aLeastChosenScoreOutsideTheUnitIntervalIsRejected() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.pairing.min_chosen_score must be in [0.0, 1.0], got 1.5",
                rlrf().setPairing(PairingConfig.newBuilder().setMinChosenScore(1.5)));
        assertStartRejected(Code.INVALID_ARGUMENT, "config.pairing.min_chosen_score must be in [0.0, 1.0], got -0.1",
                rlrf().setPairing(PairingConfig.newBuilder().setMinChosenScore(-0.1)));
    }

    @Test
    void aLengthFactorOutsideZeroToAHundredIsRejected() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.sampling.length_factor must be in [0.0, 100.0], got -1.0",
                rlrf().setSampling(SamplingConfig.newBuilder().setLengthFactor(-1)));
    }

    @Test
    void betaMustNotBeNegative() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.dpo.beta must be a finite number >= 0, got -0.1",
                rlrf().setDpo(DpoConfig.newBuilder().setBeta(-0.1)));
    }

    @Test
    void betaZeroWithoutTheNllTermIsRejectedBecauseNothingWouldTrain() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.dpo.nll_weight is 0 too: nothing would train",
                rlrf().setDpo(DpoConfig.newBuilder().setBeta(0).setNllWeight(0)));
    }

    @Test
    void evaluationMustUseAHeldOutSplit() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.data.eval_split must differ from config.data.train_split",
                rlrf().setData(DataConfig.newBuilder().setEvalSplit("train")));
    }

    @Test
    void baseCheckpointCannotEscapeTheModelStore() {
        assertStartRejected(Code.INVALID_ARGUMENT, "config.base_checkpoint must not contain empty, '.' or '..' segments",
                rlrf().setBaseCheckpoint("../../etc"));
    }

    @Test
    void iterationsAboveTheLimitIsResourceExhausted() {
        assertStartRejected(Code.RESOURCE_EXHAUSTED, "above the limit of 5 (set by rlrf.trainer.limits.max-iterations)",
                rlrf().setIterations(6));
    }

    @Test
    void malformedRunIdIsRejected() {
        assertStatus(Code.INVALID_ARGUMENT, "run_id must be lower-case letters",
                () -> stub().startRun(StartRunRequest.newBuilder().setConfig(rlrf()).setRunId("Run/1").build()));
    }

    @Test
    void runRpcsRequireARunId() {
        assertStatus(Code.INVALID_ARGUMENT, "run_id must not be empty", () -> stub().getRun(GetRunRequest.getDefaultInstance()));
        assertStatus(Code.INVALID_ARGUMENT, "run_id must not be empty", () -> stub().cancelRun(CancelRunRequest.getDefaultInstance()));
        assertStatus(Code.INVALID_ARGUMENT, "run_id must not be empty", () -> stub().resumeRun(ResumeRunRequest.getDefaultInstance()));
        assertStatus(Code.INVALID_ARGUMENT, "run_id must not be empty",
                () -> stub().watchRun(WatchRunRequest.getDefaultInstance()).hasNext());
    }

    @Test
    void runRpcsOnAnUnknownRunAreNotFound() {
        assertStatus(Code.NOT_FOUND, "run r-404 does not exist",
                () -> stub().getRun(GetRunRequest.newBuilder().setRunId("r-404").build()));
        assertStatus(Code.NOT_FOUND, "run r-404 does not exist",
                () -> stub().watchRun(WatchRunRequest.newBuilder().setRunId("r-404").build()).hasNext());
        assertStatus(Code.NOT_FOUND, "run r-404 does not exist",
                () -> stub().resumeRun(ResumeRunRequest.newBuilder().setRunId("r-404").build()));
        stub().listRuns(ListRunsRequest.getDefaultInstance());
        assertEquals(0, stub().listCheckpoints(ListCheckpointsRequest.newBuilder().setRunId("r-404").build()).getCheckpointsCount());
    }

    @Test
    void pageSizeAboveTheLimitIsResourceExhausted() {
        assertStatus(Code.RESOURCE_EXHAUSTED, "rlrf.trainer.limits.max-page-size",
                () -> stub().listRuns(ListRunsRequest.newBuilder().setPageSize(1000).build()));
    }
}
