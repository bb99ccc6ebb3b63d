package io.rlrf.model.train;

/**
 * AdamW and its schedule (Loshchilov and Hutter 2019), validated here.
 *
 * @param learningRate peak learning rate
 * @param warmupSteps  linear warm-up from 0 to the peak over this many optimiser steps
 * @param totalSteps   steps of the whole run; after warm-up the rate follows a cosine down to
 *                     {@code minLrRatio * learningRate} at this step
 * @param minLrRatio   floor of the cosine as a fraction of the peak, in [0, 1]
 * @param beta1        first-moment decay
 * @param beta2        second-moment decay
 * @param eps          added to the root of the second moment
 * @param weightDecay  decoupled weight decay, applied to matrices only (not to RMSNorm weights)
 * @param maxGradNorm  clip the global gradient L2 norm to this (0 = no clipping)
 */
public record OptimizerParams(double learningRate, int warmupSteps, int totalSteps, double minLrRatio, double beta1,
        double beta2, double eps, double weightDecay, double maxGradNorm) {

    public OptimizerParams {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmupSteps);
        }
        if (totalSteps < 1 || totalSteps < warmupSteps) {
            throw new IllegalArgumentException("total steps must be >= 1 and >= warm-up steps (" + warmupSteps
                    + "), got " + totalSteps);
        }
        if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
            throw new IllegalArgumentException("min lr ratio must be in [0, 1], got " + minLrRatio);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta1 and beta2 must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("eps must be > 0, got " + eps);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        if (!(maxGradNorm >= 0)) {
            throw new IllegalArgumentException("max grad norm must be >= 0 (0 = off), got " + maxGradNorm);
        }
    }

    /** AdamW defaults (0.9, 0.999, 1e-8), no decay, clipping at 1.0, cosine to 10% of the peak. */
    public static OptimizerParams of(double learningRate, int warmupSteps, int totalSteps) {
        return new OptimizerParams(learningRate, warmupSteps, totalSteps, 0.1, 0.9, 0.999, 1e-8, 0.0, 1.0);
    }

    public OptimizerParams withWeightDecay(double wd) {
        return new OptimizerParams(learningRate, warmupSteps, totalSteps, minLrRatio, beta1, beta2, eps, wd, maxGradNorm);
    }

    public OptimizerParams withMaxGradNorm(double norm) {
        return new OptimizerParams(learningRate, warmupSteps, totalSteps, minLrRatio, beta1, beta2, eps, weightDecay, norm);
    }

    public OptimizerParams withMinLrRatio(double ratio) {
        return new OptimizerParams(learningRate, warmupSteps, totalSteps, ratio, beta1, beta2, eps, weightDecay, maxGradNorm);
    }

    /** The learning rate of optimiser step {@code step} (0-based): linear warm-up, then cosine decay. */
    public double learningRateAt(int step) {
        if (step < warmupSteps) {
            return learningRate * (step + 1) / warmupSteps;
        }
        if (totalSteps == warmupSteps) {
            return learningRate;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps));
        double min = learningRate * minLrRatio;
        return min + (learningRate - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
