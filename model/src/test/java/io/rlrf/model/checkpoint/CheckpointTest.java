package io.rlrf.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDArray;

import io.rlrf.model.Fixtures;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.generate.SamplingParams;
import io.rlrf.model.score.SequenceScorer;
import io.rlrf.model.tokenizer.CharTokenizerSpec;

/** Checkpoints round-trip exactly, are written atomically, and bad ones fail with a precise message. */
class CheckpointTest {

    @TempDir
    Path tmp;

    @Test
    void saveThenLoadGivesIdenticalLogitsAndTokenizer() throws Exception {
        String tok = CharTokenizerSpec.toJson("0123456789+=\n# ");
        LlamaConfig config = LlamaConfig.of(CharTokenizerSpec.vocabSize("0123456789+=\n# "), 32, 64, 2, 4, 2, 64, false);
        Path dir = tmp.resolve("v1");
        List<SequenceScorer.Sequence> probe = List.of(new SequenceScorer.Sequence(new int[] {1, 5, 6}, new int[] {7, 8, 2}));
        double[] before;
        int[] generatedBefore;
        try (Policy p = Policy.initialize(config, tok, 21)) {
            before = SequenceScorer.score(p.model(), probe, 4);
            generatedBefore = new Generator(p.model(), p.requireTokenizer())
                    .generate(List.of(new GenerationRequest(p.encodePrompt("12+3="), SamplingParams.greedy(8)))).get(0).tokens();
            p.save(dir, Map.of("policy_version", "1"));
        }
        assertTrue(Files.isRegularFile(dir.resolve("config.json")));
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.json")));
        try (Safetensors.File st = Safetensors.open(dir.resolve("model.safetensors"))) {
            assertEquals("1", st.metadata().get("policy_version"));
            assertArrayEquals(new long[] {32, 32}, st.entries().get("model.layers.0.self_attn.q_proj.weight").shape());
            assertArrayEquals(new long[] {16, 32}, st.entries().get("model.layers.1.self_attn.k_proj.weight").shape());
            assertTrue(st.entries().containsKey("lm_head.weight"), "untied: lm_head is saved");
        }
        try (Policy q = Policy.load(dir)) {
            assertEquals(config, q.config());
            assertArrayEquals(before, SequenceScorer.score(q.model(), probe, 4), 0.0, "bit-identical");
            assertArrayEquals(generatedBefore, new Generator(q.model(), q.requireTokenizer())
                    .generate(List.of(new GenerationRequest(q.encodePrompt("12+3="), SamplingParams.greedy(8)))).get(0).tokens());
        }
    }

    @Test
    void savingNeverOverwritesAndLeavesNoTemporaryFiles() throws Exception {
        Path dir = tmp.resolve("v1");
        try (Policy p = Policy.initialize(Fixtures.tiny(true), null, 1)) {
            p.save(dir, Map.of());
            assertThrows(FileAlreadyExistsException.class, () -> p.save(dir, Map.of()));
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(dir), s.toList(), "only the finished checkpoint directory exists");
        }
        // a crash between writing and renaming leaves a hidden temporary directory, never a half checkpoint
        Files.createDirectory(tmp.resolve(".v2.tmp-123"));
        assertEquals(1, Checkpoint.removeIncompleteSaves(tmp));
        assertFalse(Files.exists(tmp.resolve(".v2.tmp-123")));
    }

    @Test
    void aMissingTensorIsRejectedNamingTheFileAndTheTensor() throws Exception {
        Path dir = rewrite(tmp.resolve("missing"), tensors -> tensors.remove("model.layers.1.mlp.up_proj.weight"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Policy.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("model.safetensors").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("model.layers.1.mlp.up_proj.weight is missing"), e.getMessage());
    }

    @Test
    void aWronglyShapedTensorIsRejectedNamingTheFileTheTensorAndBothShapes() throws Exception {
        Path dir = rewrite(tmp.resolve("shape"), tensors -> tensors.put("model.layers.0.self_attn.v_proj.weight",
                new Safetensors.Tensor(new long[] {32, 32}, new float[32 * 32])));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Policy.load(dir));
        assertTrue(e.getMessage().contains("model.layers.0.self_attn.v_proj.weight has shape [32, 32]"), e.getMessage());
        assertTrue(e.getMessage().contains("requires [16, 32]"), e.getMessage());
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void anUnknownTensorMeansAnotherArchitectureAndIsRejected() throws Exception {
        Path dir = rewrite(tmp.resolve("extra"), tensors -> tensors.put("model.layers.0.self_attn.q_proj.bias",
                new Safetensors.Tensor(new long[] {32}, new float[32])));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Policy.load(dir));
        assertTrue(e.getMessage().contains("model.layers.0.self_attn.q_proj.bias"), e.getMessage());
    }

    @Test
    void aTruncatedFileIsRejectedAsDamaged() throws Exception {
        Path dir = rewrite(tmp.resolve("cut"), tensors -> { });
        Path file = dir.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Policy.load(dir));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated or damaged"), e.getMessage());

        Files.write(file, new byte[] {1, 2, 3});
        e = assertThrows(CheckpointException.class, () -> Policy.load(dir));
        assertTrue(e.getMessage().contains("not a safetensors file"), e.getMessage());
    }

    @Test
    void aMissingConfigSaysTheDirectoryIsNotACheckpoint() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Policy.load(tmp));
        assertTrue(e.getMessage().contains("config.json is missing"), e.getMessage());
    }

    @Test
    void halfAndBfloat16AreDecoded() {
        assertEquals(1.0f, Safetensors.halfToFloat((short) 0x3c00));
        assertEquals(-2.0f, Safetensors.halfToFloat((short) 0xc000));
        assertEquals(65504f, Safetensors.halfToFloat((short) 0x7bff));
        assertEquals(5.9604645e-8f, Safetensors.halfToFloat((short) 0x0001));
        assertTrue(Float.isInfinite(Safetensors.halfToFloat((short) 0x7c00)));
    }

    /** Saves a tiny model, edits its tensors, writes them back. */
    private Path rewrite(Path dir, java.util.function.Consumer<Map<String, Safetensors.Tensor>> edit) throws IOException {
        try (Policy p = Policy.initialize(Fixtures.tiny(false), null, 2)) {
            p.save(dir, Map.of());
            Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : p.weights().byName().entrySet()) {
                tensors.put(e.getKey(), new Safetensors.Tensor(e.getValue().getShape().getShape(), e.getValue().toFloatArray()));
            }
            edit.accept(tensors);
            Safetensors.write(dir.resolve("model.safetensors"), tensors, Map.of());
        }
        return dir;
    }
}
