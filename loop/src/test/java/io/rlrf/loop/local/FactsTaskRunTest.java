package io.rlrf.loop.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.Outcome;
import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.EvalConfig;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.PairingConfig;
import io.rlrf.api.trainer.v1.ReflectionConfig;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.SamplingConfig;
import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.common.error.ServiceException;
import io.rlrf.loop.LoopSettings;
import io.rlrf.loop.RunListener;
import io.rlrf.loop.bootstrap.Bootstrap;
import io.rlrf.loop.bootstrap.BootstrapSpec;
import io.rlrf.loop.plan.RunDefaults;
import io.rlrf.loop.plan.RunDefaultsTest;
import io.rlrf.loop.plan.RunPlan;
import io.rlrf.loop.plan.RunProblems;
import io.rlrf.loop.run.Records.EvalResult;
import io.rlrf.loop.run.Records.Problem;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.tasks.facts.FactsWorld;
import io.rlrf.tasks.prompt.ReflectionPrompt;
import io.rlrf.tasks.verify.VerifierJudges;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The factuality world as a run task, in process: the bootstrap makes the facts base (its own key),
 * training prompts ask about train-split entities and the held-out ones about test-split entities,
 * the in-process judge is the facts verifier, and the evaluation reports the mean score (precision).
 */
class FactsTaskRunTest {

    @TempDir
    Path dir;

    /**
     * A tiny shape and 30 facts steps at a high learning rate, enough that the base writes something
     * before EOS (an empty answer is scored by the trainer, not the judge): the run proves the
     * wiring, not the learning.
     */
    static final BootstrapSpec TINY = new BootstrapSpec("bootstrap", OptionalLong.of(3), 1, 1, List.of(1), 1, 4, 4, 1e-2,
            0, 16, 1, 2, 512, 2, 24, 10, Optional.empty(), new BootstrapSpec.Facts(30, 1));

    static RunConfig tiny(Mode mode) {
        RunConfig.Builder c = RunConfig.newBuilder().setMode(mode).setTask(VerifierJudges.FACTS_TASK).setIterations(1)
                .setSeed(7).setData(DataConfig.newBuilder().setTrainPrompts(3).setEvalPrompts(3))
                .setSampling(SamplingConfig.newBuilder().setN(2).setMaxNewTokens(24))
                .setPairing(PairingConfig.newBuilder().setDelta(0).setTruncated(Truncation.TRUNCATION_UNFINISHED))
                .setDpo(DpoConfig.newBuilder().setBatchSize(2)).setEval(EvalConfig.newBuilder().setMaxNewTokens(24).setTemperature(1f)); // sampled: the tiny base's greedy first token is EOS
        if (mode == Mode.MODE_RLRF) {
            c.setReflection(ReflectionConfig.newBuilder().setK(1).setM(1).setMaxNewTokens(24));
        }
        return c.build();
    }

    @Test
    void aFactsRunBootstrapsTheFactsBaseTrainsOnTrainEntitiesAndReportsPrecisionOnTestEntities() throws Exception {
        try (LocalTrainer trainer = new LocalTrainer(dir.resolve("runs"), dir.resolve("models"),
                RunDefaults.builtIn(RunDefaultsTest.LIMITS), LoopSettings.defaults(), TINY, VerifierParams.DEFAULTS,
                ReflectionPrompt.DEFAULT, InProcessRunTest.lanes(1), RunListener.NONE)) {
            Run run = trainer.execute(trainer.prepare("facts", tiny(Mode.MODE_RLRF)));
            assertEquals(RunState.RUN_STATE_SUCCEEDED, run.getState(), run.getError());
            Path runDir = dir.resolve("runs/facts");
            Bootstrap.Result base = RunFiles.readRecord(runDir.resolve("iter-0/bootstrap.json"), Bootstrap.Result.class);
            assertTrue(base.version().startsWith("bootstrap/facts-"), base.version());
            assertEquals(2 * FactsWorld.BUILT_IN.entities().size(), base.examples(), "every entity, answered and revised");
            List<String> samples = Files.readAllLines(runDir.resolve("iter-1/samples.jsonl"));
            assertTrue(samples.stream().allMatch(s -> s.contains("\"promptId\":\"facts-train-")), samples.get(0));
            String evaluated = Files.readString(runDir.resolve("iter-1/eval-answers.jsonl"));
            assertTrue(evaluated.contains("facts-test-") && !evaluated.contains("facts-train-"), evaluated);
            // (the 2-step base may answer a held-out prompt with EOS first: the trainer scores that itself)
            String feedback = Files.readString(runDir.resolve("iter-1/feedback.jsonl"));
            assertTrue(feedback.contains("\"judgeId\":\"verifier-facts\""), feedback);
            EvalResult eval = RunFiles.readRecord(runDir.resolve("iter-1/evaluation.json"), EvalResult.class);
            assertTrue(eval.meanAspectRating().containsKey("factuality") && eval.meanAspectRating().containsKey("completeness"),
                    Files.readString(runDir.resolve("iter-1/eval-feedback.jsonl")) + evaluated);
            assertTrue(eval.meanScore() >= 0 && eval.meanScore() <= 1);
            assertEquals(eval.meanScore(), run.getIterations(0).getMeanScore());
        }
    }

    @Test
    void trainAndHeldOutPromptsAskAboutDisjointEntitiesAndTheHeldOutOnesAreFixed() {
        RunConfig config = RunDefaults.builtIn(RunDefaultsTest.LIMITS).resolve(tiny(Mode.MODE_REWARD_ONLY).toBuilder()
                .setData(DataConfig.newBuilder().setTrainPrompts(500).setEvalPrompts(500)).build());
        RunProblems.validate(config, RunDefaultsTest.LIMITS);
        RunPlan plan = RunPlan.of(config, List.of());
        List<Problem> eval = RunProblems.eval(plan);
        assertEquals(FactsWorld.BUILT_IN.entities(io.rlrf.tasks.Split.TEST).size(), eval.size(), "at most one prompt per entity");
        assertEquals(eval, RunProblems.eval(plan));
        Set<String> train = new HashSet<>();
        RunProblems.train(plan, 1).forEach(p -> train.add(p.question()));
        eval.forEach(p -> assertTrue(!train.contains(p.question()), p.question()));
        assertTrue(eval.get(0).question().startsWith("Tell me about "), eval.get(0).question());
    }

    @Test
    void theMathVerifierAndPromptFilesAreRefusedForFacts() {
        RunConfig math = RunDefaults.builtIn(RunDefaultsTest.LIMITS).resolve(tiny(Mode.MODE_RLRF).toBuilder()
                .setJudge(VerifierJudges.VERIFIER).build());
        ServiceException e = assertThrows(ServiceException.class, () -> RunProblems.validate(math, RunDefaultsTest.LIMITS));
        assertTrue(e.getMessage().startsWith("config.judge") && e.getMessage().contains("verifier-facts"), e.getMessage());
        RunConfig file = RunDefaults.builtIn(RunDefaultsTest.LIMITS).resolve(tiny(Mode.MODE_RLRF).toBuilder()
                .setData(DataConfig.newBuilder().setTrainFile("x.jsonl")).build());
        ServiceException f = assertThrows(ServiceException.class, () -> RunProblems.validate(file, RunDefaultsTest.LIMITS));
        assertTrue(f.getMessage().startsWith("config.data.train_file"), f.getMessage());
    }

    @Test
    void theInProcessJudgeRatesFactsAsTheVerifierDoesAndRefusesAMathReference() {
        LocalReward reward = new LocalReward(VerifierParams.DEFAULTS);
        FactsWorld.Entity e = FactsWorld.BUILT_IN.entities().get(0);
        Feedback f = reward.evaluate(EvaluateRequest.newBuilder().setTask("facts").addItems(EvaluationItem.newBuilder()
                .setId("a").setPrompt(e.question()).setAnswer(e.description()).setReference(e.description())).build())
                .getFeedback(0);
        assertEquals(1.0, f.getScore());
        assertEquals(Outcome.OUTCOME_CORRECT, f.getOutcome().getOutcome());
        assertEquals(VerifierJudges.FACTS, f.getJudgeId());
        assertEquals(VerifierJudges.FACTS_RUBRIC_VERSION, f.getRubricVersion());
        ServiceException refused = assertThrows(ServiceException.class, () -> reward.evaluate(EvaluateRequest.newBuilder()
                .setTask("facts").addItems(EvaluationItem.newBuilder().setId("a").setPrompt("q").setAnswer("x")
                        .setReference("1 + 1 = 2\n#### 2")).build()));
        assertTrue(refused.getMessage().startsWith("items[0].reference"), refused.getMessage());
    }
}
