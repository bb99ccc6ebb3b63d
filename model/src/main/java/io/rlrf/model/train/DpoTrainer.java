package io.rlrf.model.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import io.rlrf.model.GradMode;
import io.rlrf.model.Tensors;
import io.rlrf.model.nn.LlamaModel;
import io.rlrf.model.score.SequenceScorer;
import io.rlrf.model.score.SequenceScorer.Sequence;

/**
 * Direct preference optimisation of the policy against a frozen reference whose log-probabilities
 * were computed beforehand ({@link #score}). The batch objective is the mean {@link DpoLoss} over the
 * pairs, each pair's log-probabilities summed over its {@link PreferenceLoss} spans; plus, when
 * {@link DpoParams#nllWeight()} is set, that weight times the chosen answers' mean per-token
 * negative log-likelihood (RPO, over the whole chosen answer); plus, when the batch holds
 * {@link ReflectionExample}s, {@link DpoParams#reflectionWeight()} times their per-token NLL over all
 * of the batch's reflection tokens. Each part is normalised by batch totals, so micro-batches
 * accumulate to exactly the full batch's gradient.
 */
public final class DpoTrainer extends PolicyTrainer<PreferenceExample, DpoStats> {

    private final DpoParams dpo;

    public DpoTrainer(LlamaModel policy, DpoParams dpo, OptimizerParams optimizer, int microBatchSize) {
        this(policy, dpo, optimizer, microBatchSize, 1);
    }

    /** As {@link #DpoTrainer(LlamaModel, DpoParams, OptimizerParams, int)}, each micro-batch computed in {@code shards}. */
    public DpoTrainer(LlamaModel policy, DpoParams dpo, OptimizerParams optimizer, int microBatchSize, int shards) {
        super(policy, optimizer, microBatchSize, shards);
        this.dpo = dpo;
    }

    /**
     * The reference policy's log-probabilities of both answers of each pair over all their tokens
     * (whole-answer DPO), without gradients, in chunks of {@code batchSize} pairs: computed once,
     * reused for every epoch.
     */
    public static List<ScoredPair> score(LlamaModel reference, List<PreferencePair> pairs, int batchSize) {
        return score(reference, pairs, batchSize, new PreferenceLoss.WholeAnswer());
    }

    /** As {@link #score(LlamaModel, List, int)}, summed over {@code loss}'s spans. */
    public static List<ScoredPair> score(LlamaModel reference, List<PreferencePair> pairs, int batchSize,
            PreferenceLoss loss) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        List<ScoredPair> out = new ArrayList<>(pairs.size());
        GradMode.withoutGradients(() -> {
            for (int start = 0; start < pairs.size(); start += batchSize) {
                List<PreferencePair> chunk = pairs.subList(start, Math.min(pairs.size(), start + batchSize));
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    List<Sequence> seqs = sequences(chunk, List.of());
                    SequenceScorer.Scores s = SequenceScorer.logProbs(reference, seqs);
                    float[] sums = spanSums(reference.weights().manager(), s.tokenLogProbs(), chunk, loss)
                            .toType(DataType.FLOAT32, false).toFloatArray(); // (2b)
                    int b = chunk.size();
                    for (int i = 0; i < b; i++) {
                        out.add(new ScoredPair(chunk.get(i), sums[i], sums[b + i]));
                    }
                }
            }
            return null;
        });
        return out;
    }

    /**
     * Each answer's log-probability summed over its span: rows [0, b) the chosen answers, [b, 2b) the
     * rejected ones, of a batch whose first 2b rows are those answers in that order.
     *
     * @param tokenLogProbs (N, T) per-target log-probabilities, N >= 2b
     * @return (2b)
     */
    static NDArray spanSums(NDManager manager, NDArray tokenLogProbs, List<PreferencePair> pairs, PreferenceLoss loss) {
        int b = pairs.size();
        int t = (int) tokenLogProbs.getShape().get(1);
        float[] mask = new float[2 * b * t]; // (2b, T)
        for (int i = 0; i < b; i++) {
            PreferencePair p = pairs.get(i);
            PreferenceLoss.Spans spans = loss.spans(p);
            // completion token j of a row is target p.prompt().length - 1 + j
            int offset = p.prompt().length - 1;
            for (int j = spans.chosenFrom(); j < spans.chosenTo(); j++) {
                mask[i * t + offset + j] = 1f;
            }
            for (int j = spans.rejectedFrom(); j < spans.rejectedTo(); j++) {
                mask[(b + i) * t + offset + j] = 1f;
            }
        }
        NDArray rows = tokenLogProbs.get(new NDIndex("0:{}", 2 * b)); // (2b, T)
        return rows.mul(Tensors.of(manager, mask, new Shape(2 * b, t))).sum(new int[] {1}); // (2b)
    }

    /** Chosen answers, rejected answers, then reflection sequences: the rows of one forward pass. */
    private static List<Sequence> sequences(List<PreferencePair> pairs, List<ReflectionExample> reflections) {
        return sequences(pairs, true, reflections);
    }

    /** Chosen answers, the rejected ones unless {@code rejected} is false, then reflection sequences. */
    private static List<Sequence> sequences(List<PreferencePair> pairs, boolean rejected,
            List<ReflectionExample> reflections) {
        List<Sequence> seqs = new ArrayList<>(2 * pairs.size() + reflections.size());
        for (PreferencePair p : pairs) {
            seqs.add(new Sequence(p.prompt(), p.chosen()));
        }
        for (PreferencePair p : rejected ? pairs : List.<PreferencePair>of()) {
            seqs.add(new Sequence(p.prompt(), p.rejected()));
        }
        for (ReflectionExample r : reflections) {
            seqs.add(r.sequence());
        }
        return seqs;
    }

    @Override
    protected Accumulator<DpoStats> newAccumulator(List<? extends PreferenceExample> batch) {
        int pairs = 0;
        int reflections = 0;
        long reflectionTargets = 0;
        long tokens = 0;
        for (PreferenceExample e : batch) {
            if (e instanceof ScoredPair s) {
                PreferencePair p = s.pair();
                pairs++;
                tokens += dpo.preferenceOff() ? p.prompt().length + p.chosen().length
                        : 2L * p.prompt().length + p.chosen().length + p.rejected().length;
            } else if (e instanceof ReflectionExample r) {
                reflections++;
                reflectionTargets += r.sequence().completion().length;
                tokens += r.sequence().length();
            }
        }
        return new Sums(pairs, reflections, reflectionTargets, tokens);
    }

    @Override
    protected NDArray microBatchLoss(LlamaModel through, List<? extends PreferenceExample> micro, Accumulator<DpoStats> acc) {
        Sums sums = (Sums) acc;
        List<ScoredPair> scored = new ArrayList<>();
        List<ReflectionExample> reflections = new ArrayList<>();
        for (PreferenceExample e : micro) {
            if (e instanceof ScoredPair s) {
                scored.add(s);
            } else if (e instanceof ReflectionExample r) {
                reflections.add(r);
            }
        }
        int b = scored.size();
        List<PreferencePair> pairs = scored.stream().map(ScoredPair::pair).toList();
        NDManager manager = through.weights().manager();
        // chosen, rejected and reflection sequences in one forward pass: rows [0, b), [b, 2b), [2b, 2b + r);
        // with the preference term off, no rejected rows: [0, b), then [b, b + r)
        boolean preference = !dpo.preferenceOff();
        int answerRows = preference ? 2 * b : b;
        SequenceScorer.Scores scores = SequenceScorer.logProbs(through, sequences(pairs, preference, reflections));
        NDArray loss = Tensors.scalar(manager, 0f);
        if (b > 0) {
            float[] chosenLengths = new float[b];
            for (int i = 0; i < b; i++) {
                chosenLengths[i] = pairs.get(i).chosen().length;
            }
            float[] losses;
            float[] chosenRewards;
            float[] rejectedRewards;
            if (preference) {
                float[] refChosen = new float[b];
                float[] refRejected = new float[b];
                for (int i = 0; i < b; i++) {
                    refChosen[i] = (float) scored.get(i).refChosen();
                    refRejected[i] = (float) scored.get(i).refRejected();
                }
                NDArray span = spanSums(manager, scores.tokenLogProbs(), pairs, dpo.loss()); // (2b)
                NDArray policyChosen = span.get(new NDIndex("0:{}", b)); // (b)
                NDArray policyRejected = span.get(new NDIndex("{}:", b)); // (b)
                DpoLoss.Result r = DpoLoss.compute(policyChosen, policyRejected, Tensors.of(manager, refChosen),
                        Tensors.of(manager, refRejected), dpo.beta());
                // preference: this micro-batch's share of the batch mean
                loss = loss.add(r.losses().sum().div(Tensors.scalar(manager, sums.pairs)));
                losses = r.losses().toFloatArray();
                chosenRewards = r.chosenRewards().toFloatArray();
                rejectedRewards = r.rejectedRewards().toFloatArray();
            } else {
                // beta 0: every reward is 0 and the loss ln 2, with no gradient (DpoParams.preferenceOff)
                losses = new float[b];
                Arrays.fill(losses, (float) Math.log(2));
                chosenRewards = new float[b];
                rejectedRewards = new float[b];
            }
            NDArray wholeChosen = scores.sum().get(new NDIndex("0:{}", b)); // (b) log pi(y_w|x), all tokens
            NDArray nll = wholeChosen.div(Tensors.of(manager, chosenLengths)).sum().neg(); // per-token NLL, summed over pairs
            if (dpo.nllWeight() > 0) {
                loss = loss.add(nll.mul(Tensors.scalar(manager, (float) (dpo.nllWeight() / sums.pairs))));
            }
            sums.addPairs(losses, chosenRewards, rejectedRewards, wholeChosen.toFloatArray(), nll.getFloat());
        }
        if (!reflections.isEmpty()) {
            NDArray rows = scores.tokenLogProbs().get(new NDIndex("{}:", answerRows)); // (r, T), 0 off the targets
            NDArray nll = rows.sum().neg(); // summed over this micro-batch's reflection targets
            // added even at weight 0, so that a micro-batch of reflection examples alone still has a graph
            loss = loss.add(nll.mul(Tensors.scalar(manager, (float) (dpo.reflectionWeight() / sums.reflectionTargets))));
            sums.reflectionNll += nll.getFloat();
        }
        return loss;
    }

    private final class Sums implements Accumulator<DpoStats> {
        final int pairs;
        final int reflections;
        final long reflectionTargets;
        final long tokens;
        double preference;
        double nll;
        double reflectionNll;
        double correct;
        double margin;
        double chosen;
        double rejected;
        double chosenLogProb;

        Sums(int pairs, int reflections, long reflectionTargets, long tokens) {
            this.pairs = pairs;
            this.reflections = reflections;
            this.reflectionTargets = reflectionTargets;
            this.tokens = tokens;
        }

        @Override
        public Accumulator<DpoStats> empty() {
            return new Sums(pairs, reflections, reflectionTargets, tokens);
        }

        @Override
        public void add(Accumulator<DpoStats> other) {
            Sums o = (Sums) other;
            preference += o.preference;
            nll += o.nll;
            reflectionNll += o.reflectionNll;
            correct += o.correct;
            margin += o.margin;
            chosen += o.chosen;
            rejected += o.rejected;
            chosenLogProb += o.chosenLogProb;
        }

        void addPairs(float[] losses, float[] chosenRewards, float[] rejectedRewards, float[] chosenLp, float nllSum) {
            nll += nllSum;
            for (int i = 0; i < losses.length; i++) {
                preference += losses[i];
                correct += chosenRewards[i] > rejectedRewards[i] ? 1 : 0;
                margin += chosenRewards[i] - rejectedRewards[i];
                chosen += chosenRewards[i];
                rejected += rejectedRewards[i];
                chosenLogProb += chosenLp[i];
            }
        }

        @Override
        public DpoStats result(int step, double lr, double gradNorm) {
            double n = Math.max(1, pairs);
            double pref = preference / n;
            double meanNll = nll / n;
            double refl = reflectionTargets == 0 ? 0 : reflectionNll / reflectionTargets;
            double total = pref + dpo.nllWeight() * meanNll + dpo.reflectionWeight() * refl;
            return new DpoStats(step, lr, total, pref, meanNll, gradNorm, correct / n, margin / n, chosen / n,
                    rejected / n, chosenLogProb / n, tokens, refl, pairs, reflections);
        }
    }
}
