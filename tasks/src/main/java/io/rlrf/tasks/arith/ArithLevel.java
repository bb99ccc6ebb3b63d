package io.rlrf.tasks.arith;

import java.util.EnumSet;
import java.util.Set;

/**
 * A difficulty level of the arith world: how many steps, which operations, how large the numbers,
 * how many distractor quantities (numbers in the story that the solution does not use).
 *
 * @param level       1 (easiest) to 4, and 5: many short steps (see {@link #L5})
 * @param minSteps    fewest solution steps (lines before {@code #### N})
 * @param maxSteps    most solution steps
 * @param ops         operations the story may use
 * @param maxNumber   largest starting quantity and largest added or removed amount
 * @param maxFactor   largest multiplier or divisor (at least 2)
 * @param distractors distractor quantities in the story
 * @param maxValue    no intermediate or final result exceeds this
 */
public record ArithLevel(int level, int minSteps, int maxSteps, Set<Op> ops, int maxNumber, int maxFactor,
        int distractors, int maxValue) {

    /** An operation of one solution step. */
    public enum Op {
        /** x + b: "gets b more". */
        ADD,
        /** x - b: "gives b away". */
        SUB,
        /** x * k: "then has k times as many". */
        MUL,
        /** x / k, exact: "splits them into k equal groups and keeps one". */
        DIV,
        /** b * c, then x + that: "buys b bags of c" (two steps). */
        BAGS
    }

    public static final ArithLevel L1 = new ArithLevel(1, 1, 2, EnumSet.of(Op.ADD, Op.SUB), 20, 2, 0, 40);
    public static final ArithLevel L2 = new ArithLevel(2, 2, 3, EnumSet.of(Op.ADD, Op.SUB, Op.MUL), 30, 5, 0, 200);
    public static final ArithLevel L3 = new ArithLevel(3, 3, 4, EnumSet.of(Op.ADD, Op.SUB, Op.MUL, Op.DIV), 100, 5, 1,
            1000);
    public static final ArithLevel L4 = new ArithLevel(4, 4, 5, EnumSet.allOf(Op.class), 500, 9, 2, 10000);
    /**
     * [ours] Many short steps on small numbers: 4 to 5 steps of + - * (amounts 1 to 9, doubling, every
     * value at most 30). Each line is one of about 500 small facts, which a policy of a million
     * parameters learns within minutes; an answer is right only if all of its lines are, so few samples
     * of a policy that knows most of the facts are fully right, while one rewrite that copies the
     * critiques' values usually is. The target where reflection can beat sampling, and short enough
     * that a reflection prompt with a chained critique fits 768 positions.
     */
    public static final ArithLevel L5 = new ArithLevel(5, 4, 5, EnumSet.of(Op.ADD, Op.SUB, Op.MUL), 9, 2, 0, 30);

    public ArithLevel {
        ops = Set.copyOf(ops);
        if (level < 1 || minSteps < 1 || maxSteps < minSteps || ops.isEmpty() || maxNumber < 2 || maxFactor < 2
                || distractors < 0 || maxValue < maxNumber * 2) {
            throw new IllegalArgumentException("inconsistent arith level " + level);
        }
        if (!ops.contains(Op.ADD)) {
            throw new IllegalArgumentException("every level needs ADD (the fallback step)");
        }
    }

    /** The highest level {@link #of} knows. */
    public static final int MAX_LEVEL = 5;

    /** Level 1 to {@value #MAX_LEVEL}. */
    public static ArithLevel of(int level) {
        return switch (level) {
            case 1 -> L1;
            case 2 -> L2;
            case 3 -> L3;
            case 4 -> L4;
            case 5 -> L5;
            default -> throw new IllegalArgumentException("arith levels are 1 to 5, got " + level);
        };
    }
}
