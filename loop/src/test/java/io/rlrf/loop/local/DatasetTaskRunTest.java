package io.rlrf.loop.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.EvalConfig;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.PairingConfig;
import io.rlrf.api.trainer.v1.ReflectionConfig;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.SamplingConfig;
import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.common.error.ServiceException;
import io.rlrf.loop.plan.RunDefaults;
import io.rlrf.loop.plan.RunDefaultsTest;
import io.rlrf.loop.plan.RunProblems;
import io.rlrf.loop.run.Records.Problem;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.tasks.datasets.DatasetsRoot;

/**
 * GSM8K and SVAMP as run tasks: a run trains on GSM8K's train split (under the datasets root: here the
 * project's ../shared/datasets) and evaluates on GSM8K's test split or SVAMP, both shipped in the
 * rlrf-tasks jar; a root without the train split is refused naming what to set.
 */
class DatasetTaskRunTest {

    @TempDir
    Path dir;

    private static RunConfig tiny(String task) {
        return RunConfig.newBuilder().setMode(Mode.MODE_RLRF).setTask(task).setBaseCheckpoint("tiny/v1").setIterations(1)
                .setSeed(7).setData(DataConfig.newBuilder().setTrainPrompts(2).setEvalPrompts(2))
                .setSampling(SamplingConfig.newBuilder().setN(2).setMaxNewTokens(16))
                .setReflection(ReflectionConfig.newBuilder().setK(1).setM(1).setMaxNewTokens(16))
                .setPairing(PairingConfig.newBuilder().setDelta(0).setTruncated(Truncation.TRUNCATION_UNFINISHED))
                .setDpo(DpoConfig.newBuilder().setBatchSize(2)).setEval(EvalConfig.newBuilder().setMaxNewTokens(16)).build();
    }

    @Test
    void aGsm8kRunTrainsOnItsTrainSplitAndEvaluatesOnTheShippedTestSplit() throws Exception {
        InProcessRunTest.run(dir, "gsm8k", tiny("gsm8k"));
        List<String> samples = Files.readAllLines(dir.resolve("runs/gsm8k/iter-1/samples.jsonl"));
        assertTrue(samples.stream().allMatch(s -> s.contains("\"promptId\":\"gsm8k-train-")), samples.get(0));
        String evaluated = Files.readString(dir.resolve("runs/gsm8k/iter-1/eval-answers.jsonl"));
        assertTrue(evaluated.contains("gsm8k-test-"), evaluated);
    }

    @Test
    void svampEvaluatesOnTheShippedSetAndDrawsTheSameProblemsEveryIteration() throws Exception {
        RunConfig config = RunDefaults.builtIn(RunDefaultsTest.LIMITS).resolve(tiny("svamp"));
        RunProblems.validate(config, RunDefaultsTest.LIMITS);
        var plan = io.rlrf.loop.plan.RunPlan.of(config, List.of());
        List<Problem> eval = RunProblems.eval(plan);
        assertEquals(2, eval.size());
        assertTrue(eval.get(0).id().startsWith("svamp-"), eval.get(0).id());
        assertEquals(eval, RunProblems.eval(plan), "held-out prompts are fixed across iterations");
        List<Problem> train1 = RunProblems.train(plan, 1);
        assertTrue(train1.get(0).id().startsWith("gsm8k-train-"), train1.get(0).id());
        assertTrue(!train1.equals(RunProblems.train(plan, 2)), "a fresh draw per iteration");
    }

    @Test
    void aDatasetTaskNeedsTrainAndTestSplitsAndATrainSplitUnderTheRoot() {
        RunConfig dev = RunDefaults.builtIn(RunDefaultsTest.LIMITS).resolve(tiny("gsm8k").toBuilder()
                .setData(DataConfig.newBuilder().setEvalSplit("dev")).build());
        ServiceException e = assertThrows(ServiceException.class,
                () -> RunProblems.validate(dev, RunDefaultsTest.LIMITS));
        assertTrue(e.getMessage().contains("config.data.eval_split") && e.getMessage().contains("must be test"), e.getMessage());

        String before = System.getProperty(DatasetsRoot.PROPERTY);
        System.setProperty(DatasetsRoot.PROPERTY, dir.resolve("no-datasets-here").toString());
        try {
            RunConfig config = RunDefaults.builtIn(RunDefaultsTest.LIMITS).resolve(tiny("gsm8k"));
            ServiceException missing = assertThrows(ServiceException.class,
                    () -> RunProblems.validate(config, RunDefaultsTest.LIMITS));
            assertEquals(ServiceException.Kind.FAILED_PRECONDITION, missing.kind());
            assertTrue(missing.getMessage().contains("GSM8K file not found") && missing.getMessage().contains(DatasetsRoot.PROPERTY),
                    missing.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(DatasetsRoot.PROPERTY);
            } else {
                System.setProperty(DatasetsRoot.PROPERTY, before);
            }
        }
    }

    @Test
    void aRunDrawsItsPromptsFromJsonlFilesAndABadLineIsRefusedNamingIt() throws Exception {
        Path train = Files.writeString(dir.resolve("my-train.jsonl"), """
                {"question": "Tom has 2 apples and buys 3 more. How many apples does he have?", "answer": "2 + 3 = 5\\n#### 5"}

                {"prompt": "What is 4 times 6?", "answer": "4 * 6 = 24\\n#### 24", "id": "mult-1"}
                {"question": "What is 9 minus 4?", "answer": "9 - 4 = 5\\n#### 5"}
                """);
        Path eval = Files.writeString(dir.resolve("my-eval.jsonl"), """
                {"question": "What is 7 plus 8?", "answer": "7 + 8 = 15\\n#### 15", "id": "e1"}
                {"question": "What is 10 divided by 2?", "answer": "10 / 2 = 5\\n#### 5", "id": "e2"}
                """);
        RunConfig files = tiny("arith").toBuilder().setData(DataConfig.newBuilder().setTrainPrompts(2).setEvalPrompts(2)
                .setTrainFile(train.toString()).setEvalFile(eval.toString())).build();
        InProcessRunTest.run(dir, "files", files);
        String samples = Files.readString(dir.resolve("runs/files/iter-1/samples.jsonl"));
        assertTrue(samples.contains("\"promptId\":\"my-train-") || samples.contains("\"promptId\":\"mult-1\""), samples);
        assertTrue(!samples.contains("arith-"), "no prompt of the arith world");
        String evaluated = Files.readString(dir.resolve("runs/files/iter-1/eval-answers.jsonl"));
        assertTrue(evaluated.contains("\"e1\"") && evaluated.contains("\"e2\""), evaluated);

        Path bad = Files.writeString(dir.resolve("bad.jsonl"), """
                {"question": "What is 1 plus 1?", "answer": "1 + 1 = 2\\n#### 2"}
                {"question": "What is 2 plus 2?", "answer": "four"}
                """);
        RunConfig refused = RunDefaults.builtIn(RunDefaultsTest.LIMITS).resolve(tiny("arith").toBuilder()
                .setData(DataConfig.newBuilder().setTrainFile(bad.toString())).build());
        ServiceException e = assertThrows(ServiceException.class, () -> RunProblems.validate(refused, RunDefaultsTest.LIMITS));
        assertEquals(ServiceException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("config.data.train_file") && e.getMessage().contains("line 2: \"answer\" has no final answer"),
                e.getMessage());
        RunConfig missing = RunDefaults.builtIn(RunDefaultsTest.LIMITS).resolve(tiny("arith").toBuilder()
                .setData(DataConfig.newBuilder().setEvalFile(dir.resolve("none.jsonl").toString())).build());
        ServiceException m = assertThrows(ServiceException.class, () -> RunProblems.validate(missing, RunDefaultsTest.LIMITS));
        assertTrue(m.getMessage().startsWith("config.data.eval_file") && m.getMessage().contains("no such file"), m.getMessage());
    }
}
