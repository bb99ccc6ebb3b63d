package io.rlrf.loop.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.common.error.ServiceException;
import io.rlrf.loop.run.PreferenceRows;
import io.rlrf.tasks.prompt.AnswerPrompt;

/**
 * Prompt-set and preference files are refused at StartRun above the configured limits on their bytes
 * and their lines (prompts or pairs): RESOURCE_EXHAUSTED naming the field, the value, the limit and the
 * setting. The limits here are small so that small files cross them.
 */
class FileLimitsTest {

    /** RunDefaultsTest's limits with prompt files of at most 200 bytes and 2 prompts, pairs files of 400 bytes and 2 rows. */
    private static final RunLimits SMALL = new RunLimits("rlrf.trainer.limits.", 20, 32, 32, 100000, 512, 32, 100, 1024,
            256, 4096, 32, 6_400_000, 10_000_000, 256, 200, 2, 400, 2);

    private static final String PROMPT = "{\"question\": \"What is 2 + 3?\", \"answer\": \"#### 5\"}\n";
    private static final String PAIR = "{\"prompt\": \"Question:\\nq\\nAnswer:\\n\", \"chosen\": \"a\", \"rejected\": \"b\"}\n";

    @TempDir
    Path dir;

    private RunConfig withFiles(Path train, Path eval) {
        DataConfig.Builder data = DataConfig.newBuilder().setTrainPrompts(2).setEvalPrompts(2);
        if (train != null) {
            data.setTrainFile(train.toString());
        }
        if (eval != null) {
            data.setEvalFile(eval.toString());
        }
        return RunDefaults.builtIn(RunDefaultsTest.LIMITS).resolve(RunConfig.newBuilder().setMode(Mode.MODE_RLRF)
                .setBaseCheckpoint("tiny/v1").setData(data).build());
    }

    private RunConfig offline(Path pairs) {
        return RunDefaults.builtIn(RunDefaultsTest.LIMITS).resolve(RunConfig.newBuilder().setMode(Mode.MODE_DPO_OFFLINE)
                .setBaseCheckpoint("tiny/v1").setData(DataConfig.newBuilder().setPairsFile(pairs.toString())).build());
    }

    private static String refusal(Runnable validation) {
        ServiceException e = assertThrows(ServiceException.class, validation::run);
        assertEquals(ServiceException.Kind.LIMIT_EXCEEDED, e.kind(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aPromptFileWithinTheLimitsIsAcceptedAndOneAboveIsRefusedNamingTheFieldAndTheSetting() throws Exception {
        Path two = Files.writeString(dir.resolve("two.jsonl"), PROMPT + "\n" + PROMPT);
        RunProblems.validate(withFiles(two, two), SMALL);

        Path three = Files.writeString(dir.resolve("three.jsonl"), PROMPT.repeat(3));
        assertEquals("config.data.train_file (lines) is 3, above the limit of 2 (set by "
                + "rlrf.trainer.limits.max-prompt-file-lines)", refusal(() -> RunProblems.validate(withFiles(three, null), SMALL)));
        assertEquals("config.data.eval_file (lines) is 3, above the limit of 2 (set by "
                + "rlrf.trainer.limits.max-prompt-file-lines)", refusal(() -> RunProblems.validate(withFiles(two, three), SMALL)));

        Path big = Files.writeString(dir.resolve("big.jsonl"), "{\"question\": \"" + "x".repeat(300) + "\", \"answer\": \"#### 5\"}\n");
        assertEquals("config.data.train_file (bytes) is " + Files.size(big) + ", above the limit of 200 (set by "
                + "rlrf.trainer.limits.max-prompt-file-bytes)", refusal(() -> RunProblems.validate(withFiles(big, null), SMALL)));
    }

    @Test
    void aPairsFileAboveItsRowOrByteLimitIsRefusedNamingTheFieldAndTheSetting() throws Exception {
        Path two = Files.writeString(dir.resolve("two.jsonl"), PAIR + PAIR);
        PreferenceRows.validate(offline(two), AnswerPrompt.DEFAULT, SMALL);

        Path three = Files.writeString(dir.resolve("three.jsonl"), PAIR.repeat(3));
        assertEquals("config.data.pairs_file (rows) is 3, above the limit of 2 (set by "
                + "rlrf.trainer.limits.max-pairs-file-rows)",
                refusal(() -> PreferenceRows.validate(offline(three), AnswerPrompt.DEFAULT, SMALL)));

        Path big = Files.writeString(dir.resolve("big.jsonl"), PAIR.replace("\"a\"", "\"" + "a".repeat(500) + "\""));
        assertEquals("config.data.pairs_file (bytes) is " + Files.size(big) + ", above the limit of 400 (set by "
                + "rlrf.trainer.limits.max-pairs-file-bytes)",
                refusal(() -> PreferenceRows.validate(offline(big), AnswerPrompt.DEFAULT, SMALL)));
    }
}
