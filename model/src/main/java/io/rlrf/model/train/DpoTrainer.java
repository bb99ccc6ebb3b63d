package io.rlrf.model.train;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

import io.rlrf.model.nn.LlamaModel;
import io.rlrf.model.score.SequenceScorer;
import io.rlrf.model.score.SequenceScorer.Sequence;

import io.rlrf.model.Tensors;

/**
 * Direct preference optimisation of the policy against a frozen reference whose log-probabilities
 * were computed beforehand ({@link #score}). The batch objective is the mean {@link DpoLoss} over the
 * pairs, plus, when {@link DpoParams#nllWeight()} is set, that weight times the chosen answers'
 * mean per-token negative log-likelihood (RPO).
 */
public final class DpoTrainer extends PolicyTrainer<ScoredPair, DpoStats> {

    private final DpoParams dpo;

    public DpoTrainer(LlamaModel policy, DpoParams dpo, OptimizerParams optimizer, int microBatchSize) {
        super(policy, optimizer, microBatchSize);
        this.dpo = dpo;
    }

    /**
     * The reference policy's log-probabilities of both answers of each pair, without gradients, in
     * chunks of {@code batchSize} pairs: computed once, reused for every epoch.
     */
    public static List<ScoredPair> score(LlamaModel reference, List<PreferencePair> pairs, int batchSize) {
        List<Sequence> seqs = new ArrayList<>(2 * pairs.size());
        for (PreferencePair p : pairs) {
            seqs.add(new Sequence(p.prompt(), p.chosen()));
            seqs.add(new Sequence(p.prompt(), p.rejected()));
        }
        double[] lp = SequenceScorer.score(reference, seqs, Math.max(1, 2 * batchSize));
        List<ScoredPair> out = new ArrayList<>(pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            out.add(new ScoredPair(pairs.get(i), lp[2 * i], lp[2 * i + 1]));
        }
        return out;
    }

    @Override
    protected Accumulator<DpoStats> newAccumulator(List<ScoredPair> batch) {
        long tokens = 0;
        for (ScoredPair s : batch) {
            PreferencePair p = s.pair();
            tokens += 2L * p.prompt().length + p.chosen().length + p.rejected().length;
        }
        return new Sums(batch.size(), tokens);
    }

    @Override
    protected NDArray microBatchLoss(List<ScoredPair> micro, Accumulator<DpoStats> acc) {
        Sums sums = (Sums) acc;
        int b = micro.size();
        List<Sequence> seqs = new ArrayList<>(2 * b);
        float[] refChosen = new float[b];
        float[] refRejected = new float[b];
        float[] chosenLengths = new float[b];
        for (int i = 0; i < b; i++) {
            PreferencePair p = micro.get(i).pair();
            seqs.add(new Sequence(p.prompt(), p.chosen()));
            refChosen[i] = (float) micro.get(i).refChosen();
            refRejected[i] = (float) micro.get(i).refRejected();
            chosenLengths[i] = p.chosen().length;
        }
        for (ScoredPair s : micro) {
            seqs.add(new Sequence(s.pair().prompt(), s.pair().rejected()));
        }
        NDManager manager = model.weights().manager();
        // chosen and rejected in one forward pass: rows [0, b) and [b, 2b)
        NDArray logps = SequenceScorer.logProbs(model, seqs).sum(); // (2b)
        NDArray policyChosen = logps.get(new NDIndex("0:{}", b)); // (b)
        NDArray policyRejected = logps.get(new NDIndex("{}:", b)); // (b)
        DpoLoss.Result r = DpoLoss.compute(policyChosen, policyRejected, Tensors.of(manager, refChosen),
                Tensors.of(manager, refRejected), dpo.beta());
        NDArray loss = r.losses().sum().div(Tensors.scalar(manager, sums.pairs)); // share of the batch mean
        if (dpo.nllWeight() > 0) {
            NDArray nll = policyChosen.div(Tensors.of(manager, chosenLengths)).sum().neg(); // per-token NLL, summed
            loss = loss.add(nll.mul(Tensors.scalar(manager, (float) (dpo.nllWeight() / sums.pairs))));
        }
        sums.add(r.losses().toFloatArray(), r.chosenRewards().toFloatArray(), r.rejectedRewards().toFloatArray(),
                policyChosen.toFloatArray(), chosenLengths, loss.getFloat());
        return loss;
    }

    private static final class Sums implements Accumulator<DpoStats> {
        final int pairs;
        final long tokens;
        double loss;
        double preference;
        double nll;
        double correct;
        double margin;
        double chosen;
        double rejected;
        double chosenLogProb;

        Sums(int pairs, long tokens) {
            this.pairs = pairs;
            this.tokens = tokens;
        }

        void add(float[] losses, float[] chosenRewards, float[] rejectedRewards, float[] chosenLp, float[] chosenLengths,
                float lossShare) {
            loss += lossShare;
            for (int i = 0; i < losses.length; i++) {
                preference += losses[i];
                nll -= chosenLp[i] / chosenLengths[i];
                correct += chosenRewards[i] > rejectedRewards[i] ? 1 : 0;
                margin += chosenRewards[i] - rejectedRewards[i];
                chosen += chosenRewards[i];
                rejected += rejectedRewards[i];
                chosenLogProb += chosenLp[i];
            }
        }

        @Override
        public DpoStats result(int step, double lr, double gradNorm) {
            return new DpoStats(step, lr, loss, preference / pairs, nll / pairs, gradNorm, correct / pairs,
                    margin / pairs, chosen / pairs, rejected / pairs, chosenLogProb / pairs, tokens);
        }
    }
}
