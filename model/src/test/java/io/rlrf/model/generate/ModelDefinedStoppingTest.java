package io.rlrf.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.model.Policy;
import io.rlrf.model.checkpoint.Checkpoint;
import io.rlrf.model.checkpoint.CheckpointException;

/**
 * Stopping as the checkpoint defines it, on scripted checkpoints whose greedy output is known (see
 * {@link ScriptedCheckpoint}). Ids of the Qwen2 fixture tokenizer: bytes are their own ids ('H' 72,
 * 'i' 105, '\n' 10), then {@code <|endoftext|>} 261, {@code <|im_start|>} 262, {@code <|im_end|>} 263.
 */
class ModelDefinedStoppingTest {

    static final int NEWLINE = 10;
    static final int H = 'H';
    static final int I = 'i';
    static final int ENDOFTEXT = 261;
    static final int IM_END = 263;
    static final int VOCAB = 272; // the tokenizer's 264, padded as Qwen2 pads its embedding

    /** After the chat template's "assistant\n": "H", "i", then {@code last}. */
    static Map<Integer, Integer> hiThen(int last) {
        return Map.of(NEWLINE, H, H, I, I, last);
    }

    static List<Completion> bothPaths(Policy p, GenerationRequest r) {
        return List.of(p.generator().generate(List.of(r)).get(0), p.generator(null).generate(List.of(r)).get(0));
    }

    @Test
    void aSampleStopsAtTheSecondEosIdOfGenerationConfig(@TempDir Path tmp) throws IOException {
        // config.json: eos 263 (<|im_end|>); generation_config.json: [263, 261]; the model writes "Hi<|endoftext|>"
        Path dir = ScriptedCheckpoint.write(tmp.resolve("qwen2"), "qwen2", VOCAB, List.of(IM_END), hiThen(ENDOFTEXT),
                List.of(Checkpoint.TOKENIZER, "tokenizer_config.json", StopTokens.GENERATION_CONFIG));
        try (Policy p = Policy.load(dir)) {
            assertEquals(IM_END, p.stopTokens().primary());
            assertTrue(p.stopTokens().isEos(ENDOFTEXT));
            for (Completion c : bothPaths(p, new GenerationRequest(p.encodePrompt("What is 2+3?"), SamplingParams.greedy(10)))) {
                assertArrayEquals(new int[] {H, I, ENDOFTEXT}, c.tokens());
                assertEquals(FinishReason.EOS, c.finishReason());
                assertEquals("Hi", c.text());
            }
        }
        // the same checkpoint without generation_config.json does not stop there
        Files.delete(dir.resolve(StopTokens.GENERATION_CONFIG));
        try (Policy p = Policy.load(dir)) {
            Completion c = p.generator().generate(List.of(new GenerationRequest(p.encodePrompt("What is 2+3?"),
                    SamplingParams.greedy(10)))).get(0);
            assertEquals(FinishReason.LENGTH, c.finishReason());
            assertEquals(ENDOFTEXT, c.tokens()[2]);
        }
    }

    @Test
    void everyEosIdOfAConfigListStopsAndMinNewTokensHoldsThemAllBack(@TempDir Path tmp) throws IOException {
        // config.json lists [261, 263]; no tokenizer_config.json, no generation_config.json
        Path dir = ScriptedCheckpoint.write(tmp.resolve("c"), "qwen2", VOCAB, List.of(ENDOFTEXT, IM_END), hiThen(IM_END),
                List.of(Checkpoint.TOKENIZER));
        try (Policy p = Policy.load(dir)) {
            assertArrayEquals(new int[] {ENDOFTEXT, IM_END}, p.stopTokens().ids());
            int[] prompt = {H, NEWLINE};
            for (Completion c : bothPaths(p, new GenerationRequest(prompt, SamplingParams.greedy(10)))) {
                assertArrayEquals(new int[] {H, I, IM_END}, c.tokens());
                assertEquals(FinishReason.EOS, c.finishReason());
            }
            // min_new_tokens = 5: neither EOS id may be drawn before the fifth token
            for (Completion c : bothPaths(p, new GenerationRequest(prompt, SamplingParams.greedy(10).withMinNewTokens(5)))) {
                assertTrue(Arrays.stream(Arrays.copyOf(c.tokens(), 5)).noneMatch(t -> t == ENDOFTEXT || t == IM_END),
                        Arrays.toString(c.tokens()));
            }
        }
    }

    @Test
    void imEndAsAStopStringStopsAtItsTokenId(@TempDir Path tmp) throws IOException {
        // EOS is <|endoftext|> only; the model writes "Hi<|im_end|>" and then nonsense
        Path dir = ScriptedCheckpoint.write(tmp.resolve("s"), "qwen2", VOCAB, List.of(ENDOFTEXT), hiThen(IM_END),
                List.of(Checkpoint.TOKENIZER));
        try (Policy p = Policy.load(dir)) {
            int[] prompt = {H, NEWLINE};
            Completion free = p.generator().generate(List.of(new GenerationRequest(prompt, SamplingParams.greedy(6)))).get(0);
            assertEquals(FinishReason.LENGTH, free.finishReason());
            assertEquals(IM_END, free.tokens()[2]);

            SamplingParams stopAtImEnd = SamplingParams.greedy(6).withStop(List.of("<|im_end|>"));
            for (Completion c : bothPaths(p, new GenerationRequest(prompt, stopAtImEnd))) {
                assertArrayEquals(new int[] {H, I, IM_END}, c.tokens());
                assertEquals(FinishReason.STOP_STRING, c.finishReason());
                assertEquals("Hi", c.text());
            }
            // a plain-text stop string is still matched in the text
            for (Completion c : bothPaths(p, new GenerationRequest(prompt, SamplingParams.greedy(6).withStop(List.of("i"))))) {
                assertArrayEquals(new int[] {H, I}, c.tokens());
                assertEquals("H", c.text());
            }
        }
    }

    @Test
    void anEosIdOutsideTheVocabularyIsRejectedNamingTheFile(@TempDir Path tmp) throws IOException {
        Path dir = ScriptedCheckpoint.write(tmp.resolve("bad"), "qwen2", VOCAB, List.of(IM_END), hiThen(IM_END),
                List.of(Checkpoint.TOKENIZER));
        Files.writeString(dir.resolve(StopTokens.GENERATION_CONFIG), "{\"eos_token_id\": [263, 9999]}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Policy.load(dir));
        assertEquals(dir.resolve(StopTokens.GENERATION_CONFIG) + ": eos_token_id 9999 is outside the vocabulary [0, 272)",
                e.getMessage());
    }
}
