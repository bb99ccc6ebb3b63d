package io.rlrf.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.rlrf.api.generator.v1.DescribeModelRequest;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.api.reflector.v1.DescribeReflectorRequest;
import io.rlrf.api.reflector.v1.RefineItem;
import io.rlrf.api.reflector.v1.RefineRequest;
import io.rlrf.api.reflector.v1.ReflectorGrpc;
import io.rlrf.api.reflector.v1.SourceAnswer;
import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.ListAspectsRequest;
import io.rlrf.api.reward.v1.ListRubricsRequest;
import io.rlrf.api.reward.v1.RewardGrpc;
import io.rlrf.api.trainer.v1.CancelRunRequest;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.ExportPairsRequest;
import io.rlrf.api.trainer.v1.ListCheckpointsRequest;
import io.rlrf.api.trainer.v1.ListRunsRequest;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.ResumeRunRequest;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.TrainerGrpc;
import io.rlrf.api.trainer.v1.WatchRunRequest;

/**
 * Calls every RPC of every service with a small, valid, side-effect-free request and reports what
 * each one answered. Side-effect-free: StartRun is sent with validate_only, and the run-level RPCs
 * and LoadCheckpoint name a run or version that does not exist.
 */
public final class Probe {

    /** How an RPC answered a valid request. */
    public enum Outcome {
        /** It answered (OK, or a domain status such as NOT_FOUND for the made-up run id). */
        IMPLEMENTED,
        /** UNIMPLEMENTED: the contract has it, this build does not. */
        NOT_IMPLEMENTED,
        /** Anything else: a valid request must not fail this way. */
        FAILED
    }

    /** One probed RPC. */
    public record Result(String service, String rpc, Outcome outcome, String detail) {
    }

    private static final String NO_SUCH_RUN = "rlrf-probe-no-such-run";
    private static final long DEADLINE_SECONDS = 20;

    private Probe() {
    }

    /** Classifies the status a valid request received. */
    public static Outcome classify(Status.Code code) {
        return switch (code) {
            // UNAUTHENTICATED: the RPC exists and is guarded by an access token the probe does not send
            case OK, NOT_FOUND, FAILED_PRECONDITION, ALREADY_EXISTS, UNAUTHENTICATED -> Outcome.IMPLEMENTED;
            case UNIMPLEMENTED -> Outcome.NOT_IMPLEMENTED;
            default -> Outcome.FAILED;
        };
    }

    /** Health of the whole server and of its RLRF service, as "SERVING/SERVING" or the error. */
    public static Result health(String service, ManagedChannel channel) {
        return call(service, "grpc.health.v1.Health/Check", () -> {
            HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
            HealthCheckResponse.ServingStatus server = health.check(HealthCheckRequest.getDefaultInstance()).getStatus();
            HealthCheckResponse.ServingStatus rpcService = health.check(
                    HealthCheckRequest.newBuilder().setService(Targets.GRPC_SERVICES.get(service)).build()).getStatus();
            if (server != HealthCheckResponse.ServingStatus.SERVING
                    || rpcService != HealthCheckResponse.ServingStatus.SERVING) {
                throw Status.UNAVAILABLE.withDescription("server " + server + ", service " + rpcService).asRuntimeException();
            }
            return "SERVING";
        });
    }

    /** Probes every RPC; {@code channels} maps service name to an open channel. */
    public static List<Result> rpcs(Map<String, ManagedChannel> channels) {
        List<Result> results = new ArrayList<>();
        var generator = GeneratorGrpc.newBlockingStub(channels.get("generator"))
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
        results.add(call("generator", "Generate", () -> generator.generate(GenerateRequest.newBuilder()
                .addPrompts(Prompt.newBuilder().setId("probe").setText("What is 2 + 3?")).setN(1)
                .setSampling(SamplingParams.newBuilder().setTemperature(0f).setMaxNewTokens(16)).build())
                .getAnswersCount() + " answer(s)"));
        results.add(call("generator", "LoadCheckpoint", () -> generator.loadCheckpoint(
                LoadCheckpointRequest.newBuilder().setVersion("rlrf-probe/no-such-version").build())
                .getModel().getPolicyVersion()));
        results.add(call("generator", "DescribeModel", () -> generator.describeModel(
                DescribeModelRequest.getDefaultInstance()).getState().name()));

        var reward = RewardGrpc.newBlockingStub(channels.get("reward")).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
        results.add(call("reward", "Evaluate", () -> reward.evaluate(EvaluateRequest.newBuilder().setTask("arith")
                .addItems(EvaluationItem.newBuilder().setId("probe").setPrompt("What is 2 + 3?")
                        .setAnswer("2 + 3 = <<2+3=5>>5\n#### 5").setReference("2 + 3 = <<2+3=5>>5\n#### 5"))
                .build()).getFeedbackCount() + " feedback(s)"));
        results.add(call("reward", "ListAspects", () -> reward.listAspects(ListAspectsRequest.getDefaultInstance())
                .getAspectsCount() + " aspects"));
        results.add(call("reward", "ListRubrics", () -> reward.listRubrics(ListRubricsRequest.getDefaultInstance())
                .getRubricsCount() + " rubrics"));

        var reflector = ReflectorGrpc.newBlockingStub(channels.get("reflector"))
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
        results.add(call("reflector", "Refine", () -> reflector.refine(RefineRequest.newBuilder().setM(1)
                .addItems(RefineItem.newBuilder().setPrompt("What is 2 + 3?")
                        .setAnswer(SourceAnswer.newBuilder().setId("probe").setText("2 + 3 = 6\n#### 6"))
                        .setFeedback(Feedback.newBuilder().setId("probe").setStatus(FeedbackStatus.FEEDBACK_STATUS_OK)
                                .setScore(0).addAspects(AspectFeedback.newBuilder().setAspect("logical_robustness")
                                        .setRating(1).setCritique("line 1: 2 + 3 = 6 is wrong; 2 + 3 = 5"))))
                .build()).getRefinementsCount() + " rewrite(s)"));
        results.add(call("reflector", "DescribeReflector", () -> reflector.describeReflector(
                DescribeReflectorRequest.getDefaultInstance()).getTemplateVersion()));

        var trainer = TrainerGrpc.newBlockingStub(channels.get("trainer")).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
        results.add(call("trainer", "StartRun (validate_only)", () -> {
            var run = trainer.startRun(StartRunRequest.newBuilder().setValidateOnly(true)
                    .setConfig(RunConfig.newBuilder().setMode(Mode.MODE_RLRF)
                            // the checkpoint bin/rlrf has generator-svc serve; trainer-svc checks it is in the store
                            .setBaseCheckpoint(System.getenv().getOrDefault("RLRF_GENERATOR_VERSION", "demo/tiny"))).build());
            var c = run.getConfig();
            return "resolved: n=" + c.getSampling().getN() + " k=" + c.getReflection().getK() + " m="
                    + c.getReflection().getM() + " delta=" + c.getPairing().getDelta() + " beta=" + c.getDpo().getBeta();
        }));
        results.add(call("trainer", "WatchRun", () -> {
            var events = trainer.watchRun(WatchRunRequest.newBuilder().setRunId(NO_SUCH_RUN).build());
            int count = 0;
            while (events.hasNext()) {
                events.next();
                count++;
            }
            return count + " event(s)";
        }));
        results.add(call("trainer", "GetRun", () -> trainer.getRun(GetRunRequest.newBuilder().setRunId(NO_SUCH_RUN).build())
                .getState().name()));
        results.add(call("trainer", "ListRuns", () -> trainer.listRuns(ListRunsRequest.getDefaultInstance())
                .getRunsCount() + " run(s)"));
        results.add(call("trainer", "CancelRun", () -> trainer.cancelRun(
                CancelRunRequest.newBuilder().setRunId(NO_SUCH_RUN).build()).getState().name()));
        results.add(call("trainer", "ResumeRun", () -> trainer.resumeRun(
                ResumeRunRequest.newBuilder().setRunId(NO_SUCH_RUN).build()).getState().name()));
        results.add(call("trainer", "ListCheckpoints", () -> trainer.listCheckpoints(
                ListCheckpointsRequest.getDefaultInstance()).getCheckpointsCount() + " checkpoint(s)"));
        results.add(call("trainer", "ExportPairs", () -> {
            var rows = trainer.exportPairs(ExportPairsRequest.newBuilder().setRunId(NO_SUCH_RUN).build());
            int count = 0;
            while (rows.hasNext()) {
                rows.next();
                count++;
            }
            return count + " row(s)";
        }));
        return results;
    }

    private static Result call(String service, String rpc, Supplier<String> invocation) {
        try {
            return new Result(service, rpc, Outcome.IMPLEMENTED, invocation.get());
        } catch (StatusRuntimeException e) {
            Status status = e.getStatus();
            String detail = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
            return new Result(service, rpc, classify(status.getCode()), detail);
        }
    }
}
