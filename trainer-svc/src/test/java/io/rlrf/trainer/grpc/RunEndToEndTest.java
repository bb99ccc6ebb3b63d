package io.rlrf.trainer.grpc;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.rlrf.api.generator.v1.Answer;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.EvalConfig;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.ListCheckpointsRequest;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.PairingConfig;
import io.rlrf.api.trainer.v1.ReflectionConfig;
import io.rlrf.api.trainer.v1.ResumeRunRequest;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunEvent;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.SamplingConfig;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.TrainerGrpc;
import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.api.trainer.v1.WatchRunRequest;
import io.rlrf.model.Architecture;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.RopeScaling;
import io.rlrf.model.checkpoint.Dtype;
import io.rlrf.model.checkpoint.SaveOptions;
import io.rlrf.trainer.service.RunSafePoints;
import io.rlrf.trainer.service.RunService;

/**
 * One tiny RLRF iteration through the real peers (packaged generator-svc, reward-svc and
 * reflector-svc in their own JVMs, a real Infinispan Server: {@link PeerServicesResource}); the
 * policy is a random-weight tiny model, so what is proven is the loop's plumbing and persistence.
 */
@QuarkusTest
@WithTestResource(PeerServicesResource.class)
class RunEndToEndTest {

    @Inject
    RunService runs;

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
        return TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(300, TimeUnit.SECONDS);
    }

    static RunConfig tiny() {
        return RunConfig.newBuilder().setMode(Mode.MODE_RLRF).setBaseCheckpoint("tiny/v1").setIterations(1).setSeed(7)
                .setData(DataConfig.newBuilder().setTrainPrompts(3).setEvalPrompts(2).addDifficultyLevels(1))
                .setSampling(SamplingConfig.newBuilder().setN(3).setMaxNewTokens(24))
                .setReflection(ReflectionConfig.newBuilder().setK(1).setM(2).setMaxNewTokens(24))
                // Random weights rate every answer alike; delta 0 still pairs different texts. Most of their
                // answers run to the 24-token cap: UNFINISHED pairs them (trained without EOS), DROP would
                // leave hardly a pair to train.
                .setPairing(PairingConfig.newBuilder().setDelta(0).setTruncated(Truncation.TRUNCATION_UNFINISHED))
                // The paper's DPO (beta 0.1, whole-answer objective), as the recorded runs (RecordedRunTest) were
                // recorded with: the reference is scored, so the crash after the first step leaves scored pairs.
                .setDpo(DpoConfig.newBuilder().setBatchSize(2).setLearningRate(1e-3).setBeta(0.1)
                        .setObjective(io.rlrf.api.trainer.v1.Objective.OBJECTIVE_WHOLE_ANSWER))
                .setEval(EvalConfig.newBuilder().setMaxNewTokens(24)).build();
    }

    private Run awaitEnd(String id) {
        // WatchRun streams until the run leaves RUNNING.
        stub().watchRun(WatchRunRequest.newBuilder().setRunId(id).build()).forEachRemaining(e -> { });
        return stub().getRun(GetRunRequest.newBuilder().setRunId(id).build());
    }

    @Test
    void oneIterationWritesEveryStageAndPublishesACheckpointTheGeneratorLoads() throws Exception {
        Run started = stub().startRun(StartRunRequest.newBuilder().setRunId("e2e-a").setConfig(tiny()).build());
        assertEquals("e2e-a", started.getRunId());
        Run run = awaitEnd("e2e-a");
        assertEquals(RunState.RUN_STATE_SUCCEEDED, run.getState(), run.getError());
        Path it = Path.of("target/e2e-runs/e2e-a/iter-1");
        for (String f : List.of("samples.jsonl", "feedback.jsonl", "selected.jsonl", "refinements.jsonl",
                "refinement-feedback.jsonl", "pairs.jsonl", "scored-pairs.jsonl", "train.json", "publish.json",
                "eval-answers.jsonl", "evaluation.json", "sample.done", "judge.done", "select.done", "reflect.done",
                "judge_refinements.done", "pair.done", "train.done", "publish.done", "evaluate.done")) {
            assertTrue(Files.exists(it.resolve(f)), f + " is missing");
        }
        assertEquals(9, Files.readAllLines(it.resolve("samples.jsonl")).size());
        assertEquals(6, Files.readAllLines(it.resolve("refinements.jsonl")).size());
        assertTrue(Files.exists(Path.of(PeerServicesResource.STORE, "runs/e2e-a/iter-1/model.safetensors")));
        assertEquals(1, run.getIterationsCount());
        assertEquals("runs/e2e-a/iter-1", run.getIterations(0).getPolicyVersion());
        assertTrue(run.hasBaseEvalAccuracy());
        assertEquals(1, stub().listCheckpoints(ListCheckpointsRequest.newBuilder().setRunId("e2e-a").build()).getCheckpointsCount());
        // The generator served the published checkpoint: evaluation answers carry its version.
        assertTrue(Files.readString(it.resolve("eval-answers.jsonl")).contains("\"policyVersion\":\"runs/e2e-a/iter-1\""));
        // Events replay from a sequence with no gap.
        List<RunEvent> events = new java.util.ArrayList<>();
        stub().watchRun(WatchRunRequest.newBuilder().setRunId("e2e-a").setAfterSequence(3).build()).forEachRemaining(events::add);
        assertEquals(4, events.get(0).getSequence());
        given().header("Accept", "text/plain").when().get("/q/metrics").then().statusCode(200)
                .body(containsString("rlrf_trainer_stage_duration_seconds_count{mode=\"MODE_RLRF\",stage=\"STAGE_TRAIN\""))
                .body(containsString("rlrf_trainer_eval_accuracy{"))
                .body(containsString("rlrf_trainer_dpo_reward_accuracy{"));
    }

    @Test
    void aRunOfTaskOpenIsRefusedWhenRewardSvcHasNoModelJudge() throws Exception {
        // reward-svc runs here without a model judge: StartRun asks its ListRubrics and refuses at once.
        Path dir = Files.createDirectories(Path.of("target/open-prompts-nojudge"));
        Path prompts = Files.writeString(dir.resolve("prompts.jsonl"), "{\"prompt\": \"Write a haiku about autumn rain.\"}\n");
        RunConfig open = tiny().toBuilder().setTask("open").setData(DataConfig.newBuilder().setTrainPrompts(1)
                .setEvalPrompts(1).setTrainFile(prompts.toAbsolutePath().toString())
                .setEvalFile(prompts.toAbsolutePath().toString())).build();
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
                () -> stub().startRun(StartRunRequest.newBuilder().setRunId("e2e-open").setConfig(open).build()));
        assertEquals(io.grpc.Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("rlrf.reward.model-judge.backend"), e.getStatus().getDescription());
    }

    @Test
    void aRunCrashedDuringTrainingResumesToTheSamePairsAndCheckpoint() throws Exception {
        // The uninterrupted run to compare with (StartRun with the same id and config is idempotent).
        stub().startRun(StartRunRequest.newBuilder().setRunId("e2e-a").setConfig(tiny()).build());
        assertEquals(RunState.RUN_STATE_SUCCEEDED, awaitEnd("e2e-a").getState());
        // Crash after the first DPO step: the worker stops, leaving the run RUNNING with the stage unfinished.
        QuarkusMock.installMockForType(new RunSafePoints() {
            @Override
            public void reached(String where) {
                if (where.equals("1/STAGE_TRAIN/step-1")) {
                    throw new SimulatedCrash(where);
                }
            }
        }, RunSafePoints.class);
        stub().startRun(StartRunRequest.newBuilder().setRunId("e2e-b").setConfig(tiny()).build());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (!Files.exists(Path.of("target/e2e-runs/e2e-b/iter-1/scored-pairs.jsonl")) || runIsQueued("e2e-b")) {
            assertTrue(System.nanoTime() < until, "the crash point was not reached");
            Thread.sleep(200);
        }
        assertTrue(!Files.exists(Path.of("target/e2e-runs/e2e-b/iter-1/train.done")));
        QuarkusMock.installMockForType(new RunSafePoints(), RunSafePoints.class);
        // What a restarted process does: reload the run root; the RUNNING run becomes INTERRUPTED.
        runs.reloadFromDisk();
        assertEquals(RunState.RUN_STATE_INTERRUPTED, stub().getRun(GetRunRequest.newBuilder().setRunId("e2e-b").build()).getState());
        stub().resumeRun(ResumeRunRequest.newBuilder().setRunId("e2e-b").build());
        Run b = awaitEnd("e2e-b");
        assertEquals(RunState.RUN_STATE_SUCCEEDED, b.getState(), b.getError());
        Path ia = Path.of("target/e2e-runs/e2e-a/iter-1");
        Path ib = Path.of("target/e2e-runs/e2e-b/iter-1");
        assertEquals(Files.readString(ia.resolve("pairs.jsonl")), Files.readString(ib.resolve("pairs.jsonl")));
        assertEquals(Files.readString(ia.resolve("scored-pairs.jsonl")), Files.readString(ib.resolve("scored-pairs.jsonl")));
        assertArrayEquals(Files.readAllBytes(ia.resolve("checkpoint/model.safetensors")),
                Files.readAllBytes(ib.resolve("checkpoint/model.safetensors")));
    }

    @Test
    void aRunWithoutBaseCheckpointBootstrapsTheBaseFirstAndStartsFromIt() throws Exception {
        RunConfig config = tiny().toBuilder().clearBaseCheckpoint().setSeed(8).build();
        stub().startRun(StartRunRequest.newBuilder().setRunId("e2e-boot").setConfig(config).build());
        Run run = awaitEnd("e2e-boot");
        assertEquals(RunState.RUN_STATE_SUCCEEDED, run.getState(), run.getError());
        Path base = Path.of("target/e2e-runs/e2e-boot/iter-0");
        assertTrue(Files.exists(base.resolve("bootstrap.done")));
        String info = Files.readString(base.resolve("bootstrap.json"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"version\":\"(bootstrap/[0-9a-f]{12})\"").matcher(info);
        assertTrue(m.find(), info);
        String version = m.group(1);
        assertTrue(Files.exists(Path.of(PeerServicesResource.STORE, version, "model.safetensors")));
        // The base evaluation and the first iteration's samples came from the bootstrapped base.
        assertTrue(Files.readString(base.resolve("eval-answers.jsonl")).contains("\"policyVersion\":\"" + version + "\""));
        assertTrue(Files.readString(Path.of("target/e2e-runs/e2e-boot/iter-1/samples.jsonl"))
                .contains("\"policyVersion\":\"" + version + "\""));
    }

    /**
     * Bring your own model: a random-weight Qwen2-shaped checkpoint (q/k/v biases, tied embeddings,
     * stored as bfloat16 in several shards) with the model library's Qwen2 test tokenizer, the real
     * Qwen2.5 chat template and a generation_config.json with two EOS ids, placed in the model store
     * and named as the run's base. One RLRF iteration through the services; the published checkpoint
     * is saved as its base was (qwen2, bfloat16, the same tokenizer and generation files), the
     * generator prompts it through the template, and the run files keep the sampled ids.
     */
    @Test
    void aQwen2ShapedCheckpointWithAChatTemplateRunsAnIterationThroughTheServices() throws Exception {
        Path templates = Path.of("../model/src/test/resources/fixtures/templates/qwen2"); // the model module's fixture
        String version = "byom/qwen2-tiny";
        Path base = Path.of(PeerServicesResource.STORE, version);
        if (!Files.exists(base)) {
            LlamaConfig config = new LlamaConfig(272, 64, 128, 2, 4, 2, 16, 1024, 1e-6, 1e6, true, 261, 263,
                    Architecture.QWEN2, RopeScaling.NONE, true, false, 0);
            try (Policy p = Policy.initialize(config, Files.readString(templates.resolve("tokenizer.json")), 11)) {
                p.save(base, Map.of(), Map.of(
                        "tokenizer_config.json", Files.readString(templates.resolve("tokenizer_config.json")),
                        "generation_config.json", Files.readString(templates.resolve("generation_config.json"))),
                        new SaveOptions(Dtype.BF16, 64 * 1024));
            }
        }
        assertTrue(Files.exists(base.resolve("model.safetensors.index.json")), "the base is sharded");

        RunConfig config = tiny().toBuilder().setBaseCheckpoint(version).setSeed(9).build();
        stub().startRun(StartRunRequest.newBuilder().setRunId("e2e-qwen2").setConfig(config).build());
        Run run = awaitEnd("e2e-qwen2");
        assertEquals(RunState.RUN_STATE_SUCCEEDED, run.getState(), run.getError());

        // 1. the published checkpoint is saved as its base was
        Path out = Path.of(PeerServicesResource.STORE, "runs/e2e-qwen2/iter-1");
        com.google.gson.JsonObject saved = com.google.gson.JsonParser.parseString(
                Files.readString(out.resolve("config.json"))).getAsJsonObject();
        assertEquals("qwen2", saved.get("model_type").getAsString());
        assertEquals("bfloat16", saved.get("torch_dtype").getAsString());
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
            assertArrayEquals(Files.readAllBytes(base.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        }

        // 2. the samples came from the base, with their sampled ids
        Path it = Path.of("target/e2e-runs/e2e-qwen2/iter-1");
        String samples = Files.readString(it.resolve("samples.jsonl"));
        assertTrue(samples.contains("\"policyVersion\":\"" + version + "\""), samples);
        assertTrue(samples.contains("\"tokenIds\":["), samples);

        // 3. generator-svc now serves the published checkpoint and prompts it through the chat template
        int generatorPort = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("quarkus.grpc.clients.generator.port", Integer.class);
        ManagedChannel gen = ManagedChannelBuilder.forAddress("127.0.0.1", generatorPort).usePlaintext().build();
        try (Policy published = Policy.load(out)) {
            String question = "Question:\n2+3\nAnswer:\n";
            int[] expected = published.encodePrompt(question);
            assertEquals(262, expected[0], "a Qwen2 prompt starts with <|im_start|>, no BOS");
            GenerateResponse answered = GeneratorGrpc.newBlockingStub(gen).withDeadlineAfter(60, TimeUnit.SECONDS)
                    .generate(GenerateRequest.newBuilder().setN(1).setRequirePolicyVersion("runs/e2e-qwen2/iter-1")
                            .addPrompts(Prompt.newBuilder().setText(question))
                            .setSampling(SamplingParams.newBuilder().setMaxNewTokens(8).setSeed(3)).build());
            Answer a = answered.getAnswers(0);
            assertEquals(expected.length, a.getPromptTokens());
            assertEquals(a.getCompletionTokens(), a.getTokenIdsCount());
        } finally {
            gen.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * LoRA through the services, two iterations: each trains q/v adapters only, on the same base
     * (iteration 2 continues iteration 1's adapter), and publishes the adapter alone in PEFT's layout,
     * naming tiny/v1; generator-svc serves it on that base. The iteration's merged export
     * ({@code checkpoint/} in the run folder) differs from the base in the adapted projections only and
     * computes what base + adapter computes.
     */
    @Test
    void aLoraRunTrainsAdaptersOnlyAndPublishesThemOnTheBase() throws Exception {
        RunConfig config = tiny().toBuilder().setSeed(13).setIterations(2).setLora(io.rlrf.api.trainer.v1.LoraConfig.newBuilder()
                .setEnabled(true).setR(2).setAlpha(4).addTargetModules("q_proj").addTargetModules("v_proj")).build();
        stub().startRun(StartRunRequest.newBuilder().setRunId("e2e-lora").setConfig(config).build());
        Run run = awaitEnd("e2e-lora");
        assertEquals(RunState.RUN_STATE_SUCCEEDED, run.getState(), run.getError());
        Path store = Path.of(PeerServicesResource.STORE);
        for (int t = 1; t <= 2; t++) {
            Path it = Path.of("target/e2e-runs/e2e-lora/iter-" + t);
            com.google.gson.JsonObject train = com.google.gson.JsonParser.parseString(Files.readString(it.resolve("train.json")))
                    .getAsJsonObject();
            assertTrue(train.get("steps").getAsInt() > 0, "DPO took no step: " + train);

            // 1. the published version is the adapter alone, on the run's base
            Path published = store.resolve("runs/e2e-lora/iter-" + t);
            assertTrue(Files.exists(published.resolve(io.rlrf.model.lora.PeftAdapter.WEIGHTS)));
            assertTrue(!Files.exists(published.resolve("config.json")), "an adapter, not a full checkpoint");
            io.rlrf.model.lora.PeftAdapter.Description adapter = io.rlrf.model.lora.PeftAdapter.readConfig(published);
            assertEquals("tiny/v1", adapter.baseModelNameOrPath(), "iteration " + t + " sits on the run's base");
            assertEquals(List.of("q_proj", "v_proj"), adapter.lora().targetModules());

            // 2. the merged export differs from the base in the adapted projections only
            try (Policy base = Policy.load(store.resolve("tiny/v1")); Policy merged = Policy.load(it.resolve("checkpoint"));
                    Policy served = Policy.load(published, store)) {
                int changed = 0;
                for (var e : base.weights().byName().entrySet()) {
                    boolean same = java.util.Arrays.equals(e.getValue().toFloatArray(),
                            merged.weights().byName().get(e.getKey()).toFloatArray());
                    boolean adapted = e.getKey().endsWith("q_proj.weight") || e.getKey().endsWith("v_proj.weight");
                    assertTrue(same || adapted, e.getKey() + " changed but carries no adapter");
                    changed += same ? 0 : 1;
                }
                assertTrue(changed > 0, "no adapted projection changed");

                // 3. the merged export computes what the published adapter on its base computes
                var seq = List.of(new io.rlrf.model.score.SequenceScorer.Sequence(base.encodePrompt("Question:\n2+3\nAnswer:\n"),
                        base.requireTokenizer().encode("5")));
                double viaAdapter = io.rlrf.model.score.SequenceScorer.score(served.model(), seq, 1)[0];
                double viaMerged = io.rlrf.model.score.SequenceScorer.score(merged.model(), seq, 1)[0];
                double viaBase = io.rlrf.model.score.SequenceScorer.score(base.model(), seq, 1)[0];
                assertEquals(viaAdapter, viaMerged, 1e-4);
                assertTrue(viaAdapter != viaBase, "the adapter changed nothing");
            }
            // 4. the generator served the adapter for evaluation
            assertTrue(Files.readString(it.resolve("eval-answers.jsonl"))
                    .contains("\"policyVersion\":\"runs/e2e-lora/iter-" + t + "\""));
        }
        assertEquals(2, stub().listCheckpoints(ListCheckpointsRequest.newBuilder().setRunId("e2e-lora").build())
                .getCheckpointsCount(), "the adapters are listed as the run's checkpoints");
    }

    /**
     * Thrown at a safe point to stop the run's worker as if the process died there: an Error, so the
     * service's failure handling (which marks a run FAILED) does not see it and the run stays RUNNING.
     */
    static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(String where) {
            super(where, null, false, false);
        }
    }

    private boolean runIsQueued(String id) {
        // The worker is done with the run once its state file stopped saying PENDING and the crash happened.
        return stub().getRun(GetRunRequest.newBuilder().setRunId(id).build()).getState() == RunState.RUN_STATE_PENDING
                || !Files.exists(Path.of("target/e2e-runs/" + id + "/iter-1/pair.done"));
    }
}
