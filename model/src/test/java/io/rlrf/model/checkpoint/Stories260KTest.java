package io.rlrf.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.rlrf.model.Fixtures;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.generate.SamplingParams;

/**
 * A real Llama-architecture checkpoint (Karpathy's stories260K, converted to Hugging Face layout:
 * GQA 8/4 heads, tied embeddings, HF rotate-half RoPE) loads unchanged and reproduces the greedy
 * continuation published in its README, which llama2.c's own run.c produced: every part of the
 * forward pass (RMSNorm, RoPE convention, GQA head mapping, SwiGLU, tied head) must be right.
 */
class Stories260KTest {

    static final int[] EXPECTED = {461, 461, 401, 401, 401, 461, 378, 455, 473, 456, 435, 299, 362, 409, 283, 264,
            283, 452, 288, 13};

    @Test
    void loadsAndReproducesTheReferenceGreedyContinuationTokenForToken() throws Exception {
        try (Policy policy = Policy.load(Fixtures.stories260K())) {
            assertEquals(512, policy.config().vocabSize());
            assertEquals(4, policy.config().numKeyValueHeads());
            assertTrue(policy.config().tieWordEmbeddings());
            assertFalse(policy.tokenizer().isPresent(), "stories260K ships no tokenizer");
            assertEquals(260_032, policy.config().parameterCount());

            for (boolean cache : new boolean[] {true, false}) {
                Generator generator = new Generator(policy.model(), null, cache);
                Completion c = generator.generate(List.of(new GenerationRequest(new int[] {1},
                        SamplingParams.greedy(20).withLogprobs(true)))).get(0);
                assertArrayEquals(EXPECTED, c.tokens(), "kv cache " + cache);
            }
        }
    }
}
