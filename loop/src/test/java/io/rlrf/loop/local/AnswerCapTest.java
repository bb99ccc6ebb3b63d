package io.rlrf.loop.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.loop.plan.RunPlan;
import io.rlrf.loop.plan.RunProblems;
import io.rlrf.loop.run.Records.Problem;
import io.rlrf.loop.run.Records.Rewrite;
import io.rlrf.loop.run.Records.Sample;
import io.rlrf.loop.run.RunFiles;

/**
 * sampling.length_factor caps each prompt's answers at a multiple of its reference solution's length,
 * in samples, rewrites and evaluation answers, within each stage's max_new_tokens (issue 13).
 */
class AnswerCapTest {

    private static final double FACTOR = 0.3;

    @TempDir
    Path dir;

    @Test
    void samplesRewritesAndEvalAnswersStopAtTheirPromptsCap() throws Exception {
        RunConfig recorded = RunFiles.fromJson(
                Files.readString(InProcessRunTest.RECORDED.resolve("rec-rlrf").resolve("config.json")), RunConfig::newBuilder);
        RunConfig config = recorded.toBuilder()
                .setSampling(recorded.getSampling().toBuilder().setLengthFactor((float) FACTOR)).build();
        InProcessRunTest.run(dir, "capped", config);

        RunPlan plan = RunPlan.of(config, List.of());
        List<Problem> train = RunProblems.train(plan, 1);
        List<Problem> eval = RunProblems.eval(plan);
        Path iter = dir.resolve("runs/capped/iter-1");
        List<Sample> samples = RunFiles.readRecords(iter.resolve("samples.jsonl"), Sample.class);
        List<Rewrite> rewrites = RunFiles.readRecords(iter.resolve("refinements.jsonl"), Rewrite.class);
        List<Sample> evalAnswers = RunFiles.readRecords(iter.resolve("eval-answers.jsonl"), Sample.class);
        assertEquals(3 * 3, samples.size());
        assertFalse(rewrites.isEmpty());
        assertEquals(2, evalAnswers.size());
        int binding = 0;
        for (Sample s : samples) {
            binding += check(s.completionTokens(), train.get(s.promptIndex()), 24);
        }
        for (Rewrite r : rewrites) {
            binding += check(r.completionTokens(), train.get(r.promptIndex()), 24);
        }
        for (Sample s : evalAnswers) {
            binding += check(s.completionTokens(), eval.get(s.promptIndex()), 24);
        }
        int answers = samples.size() + rewrites.size() + evalAnswers.size();
        // Random weights rarely stop on their own: most answers run to their cap, which is below 24.
        assertTrue(binding > answers / 2, binding + " of " + answers + " answers ended at their cap");
    }

    /** 1 when the answer ended exactly at its cap; fails when it went past it. */
    private static int check(int tokens, Problem problem, int stageMax) {
        int cap = (int) Math.ceil(FACTOR * problem.reference().length());
        assertTrue(cap < stageMax, "the test needs caps below max_new_tokens: " + cap);
        assertFalse(tokens > cap, tokens + " tokens for a reference of " + problem.reference().length() + " characters");
        return tokens == cap ? 1 : 0;
    }
}
