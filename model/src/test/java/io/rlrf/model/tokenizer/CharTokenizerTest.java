package io.rlrf.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.FinishReason;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.generate.SamplingParams;

/** The project's own character-level tokenizer.json, run by the Hugging Face tokenizers library. */
class CharTokenizerTest {

    static final String ALPHABET = "0123456789+-*/=<># \n.abc";

    @Test
    void encodesOneTokenPerCharacterAndDecodesBack() throws Exception {
        try (HfTokenizer tok = HfTokenizer.fromJson(CharTokenizerSpec.toJson(ALPHABET))) {
            assertEquals(4 + ALPHABET.length(), tok.vocabSize());
            String text = "12+30=42\n#### 42";
            int[] ids = tok.encode(text);
            assertEquals(text.length(), ids.length, "digit by digit, spaces and newlines included");
            assertEquals(4 + ALPHABET.indexOf('1'), ids[0]);
            assertEquals(text, tok.decode(ids));
            // special tokens are dropped on decode; unknown characters map to <unk>
            int[] withSpecials = {CharTokenizerSpec.BOS, ids[0], ids[1], CharTokenizerSpec.EOS};
            assertEquals("12", tok.decode(withSpecials));
            assertArrayEquals(new int[] {CharTokenizerSpec.UNK}, tok.encode("Z"));
        }
    }

    @Test
    void stopStringsEndGenerationAndAreCutFromTheText() throws Exception {
        String json = CharTokenizerSpec.toJson(ALPHABET);
        LlamaConfig config = LlamaConfig.of(CharTokenizerSpec.vocabSize(ALPHABET), 32, 64, 1, 4, 4, 128, true);
        try (Policy p = Policy.initialize(config, json, 1)) {
            Generator gen = new Generator(p.model(), p.requireTokenizer());
            // an untrained model samples uniformly-ish; find a stop string it will produce
            SamplingParams params = SamplingParams.sample(1.0, 1.0, 60, 8);
            Completion free = gen.generate(List.of(new GenerationRequest(p.encodePrompt("1+1="), params))).get(0);
            String text = free.text();
            assertTrue(text.length() >= 4, "seed 8 gives a text long enough to cut: '" + text + "'");
            String stop = text.substring(2, 4);
            Completion cut = gen.generate(List.of(new GenerationRequest(p.encodePrompt("1+1="),
                    params.withStop(List.of(stop))))).get(0);
            assertEquals(FinishReason.STOP_STRING, cut.finishReason());
            assertEquals(text.substring(0, text.indexOf(stop)), cut.text());
        }
    }
}
