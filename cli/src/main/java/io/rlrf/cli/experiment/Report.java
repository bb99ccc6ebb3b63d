package io.rlrf.cli.experiment;

import io.rlrf.tasks.verify.VerifierJudges;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The experiment's tables: accuracy, mean aspect ratings and pairs per mode and iteration (the base
 * once, as iteration 0), wall time by stage group, and with several seeds the mean and spread per
 * mode with the check of the paper's claim (rlrf at least 10 points above the base and 5 above
 * reward-only at the last iteration).
 */
public final class Report {

    /** Accuracy points rlrf must gain over the base, and over reward-only, for the claim to hold here. */
    public static final double CLAIM_OVER_BASE = 10;
    public static final double CLAIM_OVER_REWARD_ONLY = 5;

    /** Mean and sample standard deviation (0 for one value) of a mode's accuracy at one iteration, in points. */
    public record Spread(String mode, int iteration, double mean, double sd, int seeds) {
    }

    private Report() {
    }

    /** Prints every table for {@code results} (per seed: reward-only, then rlrf). */
    public static void print(List<RunResult> results, PrintStream out) {
        TreeSet<Long> seeds = new TreeSet<>();
        results.forEach(r -> seeds.add(r.seed()));
        for (long seed : seeds) {
            List<RunResult> ofSeed = results.stream().filter(r -> r.seed() == seed).toList();
            accuracyTable(ofSeed, seed, out);
            mechanismTable(ofSeed, out);
        }
        timeTable(results, out);
        List<Spread> spreads = spreads(results);
        if (seeds.size() > 1) {
            out.println();
            out.printf("Held-out accuracy over %d seeds (mean +- sd, points)%n", seeds.size());
            out.printf("%-13s %5s %16s%n", "mode", "iter", "accuracy");
            for (Spread s : spreads) {
                out.printf("%-13s %5d %9.1f +- %4.1f%n", s.mode(), s.iteration(), s.mean(), s.sd());
            }
        }
        claim(results, out);
    }

    private static void accuracyTable(List<RunResult> runs, long seed, PrintStream out) {
        TreeSet<String> aspects = new TreeSet<>();
        runs.forEach(r -> r.rows().forEach(row -> aspects.addAll(row.aspects().keySet())));
        out.println();
        int heldOut = runs.isEmpty() ? 0 : runs.get(0).run().getConfig().getData().getEvalPrompts();
        boolean facts = !runs.isEmpty() && runs.get(0).run().getConfig().getTask().equals(VerifierJudges.FACTS_TASK);
        out.printf("Seed %d: held-out accuracy (%d prompts, greedy), mean score (%s) and mean rating per aspect (1-3)%n",
                seed, heldOut, facts ? "factual precision: supported claims / max(claims, the entity's facts)"
                        : "the judge's score, 0-1");
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-13s %4s %8s %9s", "mode", "iter", "accuracy",
                facts ? "precision" : "score"));
        for (String a : aspects) {
            header.append(String.format(Locale.ROOT, " %12s", abbreviate(a)));
        }
        header.append(String.format(Locale.ROOT, " %6s %7s %7s %7s %7s %7s", "pairs", "accept", "tokens", "loss", "pref",
                "nll"));
        out.println(header);
        boolean basePrinted = false;
        for (RunResult r : runs) {
            for (RunResult.Row row : r.rows()) {
                if (row.iteration() == 0) {
                    if (basePrinted) {
                        continue; // every run evaluates the same base on the same prompts; print it once
                    }
                    basePrinted = true;
                }
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-13s %4d %7.1f%% %9.3f",
                        row.iteration() == 0 ? "base" : r.mode(), row.iteration(), 100 * row.accuracy(), row.meanScore()));
                for (String a : aspects) {
                    Double v = row.aspects().get(a);
                    line.append(v == null ? String.format(Locale.ROOT, " %12s", "-") : String.format(Locale.ROOT, " %12.2f", v));
                }
                if (row.iteration() == 0) {
                    line.append(String.format(Locale.ROOT, " %6s %7s %7.1f %7s %7s %7s", "-", "-", row.meanAnswerTokens(),
                            "-", "-", "-"));
                } else {
                    line.append(String.format(Locale.ROOT, " %6d %7s %7.1f %7.3f %7.3f %7.3f", row.pairs(),
                            r.mode().startsWith("rlrf") ? String.format(Locale.ROOT, "%.0f%%", 100 * row.refineAcceptance()) : "-",
                            row.meanAnswerTokens(), row.loss(), row.preferenceLoss(), row.nllLoss()));
                }
                out.println(line);
            }
        }
    }

    /**
     * What the loop did per mode and iteration: accuracy of the samples and rewrites, the reflection
     * yield and its internalisation (training prompts), and, on the held-out answers, per-line fact
     * accuracy, annotation/value mismatches, distinct final answers and the constant-answer baseline.
     */
    private static void mechanismTable(List<RunResult> runs, PrintStream out) {
        out.printf("%-13s %4s %7s %7s %7s %7s %7s %7s %8s %7s%n", "mechanism", "iter", "sampled", "rewrite", "yield",
                "intern", "facts", "mismat", "distinct", "const");
        boolean basePrinted = false;
        for (RunResult r : runs) {
            for (RunResult.Row row : r.rows()) {
                if (row.iteration() == 0 && basePrinted) {
                    continue;
                }
                basePrinted |= row.iteration() == 0;
                RunResult.Mechanism m = row.mechanism();
                boolean trained = row.iteration() > 0;
                boolean reflected = trained && r.mode().startsWith("rlrf");
                out.printf("%-13s %4d %7s %7s %7s %7s %6.1f%% %7d %8d %6.1f%%%n", trained ? r.mode() : "base",
                        row.iteration(), trained && !r.mode().equals("sft") ? pct(m.sampleAccuracy()) : "-", reflected ? pct(m.rewriteAccuracy()) : "-",
                        reflected ? pct(m.reflectionYield()) : "-", reflected ? pct(m.internalisation()) : "-",
                        100 * m.factAccuracy(), m.annotationMismatches(), m.distinctAnswers(),
                        100 * m.constantAnswerAccuracy());
            }
        }
    }

    private static String pct(double share) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * share);
    }

    private static void timeTable(List<RunResult> results, PrintStream out) {
        out.println();
        out.println("Wall time by stage (seconds)");
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-13s %5s", "mode", "seed"));
        RunResult.TIME_GROUPS.forEach(g -> header.append(String.format(Locale.ROOT, " %10s", g)));
        header.append(String.format(Locale.ROOT, " %9s", "run wall"));
        out.println(header);
        for (RunResult r : results) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-13s %5d", r.mode(), r.seed()));
            r.secondsByGroup().forEach((g, s) -> line.append(String.format(Locale.ROOT, " %10.1f", s)));
            line.append(String.format(Locale.ROOT, " %9.1f", r.wallMillis() / 1000.0));
            if (r.bootstrapCached()) {
                line.append("  (base from the model store)");
            }
            out.println(line);
        }
    }

    /** Per mode and iteration: mean and sd of accuracy over seeds, in points; the base (iteration 0) once. */
    public static List<Spread> spreads(List<RunResult> results) {
        Map<String, List<Double>> byKey = new LinkedHashMap<>();
        Map<Long, Double> baseBySeed = new LinkedHashMap<>();
        for (RunResult r : results) {
            for (RunResult.Row row : r.rows()) {
                if (row.iteration() == 0) {
                    baseBySeed.putIfAbsent(r.seed(), 100 * row.accuracy());
                } else {
                    byKey.computeIfAbsent(r.mode() + "\u0000" + row.iteration(), k -> new ArrayList<>())
                            .add(100 * row.accuracy());
                }
            }
        }
        List<Spread> out = new ArrayList<>();
        if (!baseBySeed.isEmpty()) {
            out.add(spread("base", 0, new ArrayList<>(baseBySeed.values())));
        }
        byKey.forEach((k, v) -> out.add(spread(k.split("\u0000")[0], Integer.parseInt(k.split("\u0000")[1]), v)));
        return out;
    }

    private static Spread spread(String mode, int iteration, List<Double> values) {
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        double sd = values.size() > 1 ? Math.sqrt(ss / (values.size() - 1)) : 0;
        return new Spread(mode, iteration, mean, sd, values.size());
    }

    /** The last iteration's spread of {@code mode}, if it ran. */
    static java.util.Optional<Spread> last(List<Spread> spreads, String mode) {
        return spreads.stream().filter(s -> s.mode().equals(mode)).reduce((a, b) -> b.iteration() >= a.iteration() ? b : a);
    }

    /** Each mode's held-out accuracy at its last iteration per seed, and the base's, in points. */
    static Map<String, Map<Long, Double>> lastAccuracy(List<RunResult> results) {
        Map<String, Map<Long, Double>> out = new LinkedHashMap<>();
        for (RunResult r : results) {
            for (RunResult.Row row : r.rows()) {
                String mode = row.iteration() == 0 ? "base" : r.mode();
                Map<Long, Double> bySeed = out.computeIfAbsent(mode, k -> new java.util.TreeMap<>());
                if (row.iteration() > 0 || !bySeed.containsKey(r.seed())) {
                    bySeed.put(r.seed(), 100 * row.accuracy()); // rows come in iteration order: the last one stays
                }
            }
        }
        return out;
    }

    /**
     * rlrf minus every other mode at the last iteration, paired by seed (the seeds both ran), with its
     * 95% interval.
     */
    public static Map<String, PairedDifference> differences(List<RunResult> results) {
        Map<String, Map<Long, Double>> last = lastAccuracy(results);
        Map<String, PairedDifference> out = new LinkedHashMap<>();
        Map<Long, Double> rlrf = last.get("rlrf");
        if (rlrf == null) {
            return out;
        }
        last.forEach((mode, bySeed) -> {
            if (!mode.equals("rlrf")) {
                List<Double> d = new ArrayList<>();
                rlrf.forEach((seed, acc) -> {
                    if (bySeed.containsKey(seed)) {
                        d.add(acc - bySeed.get(seed));
                    }
                });
                if (!d.isEmpty()) {
                    out.put(mode, PairedDifference.of(d));
                }
            }
        });
        return out;
    }

    /** Whether the claim holds: rlrf at least 10 points above base and 5 above reward-only, both intervals above 0. */
    public static boolean claimMet(Map<String, PairedDifference> differences) {
        PairedDifference base = differences.get("base");
        PairedDifference rewardOnly = differences.get("reward-only");
        return base != null && rewardOnly != null && base.meets(CLAIM_OVER_BASE) && rewardOnly.meets(CLAIM_OVER_REWARD_ONLY);
    }

    private static void claim(List<RunResult> results, PrintStream out) {
        Map<String, PairedDifference> differences = differences(results);
        if (!differences.containsKey("base") || !differences.containsKey("reward-only")) {
            return;
        }
        out.println();
        out.println("Paired differences at the last iteration (rlrf minus each mode, points; 95% interval over seeds)");
        out.printf("%-16s %6s %8s %18s %s%n", "rlrf minus", "seeds", "mean", "95% interval", "per seed");
        differences.forEach((mode, d) -> out.printf("%-16s %6d %+8.1f %18s %s%n", mode, d.differences().size(), d.mean(),
                Double.isNaN(d.ci95()[0]) ? "(one seed)" : String.format(Locale.ROOT, "[%+.1f, %+.1f]", d.ci95()[0],
                        d.ci95()[1]),
                d.differences().stream().map(v -> String.format(Locale.ROOT, "%+.1f", v)).toList()));
        PairedDifference base = differences.get("base");
        PairedDifference rewardOnly = differences.get("reward-only");
        out.printf("Claim (rlrf >= base + %.0f and >= reward-only + %.0f points at the last iteration, each 95%% interval "
                + "above 0): %s. Over base %+.1f (%s), over reward-only %+.1f (%s)%n", CLAIM_OVER_BASE,
                CLAIM_OVER_REWARD_ONLY, claimMet(differences) ? "MET" : "NOT MET", base.mean(),
                base.meets(CLAIM_OVER_BASE) ? "met" : "not met", rewardOnly.mean(),
                rewardOnly.meets(CLAIM_OVER_REWARD_ONLY) ? "met" : "not met");
        if (base.differences().size() < 2) {
            out.println("(one seed: no interval, so the claim cannot be met; run --seeds with at least 5 seeds)");
        }
    }

    private static String abbreviate(String aspect) {
        String shorter = aspect.startsWith("logical_") ? aspect.substring("logical_".length()) : aspect;
        return shorter.length() <= 12 ? shorter : shorter.substring(0, 12);
    }
}
