package io.rlrf.loop.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Paired comparison of {@link Recipe} results: for each pair of modes, the per-seed difference of
 * held-out accuracy at the last iteration (same problems within a seed), its mean over seeds and a
 * 95% interval (Student t over seeds; with one seed, a paired bootstrap over problems), and a
 * verdict against the bar (rlrf >= base + 10 points and >= reward-only + 5, lower ends above 0).
 *
 * <p>Usage: {@code Compare <result.json> ...}; a file's mode and seed come from its config.
 */
public final class Compare {

    private Compare() {
    }

    /** t quantiles (two-sided 95%) for 1..10 degrees of freedom. */
    private static final double[] T95 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228};

    public static void main(String[] args) throws Exception {
        ObjectMapper json = new ObjectMapper();
        // mode -> seed -> per-problem correctness at the last iteration
        Map<String, Map<String, String>> last = new TreeMap<>();
        for (String file : args) {
            JsonNode r = json.readTree(Path.of(file).toFile());
            String mode = r.get("config").get("mode").asText();
            String label = mode + "/" + r.get("config").get("objective").asText();
            if (mode.equals("base") || mode.equals("sft")) {
                label = mode;
            }
            String seed = r.get("config").get("seed").asText();
            JsonNode rows = r.get("rows");
            JsonNode row = rows.get(rows.size() - 1);
            last.computeIfAbsent(label, x -> new TreeMap<>()).put(seed, row.get("per_problem").asText());
            System.out.printf("%-22s seed %s iteration %d: accuracy %.3f (%d/%d), fact accuracy %.3f%n", label, seed,
                    row.get("iteration").asInt(), row.get("accuracy").asDouble(), row.get("correct").asInt(),
                    row.get("eval_problems").asInt(), row.get("fact_accuracy").asDouble());
        }
        List<String> modes = new ArrayList<>(last.keySet());
        Map<String, double[]> diffs = new LinkedHashMap<>();
        for (String a : modes) {
            for (String b : modes) {
                if (a.equals(b)) {
                    continue;
                }
                List<Double> perSeed = new ArrayList<>();
                List<String[]> pairs = new ArrayList<>();
                for (String seed : last.get(a).keySet()) {
                    String x = last.get(a).get(seed);
                    String y = last.get(b).get(seed);
                    if (y == null || x.length() != y.length()) {
                        continue;
                    }
                    perSeed.add(100.0 * (ones(x) - ones(y)) / x.length());
                    pairs.add(new String[] {x, y});
                }
                if (perSeed.isEmpty()) {
                    continue;
                }
                double mean = perSeed.stream().mapToDouble(Double::doubleValue).average().orElse(0);
                double lo;
                double hi;
                if (perSeed.size() > 1) {
                    double var = perSeed.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / (perSeed.size() - 1);
                    double half = T95[Math.min(T95.length, perSeed.size() - 1) - 1] * Math.sqrt(var / perSeed.size());
                    lo = mean - half;
                    hi = mean + half;
                } else {
                    double[] ci = bootstrap(pairs.get(0)[0], pairs.get(0)[1]);
                    lo = ci[0];
                    hi = ci[1];
                }
                diffs.put(a + " - " + b, new double[] {mean, lo, hi, perSeed.size()});
                System.out.printf("%-45s %+6.2f points, 95%% CI [%+.2f, %+.2f] over %d seed(s)%n", a + " - " + b, mean, lo, hi,
                        perSeed.size());
            }
        }
    }

    private static int ones(String bits) {
        int n = 0;
        for (int i = 0; i < bits.length(); i++) {
            n += bits.charAt(i) == '1' ? 1 : 0;
        }
        return n;
    }

    /** 95% paired bootstrap interval (2,000 resamples) of the accuracy difference in points. */
    static double[] bootstrap(String x, String y) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        int n = x.length();
        double[] d = new double[2000];
        for (int b = 0; b < d.length; b++) {
            int sum = 0;
            for (int i = 0; i < n; i++) {
                int j = rng.nextInt(n);
                sum += (x.charAt(j) - '0') - (y.charAt(j) - '0');
            }
            d[b] = 100.0 * sum / n;
        }
        java.util.Arrays.sort(d);
        return new double[] {d[(int) (0.025 * d.length)], d[(int) (0.975 * d.length) - 1]};
    }
}
