package io.rlrf.loop.stage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.loop.run.Records.Candidate;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.tokenizer.CharTokenizerSpec;

/**
 * What an answer is trained on, with the built-in character tokenizer, where decoding drops special
 * tokens: a sampled sequence holding one (the random-weight policies of the recorded runs sample them)
 * does not come back from its text, so only the sampled ids are the sampled sequence.
 */
class TrainedCompletionTest {

    private static final String VERSION = "tiny/v1";
    private static Policy policy;

    @BeforeAll
    static void tinyPolicy() throws Exception {
        String alphabet = CharTokenizerSpec.PRINTABLE_ASCII;
        policy = Policy.initialize(LlamaConfig.of(CharTokenizerSpec.vocabSize(alphabet), 16, 32, 1, 2, 2, 64, true),
                CharTokenizerSpec.toJson(alphabet), 1);
    }

    @AfterAll
    static void close() {
        policy.close();
    }

    private static int id(char c) {
        return policy.requireTokenizer().encode(String.valueOf(c))[0];
    }

    private static Candidate answer(String text, String finish, String version, int[] ids) {
        return new Candidate("a1", text, 1.0, 3, true, "", "f", List.of(), finish, version, ids);
    }

    /** "1", <unk>, "2", EOS as sampled: the text is "12", which encodes to "1", "2", EOS. */
    private static int[] sampledWithAnUnknownToken() {
        return new int[] {id('1'), CharTokenizerSpec.UNK, id('2'), CharTokenizerSpec.EOS};
    }

    @Test
    void anAnswerThatEndedIsTrainedOnItsSampledIdsNotItsTextEncodedAgain() {
        int[] sampled = sampledWithAnUnknownToken();
        String text = policy.requireTokenizer().decode(sampled);
        assertEquals("12", text);
        assertFalse(Arrays.equals(sampled, policy.encodeCompletion(text)), "the text does not give the sampled ids back");
        for (Truncation rule : List.of(Truncation.TRUNCATION_DROP, Truncation.TRUNCATION_UNFINISHED)) {
            assertArrayEquals(sampled, TrainedCompletion.of(answer(text, "FINISH_REASON_STOP", VERSION, sampled), policy,
                    VERSION, rule), rule.name());
        }
    }

    @Test
    void aTruncatedAnswerIsTrainedWithoutEosUnderUnfinishedAndNeverUnderDrop() {
        int[] cut = {id('4'), id('2'), id('+')};
        Candidate truncated = answer("42+", "FINISH_REASON_LENGTH", VERSION, cut);
        int[] trained = TrainedCompletion.of(truncated, policy, VERSION, Truncation.TRUNCATION_UNFINISHED);
        assertArrayEquals(cut, trained, "the sampled ids, no EOS appended");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TrainedCompletion.of(truncated, policy, VERSION, Truncation.TRUNCATION_DROP));
        assertTrue(e.getMessage().contains("a1 was cut at its token cap and paired, but pairing.truncated is TRUNCATION_DROP"),
                e.getMessage());
    }

    @Test
    void anAnswerFromARunFileWithoutIdsIsTrainedOnItsTextWithEosAsBefore() {
        Candidate old = answer("12", null, null, null);
        assertArrayEquals(new int[] {id('1'), id('2'), CharTokenizerSpec.EOS},
                TrainedCompletion.of(old, policy, VERSION, Truncation.TRUNCATION_DROP));
    }

    @Test
    void idsOfAnotherPolicyVersionOrOutsideTheVocabularyAreAnError() {
        int[] sampled = sampledWithAnUnknownToken();
        IllegalStateException other = assertThrows(IllegalStateException.class, () -> TrainedCompletion.of(
                answer("12", "FINISH_REASON_STOP", "runs/r/iter-1", sampled), policy, VERSION, Truncation.TRUNCATION_DROP));
        assertEquals("answer a1 was sampled by policy 'runs/r/iter-1' but this update trains 'tiny/v1': its token ids "
                + "belong to another policy", other.getMessage());
        int vocab = policy.config().vocabSize();
        IllegalStateException outside = assertThrows(IllegalStateException.class, () -> TrainedCompletion.of(
                answer("1", "FINISH_REASON_STOP", VERSION, new int[] {id('1'), vocab}), policy, VERSION,
                Truncation.TRUNCATION_DROP));
        assertEquals("answer a1 holds token id " + vocab + " at position 1, outside the vocabulary of 'tiny/v1' (vocab_size "
                + vocab + "): its ids come from another tokenizer", outside.getMessage());
    }
}
