package io.rlrf.cli.experiment;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.util.JsonFormat;

/**
 * Writes the experiment's results: {@code results.json} (every run's rows, stage times and the
 * spread over seeds) and {@code accuracy.png} (held-out accuracy per iteration, one line per mode,
 * the mean over seeds with a bar for the spread).
 */
public final class ResultsFiles {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    static final int WIDTH = 720;
    static final int HEIGHT = 480;

    /** Line colour per mode. */
    static final Map<String, Color> COLORS = Map.of("base", new Color(0x55, 0x55, 0x55), "reward-only",
            new Color(0x1f, 0x77, 0xb4), "rlrf", new Color(0xd6, 0x27, 0x28), "sft", new Color(0x2c, 0xa0, 0x2c),
            "rlrf-novalues", new Color(0xff, 0x7f, 0x0e));

    private ResultsFiles() {
    }

    /**
     * {@code results.json}: every run with its iterations, the accuracy spread per mode and iteration,
     * the paired differences rlrf minus each mode at the last iteration ({@code rlrf_minus_<mode>}:
     * mean, 95% interval, per-seed values), the claim's verdict, each mode's resolved config (its first
     * seed's, {@code configs}; the rlrf run's also as {@code config}) and the commit the experiment ran on
     * ({@code commit}, empty when unknown).
     */
    public static void writeJson(List<RunResult> results, Path file, String commit) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("commit", commit);
        ArrayNode runs = root.putArray("runs");
        for (RunResult r : results) {
            ObjectNode run = runs.addObject().put("mode", r.mode()).put("seed", r.seed()).put("task", r.run().getConfig().getTask())
                    .put("run_id", r.run().getRunId())
                    .put("wall_seconds", r.wallMillis() / 1000.0).put("base_from_store", r.bootstrapCached());
            run.set("stage_seconds", JSON.valueToTree(r.secondsByGroup()));
            ArrayNode iterations = run.putArray("iterations");
            for (RunResult.Row row : r.rows()) {
                ObjectNode it = iterations.addObject().put("iteration", row.iteration()).put("accuracy", row.accuracy())
                        .put("mean_score", row.meanScore());
                it.set("mean_aspect_rating", JSON.valueToTree(row.aspects()));
                it.put("mean_answer_tokens", row.meanAnswerTokens()).put("pairs", row.pairs())
                        .put("refine_acceptance_rate", row.refineAcceptance()).put("loss", row.loss())
                        .put("preference_loss", row.preferenceLoss()).put("nll_loss", row.nllLoss())
                        .put("reward_margin", row.rewardMargin());
            }
        }
        ArrayNode points = root.putArray("accuracy_points");
        for (Report.Spread s : Report.spreads(results)) {
            points.addObject().put("mode", s.mode()).put("iteration", s.iteration()).put("mean", s.mean())
                    .put("sd", s.sd()).put("seeds", s.seeds());
        }
        Map<String, PairedDifference> differences = Report.differences(results);
        ObjectNode diffs = root.putObject("differences");
        differences.forEach((mode, d) -> {
            ObjectNode node = diffs.putObject("rlrf_minus_" + mode.replace('-', '_')).put("mean", d.mean());
            node.putArray("ci95").add(d.ci95()[0]).add(d.ci95()[1]);
            node.set("per_seed", JSON.valueToTree(d.differences()));
        });
        root.put("claim_met", Report.claimMet(differences));
        ObjectNode configs = JSON.createObjectNode();
        for (RunResult r : results) {
            if (!configs.has(r.mode())) {
                configs.set(r.mode(), JSON.readTree(JsonFormat.printer().print(r.run().getConfig())));
            }
        }
        if (configs.has("rlrf")) {
            root.set("config", configs.get("rlrf"));
        }
        root.set("configs", configs);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    /** Accuracy (mean over seeds) per iteration; the base is iteration 0 of both lines. */
    public static void writePlot(List<RunResult> results, Path file) throws IOException {
        List<Report.Spread> spreads = Report.spreads(results);
        Report.Spread base = spreads.stream().filter(s -> s.mode().equals("base")).findFirst().orElse(null);
        Map<String, List<Report.Spread>> lines = new LinkedHashMap<>();
        for (Report.Spread s : spreads) {
            if (!s.mode().equals("base")) {
                lines.computeIfAbsent(s.mode(), k -> new ArrayList<>(base == null ? List.of() : List.of(base))).add(s);
            }
        }
        int maxIteration = spreads.stream().mapToInt(Report.Spread::iteration).max().orElse(1);
        double top = spreads.stream().mapToDouble(s -> s.mean() + s.sd()).max().orElse(10);
        double yMax = Math.min(100, Math.max(10, Math.ceil((top + 5) / 10) * 10));

        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        int left = 70, right = WIDTH - 160, topY = 50, bottom = HEIGHT - 60;
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.setColor(Color.BLACK);
        long seeds = results.stream().map(RunResult::seed).distinct().count();
        g.drawString("Held-out accuracy per iteration (" + seeds + (seeds == 1 ? " seed)" : " seeds, mean +- sd)"), left, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i <= 5; i++) {
            double v = yMax * i / 5;
            int y = yOf(v, yMax, topY, bottom);
            g.setColor(new Color(0xdd, 0xdd, 0xdd));
            g.drawLine(left, y, right, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%.0f%%", v), left - 40, y + 4);
        }
        for (int t = 0; t <= maxIteration; t++) {
            int x = xOf(t, maxIteration, left, right);
            g.drawString(t == 0 ? "0 (base)" : Integer.toString(t), x - 10, bottom + 20);
        }
        g.drawString("iteration", (left + right) / 2 - 25, bottom + 42);
        g.drawLine(left, bottom, right, bottom);
        g.drawLine(left, topY, left, bottom);
        int legendY = topY + 10;
        for (var e : lines.entrySet()) {
            Color color = COLORS.getOrDefault(e.getKey(), Color.MAGENTA);
            g.setColor(color);
            g.setStroke(new BasicStroke(2.5f));
            int px = -1, py = -1;
            for (Report.Spread s : e.getValue()) {
                int x = xOf(s.iteration(), maxIteration, left, right);
                int y = yOf(s.mean(), yMax, topY, bottom);
                if (px >= 0) {
                    g.drawLine(px, py, x, y);
                }
                g.fillOval(x - 4, y - 4, 8, 8);
                if (s.sd() > 0) {
                    g.setStroke(new BasicStroke(1.5f));
                    g.drawLine(x, yOf(s.mean() - s.sd(), yMax, topY, bottom), x, yOf(s.mean() + s.sd(), yMax, topY, bottom));
                    g.setStroke(new BasicStroke(2.5f));
                }
                px = x;
                py = y;
            }
            g.fillRect(right + 20, legendY - 8, 14, 10);
            g.setColor(Color.BLACK);
            g.drawString(e.getKey(), right + 40, legendY + 2);
            legendY += 20;
        }
        g.dispose();
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    private static int xOf(int iteration, int maxIteration, int left, int right) {
        return left + 20 + (int) Math.round((right - left - 40) * (double) iteration / Math.max(1, maxIteration));
    }

    private static int yOf(double value, double yMax, int top, int bottom) {
        double v = Math.max(0, Math.min(yMax, value));
        return bottom - (int) Math.round((bottom - top) * v / yMax);
    }
}
