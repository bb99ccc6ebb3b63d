package io.rlrf.model.train;

import java.util.List;

import ai.djl.ndarray.NDArray;

import io.rlrf.model.Tensors;
import io.rlrf.model.nn.LlamaModel;
import io.rlrf.model.score.SequenceScorer;
import io.rlrf.model.score.SequenceScorer.Sequence;

/**
 * Supervised fine-tuning: cross-entropy of the completion tokens given the prompt (prompt tokens
 * masked), averaged over all completion tokens of the batch.
 */
public final class SftTrainer extends PolicyTrainer<Sequence, SftStats> {

    public SftTrainer(LlamaModel model, OptimizerParams optimizer, int microBatchSize) {
        super(model, optimizer, microBatchSize);
    }

    /** As {@link #SftTrainer(LlamaModel, OptimizerParams, int)}, each micro-batch computed in {@code shards}. */
    public SftTrainer(LlamaModel model, OptimizerParams optimizer, int microBatchSize, int shards) {
        super(model, optimizer, microBatchSize, shards);
    }

    @Override
    protected Accumulator<SftStats> newAccumulator(List<? extends Sequence> batch) {
        long targets = 0;
        long tokens = 0;
        for (Sequence s : batch) {
            targets += s.completion().length;
            tokens += s.length();
        }
        return new Sums(targets, tokens);
    }

    @Override
    protected NDArray microBatchLoss(LlamaModel through, List<? extends Sequence> micro, Accumulator<SftStats> acc) {
        Sums sums = (Sums) acc;
        SequenceScorer.Scores scores = SequenceScorer.logProbs(through, List.copyOf(micro));
        NDArray nll = scores.tokenLogProbs().sum().neg(); // summed over this micro-batch's targets
        sums.nll += nll.getFloat();
        return nll.div(Tensors.scalar(through.weights().manager(), sums.targets)); // share of the per-token mean over the whole batch
    }

    private static final class Sums implements Accumulator<SftStats> {
        final long targets;
        final long tokens;
        double nll;

        Sums(long targets, long tokens) {
            this.targets = targets;
            this.tokens = tokens;
        }

        @Override
        public Accumulator<SftStats> empty() {
            return new Sums(targets, tokens);
        }

        @Override
        public void add(Accumulator<SftStats> other) {
            nll += ((Sums) other).nll;
        }

        @Override
        public SftStats result(int step, double lr, double gradNorm) {
            return new SftStats(step, lr, nll / targets, gradNorm, tokens);
        }
    }
}
