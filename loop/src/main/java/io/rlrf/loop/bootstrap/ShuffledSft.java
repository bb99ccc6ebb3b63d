package io.rlrf.loop.bootstrap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import io.rlrf.model.Policy;
import io.rlrf.model.score.SequenceScorer.Sequence;
import io.rlrf.model.train.OptimizerParams;
import io.rlrf.model.train.SftStats;
import io.rlrf.model.train.SftTrainer;

/**
 * The base's SFT schedule, one home for the bootstrap's phases and the lab's {@code TrainBase}: each step
 * takes the next batch-size examples of a seeded shuffled order (reshuffled when it runs out), sorted by
 * length so that a micro-batch pads little (answering and revision examples differ about 2x in length).
 */
public final class ShuffledSft {

    /** Called after every step; it may throw to abort. */
    @FunctionalInterface
    public interface Listener {
        void step(int step, SftStats stats) throws Exception;
    }

    private ShuffledSft() {
    }

    /** {@code optimizer.totalSteps()} steps over {@code examples}; returns the last step's stats. */
    public static SftStats run(Policy policy, List<Sequence> examples, OptimizerParams optimizer, int batchSize,
            int microBatchSize, long shuffleSeed, Listener listener) throws Exception {
        Random shuffle = new Random(shuffleSeed);
        List<Sequence> order = new ArrayList<>(examples);
        Collections.shuffle(order, shuffle);
        int cursor = 0;
        SftStats last = null;
        try (SftTrainer sft = new SftTrainer(policy.model(), optimizer, Math.min(microBatchSize, batchSize))) {
            for (int step = 1; step <= optimizer.totalSteps(); step++) {
                List<Sequence> batch = new ArrayList<>(batchSize);
                while (batch.size() < batchSize) {
                    if (cursor == order.size()) {
                        Collections.shuffle(order, shuffle);
                        cursor = 0;
                    }
                    batch.add(order.get(cursor++));
                }
                batch.sort(Comparator.comparingInt(Sequence::length));
                last = sft.step(batch);
                listener.step(step, last);
            }
        }
        return last;
    }
}
