package io.rlrf.cli.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.api.trainer.v1.IterationSummary;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.SamplingConfig;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.api.trainer.v1.StageCompleted;

/**
 * The experiment's tables, JSON and plot, from hand-made runs whose figures are known, so every
 * printed number can be checked. The experiment against the real services runs in .ci/run (bin/rlrf
 * demo).
 */
class ReportTest {

    /** A finished run: base accuracy {@code base}, then one accuracy per iteration; stage times are fixed. */
    static RunResult run(String mode, long seed, double base, double... accuracies) {
        Run.Builder run = Run.newBuilder().setRunId(mode + "-" + seed).setBaseEvalAccuracy(base)
                .setConfig(RunConfig.newBuilder().setSeed(seed)
                        .setSampling(SamplingConfig.newBuilder().setN(mode.equals("reward-only") ? 16 : 8)))
                .setBase(IterationSummary.newBuilder().setIteration(0).setEvalAccuracy(base)
                        .putMeanAspectRating("logical_correctness", 1.5));
        List<StageCompleted> stages = new ArrayList<>();
        stages.add(StageCompleted.newBuilder().setIteration(0).setStage(Stage.STAGE_BOOTSTRAP).setDurationMillis(60_000)
                .putMetrics("cached", seed == 1 && mode.equals("rlrf") ? 1 : 0).build());
        stages.add(StageCompleted.newBuilder().setIteration(0).setStage(Stage.STAGE_EVALUATE).setDurationMillis(5_000)
                .build());
        for (int i = 0; i < accuracies.length; i++) {
            run.addIterations(IterationSummary.newBuilder().setIteration(i + 1).setEvalAccuracy(accuracies[i])
                    .putMeanAspectRating("logical_correctness", 2.0 + i / 10.0).setPairs(100 + i).setLoss(0.9).setPreferenceLoss(0.5)
                    .setNllLoss(0.4).setSampleAccuracy(0.1).setRewriteAccuracy(0.3).setReflectionYield(0.25)
                    .setInternalisation(0.5).setFactAccuracy(0.6).setDistinctAnswers(40)
                    .setRefineAcceptanceRate(0.25));
            stages.add(StageCompleted.newBuilder().setIteration(i + 1).setStage(Stage.STAGE_SAMPLE).setDurationMillis(10_000).build());
            stages.add(StageCompleted.newBuilder().setIteration(i + 1).setStage(Stage.STAGE_JUDGE).setDurationMillis(1_000).build());
            stages.add(StageCompleted.newBuilder().setIteration(i + 1).setStage(Stage.STAGE_TRAIN).setDurationMillis(3_000).build());
        }
        return new RunResult(mode, seed, run.build(), stages, 100_000);
    }

    static List<RunResult> threeSeeds() {
        return List.of(run("reward-only", 1, 0.20, 0.22, 0.24), run("rlrf", 1, 0.20, 0.28, 0.34),
                run("reward-only", 2, 0.30, 0.30, 0.30), run("rlrf", 2, 0.30, 0.40, 0.44),
                run("reward-only", 3, 0.10, 0.15, 0.18), run("rlrf", 3, 0.10, 0.20, 0.25));
    }

    @Test
    void spreadsAreMeanAndSampleSdInPointsWithTheBaseOnce() {
        List<Report.Spread> spreads = Report.spreads(threeSeeds());
        assertEquals(5, spreads.size()); // base, reward-only x2, rlrf x2
        Report.Spread base = spreads.get(0);
        assertEquals("base", base.mode());
        assertEquals(20.0, base.mean(), 1e-9);
        assertEquals(10.0, base.sd(), 1e-9); // 10, 20, 30
        Report.Spread rlrf2 = Report.last(spreads, "rlrf").orElseThrow();
        assertEquals(2, rlrf2.iteration());
        assertEquals((34 + 44 + 25) / 3.0, rlrf2.mean(), 1e-9);
        assertEquals(3, rlrf2.seeds());
    }

    @Test
    void tablesShowEveryModeIterationAndTheClaimVerdict() {
        var bytes = new ByteArrayOutputStream();
        Report.print(threeSeeds(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        // Seed 1: the base once, then each mode's iterations.
        assertTrue(text.contains("Seed 1: held-out accuracy"), text);
        // accuracy, then the mean score (0 in these summaries), then the aspects
        assertTrue(text.matches("(?s).*base\\s+0\\s+20\\.0%\\s+0\\.000\\s+1\\.50.*"), text);
        assertTrue(text.matches("(?s).*rlrf\\s+2\\s+34\\.0%\\s+0\\.000\\s+2\\.10\\s+101\\s+25%.*"), text);
        assertTrue(text.contains("mean score (the judge's score, 0-1)"), text);
        assertEquals(3, java.util.regex.Pattern.compile("(?m)^base\\s+0\\s+\\d+\\.\\d%").matcher(text).results().count(),
                "the base row once per seed table");
        // Wall time: generation is 2 x 10 s per run, bootstrap 60 s, and the cached base is marked.
        assertTrue(text.matches("(?s).*rlrf\\s+1\\s+60\\.0\\s+20\\.0\\s+2\\.0\\s+0\\.0\\s+6\\.0\\s+5\\.0\\s+100\\.0\\s+\\(base from the model store\\).*"), text);
        assertTrue(text.contains("over 3 seeds"), text);
        // The mechanism table: rewrites, yield and internalisation for rlrf only.
        assertTrue(text.matches("(?s).*\\nrlrf\\s+1\\s+10\\.0%\\s+30\\.0%\\s+25\\.0%\\s+50\\.0%\\s+60\\.0%\\s+0\\s+40.*"), text);
        assertTrue(text.matches("(?s).*\\nreward-only\\s+1\\s+10\\.0%\\s+-\\s+-\\s+-\\s+60\\.0%.*"), text);
        // Paired by seed: rlrf - base = 14, 14, 15 (mean 14.3, sd 0.577, t(0.975, 2) = 4.303: +-1.43);
        // rlrf - reward-only = 10, 14, 7 (mean 10.3, sd 3.51: +-8.72).
        assertTrue(text.matches("(?s).*base\\s+3\\s+\\+14\\.3\\s+\\[\\+12\\.9, \\+15\\.8\\].*"), text);
        assertTrue(text.matches("(?s).*reward-only\\s+3\\s+\\+10\\.3\\s+\\[\\+1\\.6, \\+19\\.1\\].*"), text);
        assertTrue(text.contains("): MET. Over base +14.3 (met), over reward-only +10.3 (met)"), text);
    }

    @Test
    void theClaimIsReportedNotMetWhenTheGapIsSmall() {
        var bytes = new ByteArrayOutputStream();
        Report.print(List.of(run("reward-only", 1, 0.20, 0.25), run("rlrf", 1, 0.20, 0.27)),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("): NOT MET. Over base +7.0 (not met), over reward-only +2.0 (not met)"), text);
        assertTrue(text.contains("one seed: no interval"), text);
    }

    @Test
    void jsonHoldsEveryRunAndThePlotIsAPngWithOneColouredLinePerMode(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("results.json");
        Path png = dir.resolve("accuracy.png");
        ResultsFiles.writeJson(threeSeeds(), json, "abc123");
        ResultsFiles.writePlot(threeSeeds(), png);
        com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
        assertEquals("abc123", root.get("commit").asText());
        assertEquals(6, root.get("runs").size());
        assertEquals(60.0, root.get("runs").get(1).get("stage_seconds").get("bootstrap").asDouble(), 1e-9);
        assertEquals(20.0, root.get("runs").get(1).get("stage_seconds").get("generation").asDouble(), 1e-9);
        var rlrf2 = root.get("accuracy_points").get(4);
        assertEquals("rlrf", rlrf2.get("mode").asText());
        assertEquals(103 / 3.0, rlrf2.get("mean").asDouble(), 1e-9);
        var overBase = root.get("differences").get("rlrf_minus_base");
        assertEquals(43 / 3.0, overBase.get("mean").asDouble(), 1e-9);
        assertEquals(12.90, overBase.get("ci95").get(0).asDouble(), 0.01);
        assertEquals(15.77, overBase.get("ci95").get(1).asDouble(), 0.01);
        assertTrue(root.get("differences").has("rlrf_minus_reward_only"));
        assertTrue(root.get("claim_met").asBoolean());
        // each mode's config, from its first seed; the rlrf run's also as "config"
        assertEquals(16, root.get("configs").get("reward-only").get("sampling").get("n").asInt());
        assertEquals(8, root.get("configs").get("rlrf").get("sampling").get("n").asInt());
        assertEquals("1", root.get("configs").get("rlrf").get("seed").asText());
        assertEquals(root.get("configs").get("rlrf"), root.get("config"));
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(ResultsFiles.WIDTH, image.getWidth());
        assertEquals(ResultsFiles.HEIGHT, image.getHeight());
        int rlrf = ResultsFiles.COLORS.get("rlrf").getRGB();
        int rewardOnly = ResultsFiles.COLORS.get("reward-only").getRGB();
        int rlrfPixels = 0, rewardOnlyPixels = 0;
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                rlrfPixels += image.getRGB(x, y) == rlrf ? 1 : 0;
                rewardOnlyPixels += image.getRGB(x, y) == rewardOnly ? 1 : 0;
            }
        }
        assertTrue(rlrfPixels > 200, "rlrf line drawn: " + rlrfPixels);
        assertTrue(rewardOnlyPixels > 200, "reward-only line drawn: " + rewardOnlyPixels);
    }
}
