package io.rlrf.loop.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.ListRubricsResponse;
import io.rlrf.api.reward.v1.Rubric;
import io.rlrf.api.reward.v1.TaskInfo;
import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.common.error.ServiceException;
import io.rlrf.loop.local.LocalReward;
import io.rlrf.loop.run.Records.Problem;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * Task open as a run plans it: prompts from two JSONL files with optional references, a base
 * checkpoint required, and the reward peer asked whether it has a judge for it (its ListRubrics).
 */
class OpenTaskTest {

    @TempDir
    Path dir;

    private RunConfig open(Mode mode, String train, String eval, String base) {
        return RunDefaults.builtIn(RunDefaultsTest.LIMITS).resolve(RunConfig.newBuilder().setMode(mode).setTask("open")
                .setBaseCheckpoint(base).setData(DataConfig.newBuilder().setTrainPrompts(2).setEvalPrompts(1)
                        .setTrainFile(train).setEvalFile(eval)).build());
    }

    private Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void promptsComeFromBothFilesAndNeedNoReference() throws Exception {
        Path train = file("train.jsonl", """
                {"prompt": "Write a haiku about autumn rain."}
                {"prompt": "Explain photosynthesis to a child.", "answer": "Plants make food from light."}
                """);
        Path eval = file("eval.jsonl", "{\"prompt\": \"Describe the smell of coffee.\", \"id\": \"coffee\"}\n");
        RunConfig config = open(Mode.MODE_RLRF, train.toString(), eval.toString(), "tiny/v1");
        RunProblems.validate(config, RunDefaultsTest.LIMITS);
        RunPlan plan = RunPlan.of(config, List.of());
        List<Problem> prompts = RunProblems.train(plan, 1);
        assertEquals(2, prompts.size());
        assertTrue(prompts.stream().anyMatch(p -> p.reference().isEmpty()), "a prompt without a reference");
        assertEquals("coffee", RunProblems.eval(plan).get(0).id());
    }

    @Test
    void bothFilesAndABaseCheckpointAreRequiredAndSftNeedsEveryReference() throws Exception {
        Path train = file("train.jsonl", "{\"prompt\": \"Write a haiku about autumn rain.\"}\n");
        Path eval = file("eval.jsonl", "{\"prompt\": \"Describe the smell of coffee.\"}\n");
        assertRefused(open(Mode.MODE_RLRF, "", eval.toString(), "tiny/v1"), "config.data.train_file is required for task open");
        assertRefused(open(Mode.MODE_RLRF, train.toString(), "", "tiny/v1"), "config.data.eval_file is required for task open");
        assertRefused(open(Mode.MODE_RLRF, train.toString(), eval.toString(), ""),
                "config.base_checkpoint is required for task open: the built-in base is a character-level model");
        assertRefused(open(Mode.MODE_SFT, train.toString(), eval.toString(), "tiny/v1"),
                "config.data.train_file prompt 'train-1' has no \"answer\"");
        Path bad = file("bad.jsonl", "{\"prompt\": \"q\", \"answer\": [1]}\n");
        assertRefused(open(Mode.MODE_RLRF, bad.toString(), eval.toString(), "tiny/v1"),
                "config.data.train_file");
    }

    private static void assertRefused(RunConfig config, String start) {
        ServiceException e = assertThrows(ServiceException.class, () -> RunProblems.validate(config, RunDefaultsTest.LIMITS));
        assertEquals(ServiceException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }

    private static ListRubricsResponse rubrics(String openDefaultJudge) {
        ListRubricsResponse.Builder r = ListRubricsResponse.newBuilder()
                .addRubrics(Rubric.newBuilder().setJudgeId("verifier-gsm8k"))
                .addTasks(TaskInfo.newBuilder().setName("arith").setDefaultJudge("verifier-gsm8k"))
                .addTasks(TaskInfo.newBuilder().setName("open").setDefaultJudge(openDefaultJudge));
        if (!openDefaultJudge.isEmpty()) {
            r.addRubrics(Rubric.newBuilder().setJudgeId(openDefaultJudge));
        }
        return r.build();
    }

    @Test
    void aRewardPeerWithoutAModelJudgeIsAFailedPreconditionSayingWhatToSet() {
        RunConfig config = RunConfig.newBuilder().setTask("open").build();
        ServiceException e = assertThrows(ServiceException.class, () -> RunProblems.checkJudge(config, rubrics("")));
        assertEquals(ServiceException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("has none configured") && e.getMessage().contains("rlrf.reward.model-judge.backend"),
                e.getMessage());
        RunProblems.checkJudge(config, rubrics("model-openai"));
        ServiceException named = assertThrows(ServiceException.class, () -> RunProblems.checkJudge(
                config.toBuilder().setJudge("model-local").build(), rubrics("model-openai")));
        assertTrue(named.getMessage().contains("config.judge 'model-local' is not configured on reward-svc"),
                named.getMessage());
    }

    @Test
    void theInProcessJudgeRefusesTaskOpen() {
        EvaluateRequest request = EvaluateRequest.newBuilder().setTask("open")
                .addItems(EvaluationItem.newBuilder().setId("a").setPrompt("p").setAnswer("a")).build();
        ServiceException e = assertThrows(ServiceException.class,
                () -> new LocalReward(VerifierParams.DEFAULTS).evaluate(request));
        assertEquals(ServiceException.Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("reward-svc"), e.getMessage());
    }
}
