package io.rlrf.loop.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.loop.LoopSettings;
import io.rlrf.loop.RunListener;
import io.rlrf.loop.bootstrap.BootstrapSpec;
import io.rlrf.loop.plan.RunDefaults;
import io.rlrf.loop.plan.RunDefaultsTest;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.BatchingLanes;
import io.rlrf.model.generate.EngineParams;
import io.rlrf.model.tokenizer.CharTokenizerSpec;
import io.rlrf.tasks.prompt.ReflectionPrompt;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The same stage code with its peers in this process writes what the services wrote: the runs
 * recorded through the packaged generator-, reward- and reflector-svc (trainer-svc's RecordedRunTest,
 * files in {@code src/test/resources/recorded}) are replayed with {@link LocalPeers} on the same
 * random-weight checkpoint, and every recorded file and the checkpoint come out byte-identical.
 */
class InProcessRunTest {

    static final Path RECORDED = Path.of("src/test/resources/recorded");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} in {1} lane(s)")
    @CsvSource({"rec-rlrf, 1", "rec-reward-only, 1", "rec-rlrf, 2"})
    void anInProcessRunWritesWhatTheServicesWrote(String id, int lanes) throws Exception {
        RunConfig config = RunFiles.fromJson(Files.readString(RECORDED.resolve(id).resolve("config.json")),
                RunConfig::newBuilder);
        run(dir, id, config, LoopSettings.defaults(), lanes(lanes));
        Path iter = dir.resolve("runs").resolve(id).resolve("iter-1");
        int compared = 0;
        for (String f : List.of("samples.jsonl", "refinements.jsonl", "pairs.jsonl", "scored-pairs.jsonl",
                "eval-answers.jsonl")) {
            Path recorded = RECORDED.resolve(id).resolve(f);
            if (Files.exists(recorded)) {
                assertEquals(Files.readString(recorded), Files.readString(iter.resolve(f)), id + "/" + f);
                compared++;
            } else {
                assertFalse(Files.exists(iter.resolve(f)), f + " was not written through the services");
            }
        }
        assertTrue(compared >= 4);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(iter.resolve("checkpoint/model.safetensors"))));
        assertEquals(Files.readAllLines(RECORDED.resolve(id).resolve("checkpoint.sha256")).get(0),
                sha + "  model.safetensors");
    }

    /** The model module's Qwen2-style tokenizer fixture: byte-level BPE, ChatML template, EOS ids [263, 261]. */
    static final Path QWEN2_FIXTURE = Path.of("../model/src/test/resources/fixtures/templates/qwen2");

    @Test
    void aRunOnAChatTemplatedCheckpointPromptsThroughTheTemplateAndKeepsIt() throws Exception {
        Path store = dir.resolve("models");
        Map<String, String> files = Map.of(
                "tokenizer_config.json", Files.readString(QWEN2_FIXTURE.resolve("tokenizer_config.json")),
                "generation_config.json", Files.readString(QWEN2_FIXTURE.resolve("generation_config.json")));
        // Qwen2's ids: BOS <|endoftext|> (the template writes none), EOS <|im_end|>
        LlamaConfig shape = new LlamaConfig(272, 64, 128, 2, 4, 2, 16, 1024, 1e-6, 1_000_000, true, 261, 263);
        try (Policy p = Policy.initialize(shape, Files.readString(QWEN2_FIXTURE.resolve("tokenizer.json")), 42)) {
            p.save(store.resolve("tiny/v1"), Map.of(), files);
        }
        try (Policy base = Policy.load(store.resolve("tiny/v1"))) {
            int[] prompt = base.encodePrompt("What is 2+3?");
            assertEquals(262, prompt[0], "<|im_start|>: the template's first token");
        }
        RunConfig config = RunFiles.fromJson(Files.readString(RECORDED.resolve("rec-rlrf").resolve("config.json")),
                RunConfig::newBuilder);
        run(dir, "chat-rlrf", config);
        Path checkpoint = dir.resolve("runs").resolve("chat-rlrf").resolve("iter-1").resolve("checkpoint");
        assertEquals(files.get("tokenizer_config.json"), Files.readString(checkpoint.resolve("tokenizer_config.json")));
        try (Policy trained = Policy.load(checkpoint)) {
            assertArrayEquals(new int[] {263, 261}, trained.stopTokens().ids());
            assertTrue(trained.chatTemplate().isPresent());
        }
        assertTrue(Files.readAllLines(dir.resolve("runs").resolve("chat-rlrf").resolve("iter-1").resolve("samples.jsonl"))
                .size() > 0);
    }

    /**
     * Four calls in flight over two batching lanes, where the calls' rows share decoding batches, write
     * the same files as one call at a time in one lane.
     */
    @Test
    void callsInFlightDoNotChangeTheRunFiles() throws Exception {
        RunConfig config = RunFiles.fromJson(Files.readString(RECORDED.resolve("rec-rlrf").resolve("config.json")),
                RunConfig::newBuilder);
        LoopSettings d = LoopSettings.defaults();
        // calls of 2 prompts and 2 Refine items, so that every stage makes several calls
        LoopSettings small = new LoopSettings(d.answerPrompt(), 2, d.judgeBatchItems(), 2, d.stop(), d.scoreBatchSize(),
                d.reflectFaultedOnly(), d.evaluateBase(), d.checkpoints(), false, d.compute(), 1);
        Path oneDir = dir.resolve("one-at-a-time");
        Path fourDir = dir.resolve("four-in-flight-two-lanes");
        run(oneDir, "rec-rlrf", config, small);
        run(fourDir, "rec-rlrf", config, small.withCallsInFlight(4), lanes(2));
        for (String file : List.of("samples.jsonl", "refinements.jsonl", "pairs.jsonl", "eval-answers.jsonl")) {
            assertEquals(Files.readString(oneDir.resolve("runs/rec-rlrf/iter-1").resolve(file)),
                    Files.readString(fourDir.resolve("runs/rec-rlrf/iter-1").resolve(file)), file);
        }
        assertTrue(Files.readString(oneDir.resolve("runs/rec-rlrf/iter-1/refinements.jsonl")).lines().count() > 2,
                "the run made several Refine calls");
    }

    /**
     * {@code rlrf.trainer.loop.activation-checkpointing}: the recorded rlrf run's iteration trained
     * with blocks recomputed in the backward pass gives the plain run's weights (within 1e-5; the
     * order of floating-point sums differs) and the same held-out answers.
     */
    @Test
    void aRunWithActivationCheckpointingTrainsTheSameWeights() throws Exception {
        RunConfig config = RunFiles.fromJson(Files.readString(RECORDED.resolve("rec-rlrf").resolve("config.json")),
                RunConfig::newBuilder);
        Path plainDir = dir.resolve("plain");
        Path checkpointedDir = dir.resolve("checkpointed");
        run(plainDir, "rec-rlrf", config, LoopSettings.defaults());
        LoopSettings d = LoopSettings.defaults();
        run(checkpointedDir, "rec-rlrf", config, new LoopSettings(d.answerPrompt(), d.generateBatchPrompts(),
                d.judgeBatchItems(), d.refineBatchItems(), d.stop(), d.scoreBatchSize(), d.reflectFaultedOnly(),
                d.evaluateBase(), d.checkpoints(), true, d.compute(), d.callsInFlight()));
        Path plainIter = plainDir.resolve("runs/rec-rlrf/iter-1");
        Path checkpointedIter = checkpointedDir.resolve("runs/rec-rlrf/iter-1");
        assertEquals(Files.readString(plainIter.resolve("eval-answers.jsonl")),
                Files.readString(checkpointedIter.resolve("eval-answers.jsonl")));
        try (Policy a = Policy.load(plainIter.resolve("checkpoint"));
                Policy b = Policy.load(checkpointedIter.resolve("checkpoint"))) {
            for (String name : a.weights().byName().keySet()) {
                assertArrayEquals(a.weights().byName().get(name).toFloatArray(),
                        b.weights().byName().get(name).toFloatArray(), 1e-5f, name);
            }
        }
    }

    /** generator-svc's initialize-if-missing checkpoint (2 layers, d = 64, seed 42) as tiny/v1, then run {@code id}. */
    static void run(Path dir, String id, RunConfig config) throws Exception {
        run(dir, id, config, LoopSettings.defaults());
    }

    static void run(Path dir, String id, RunConfig config, LoopSettings settings) throws Exception {
        run(dir, id, config, settings, lanes(1));
    }

    static void run(Path dir, String id, RunConfig config, LoopSettings settings, BatchingLanes.Settings lanes)
            throws Exception {
        try (LocalTrainer trainer = trainer(dir, settings, lanes)) {
            Run run = trainer.execute(trainer.prepare(id, config));
            assertEquals(RunState.RUN_STATE_SUCCEEDED, run.getState(), run.getError());
        }
    }

    /** An in-process trainer with runs under {@code dir/runs} and the model store {@code dir/models} holding tiny/v1. */
    static LocalTrainer trainer(Path dir) throws Exception {
        return trainer(dir, LoopSettings.defaults(), lanes(1));
    }

    /** {@code n} batching lanes of 32 rows each, otherwise generator-svc's defaults. */
    static BatchingLanes.Settings lanes(int n) {
        return new BatchingLanes.Settings(n, EngineParams.defaults().withMaxRows(32), Duration.ofMillis(5));
    }

    static LocalTrainer trainer(Path dir, LoopSettings settings, BatchingLanes.Settings lanes) throws Exception {
        Path store = dir.resolve("models");
        if (!Files.exists(store.resolve("tiny/v1"))) {
            String alphabet = CharTokenizerSpec.PRINTABLE_ASCII;
            try (Policy p = Policy.initialize(LlamaConfig.of(CharTokenizerSpec.vocabSize(alphabet), 64, 128, 2, 4, 2, 1024,
                    true), CharTokenizerSpec.toJson(alphabet), 42)) {
                p.save(store.resolve("tiny/v1"), Map.of());
            }
        }
        BootstrapSpec unused = new BootstrapSpec("bootstrap", OptionalLong.empty(), 1, 1, List.of(1), 1, 1, 1, 1e-3, 0, 8,
                1, 1, 64, 0, 1, 1);
        return new LocalTrainer(dir.resolve("runs"), store, RunDefaults.builtIn(RunDefaultsTest.LIMITS),
                settings, unused, VerifierParams.SERVED, ReflectionPrompt.DEFAULT, lanes, RunListener.NONE);
    }
}
