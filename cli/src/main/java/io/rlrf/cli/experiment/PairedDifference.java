package io.rlrf.cli.experiment;

import java.util.List;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * The paired difference of two modes over seeds (same base, same held-out problems within a seed):
 * its mean and the 95% confidence interval of the mean, {@code mean +- t(0.975, n - 1) sd / sqrt(n)}.
 * A pure function of the per-seed differences, in accuracy points.
 *
 * @param differences one value per seed, e.g. rlrf - reward-only at the last iteration
 * @param ci95        lower and upper bound; NaN with fewer than 2 seeds
 */
public record PairedDifference(List<Double> differences, double mean, double sd, double[] ci95) {

    public static PairedDifference of(List<Double> differences) {
        int n = differences.size();
        double mean = differences.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double ss = differences.stream().mapToDouble(d -> (d - mean) * (d - mean)).sum();
        double sd = n > 1 ? Math.sqrt(ss / (n - 1)) : Double.NaN;
        if (n < 2) {
            return new PairedDifference(List.copyOf(differences), mean, sd, new double[] {Double.NaN, Double.NaN});
        }
        double half = new TDistribution(n - 1).inverseCumulativeProbability(0.975) * sd / Math.sqrt(n);
        return new PairedDifference(List.copyOf(differences), mean, sd, new double[] {mean - half, mean + half});
    }

    /** Whether the mean reaches {@code threshold} and the interval lies above 0. */
    public boolean meets(double threshold) {
        return mean >= threshold && ci95[0] > 0;
    }
}
