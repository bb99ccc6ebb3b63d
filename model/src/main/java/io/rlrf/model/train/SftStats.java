package io.rlrf.model.train;

/**
 * What one SFT step measured.
 *
 * @param step     optimiser steps taken, this one included
 * @param lr       learning rate used
 * @param loss     mean cross-entropy per completion token (nats)
 * @param gradNorm global gradient norm before clipping
 * @param tokens   tokens processed (prompt and completion, padding excluded)
 */
public record SftStats(int step, double lr, double loss, double gradNorm, long tokens) {
}
