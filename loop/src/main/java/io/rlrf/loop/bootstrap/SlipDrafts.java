package io.rlrf.loop.bootstrap;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;


/**
 * Drafts with the slips a small policy makes [ours]: from a reference solution, some lines state a
 * result off by a little (the last digit by 1 to 3, the tens digit by 1, or up to 10), and every
 * later line computes with the stated (wrong) running value, right or slipped on its own, so the
 * final line carries the chain. Several slips per draft, as a policy that knows half its facts makes.
 * The bootstrap's revision examples pair such drafts with the verifier's chained critiques.
 */
public final class SlipDrafts {

    private SlipDrafts() {
    }

    /**
     * The reference with slips: each step slips with probability {@code slipRate}, at least one does.
     * Null when the reference is not in the arith format or the carried values leave it (negative,
     * inexact): the caller draws again.
     */
    public static String draft(String reference, double slipRate, Random random) {
        return draft(reference, slipRate, 0, random);
    }

    /**
     * As {@link #draft(String, double, Random)}, and each slip is, with probability {@code structuralShare},
     * a slip of the step itself rather than of its result [ours]: the step is left out, its operation
     * turned (+ and - swapped, * read as +), or its amount off by 1 to 3 (a factor by 1), the result then
     * right for the step as written. These are the errors a small policy makes on level 5 (a right fact
     * of the wrong step: 35% of its greedy steps differ from the reference's, 4.5% have a wrong result).
     * At share 0 it draws exactly what the three-argument form draws.
     */
    public static String draft(String reference, double slipRate, double structuralShare, Random random) {
        String[] lines = reference.split("\n");
        List<SolutionLine> steps = new ArrayList<>();
        for (int i = 0; i < lines.length - 1; i++) {
            SolutionLine l = SolutionLine.parse(lines[i]);
            if (l == null) {
                return null;
            }
            steps.add(l);
        }
        if (steps.isEmpty() || !lines[lines.length - 1].startsWith("####")) {
            return null;
        }
        boolean[] slip = new boolean[steps.size()];
        boolean any = false;
        for (int i = 0; i < slip.length; i++) {
            slip[i] = random.nextDouble() < slipRate;
            any |= slip[i];
        }
        if (!any) {
            slip[random.nextInt(slip.length)] = true;
        }
        StringBuilder out = new StringBuilder();
        long running = -1;
        long previousRight = -1;
        int written = 0;
        for (int i = 0; i < steps.size(); i++) {
            SolutionLine l = steps.get(i);
            // the running value is the left operand of each step after the first
            long a = i > 0 && l.a() == previousRight ? running : l.a();
            char op = l.op();
            long b = l.b();
            boolean valueSlip = slip[i];
            if (slip[i] && structuralShare > 0 && random.nextDouble() < structuralShare) {
                valueSlip = false;
                double u = random.nextDouble();
                if (u < 1 / 3.0 && (i < steps.size() - 1 || written > 0)) {
                    // left out: the running value goes on unchanged (a draft keeps at least one step)
                    previousRight = l.stated();
                    running = i == 0 ? l.a() : running;
                    continue;
                } else if (u < 2 / 3.0) {
                    op = switch (op) {
                        case '+' -> '-';
                        case '-' -> '+';
                        case '*' -> '+';
                        default -> '*';
                    };
                } else {
                    long d = op == '*' || op == '/' ? 1 : 1 + random.nextInt(3);
                    b = random.nextBoolean() || b - d < 1 ? b + d : b - d;
                }
            }
            Long right = BootstrapData.apply(a, op, b);
            if (right == null) {
                return null;
            }
            long stated = valueSlip ? slipOf(right, random) : right;
            written++;
            String expr = a + "" + op + b;
            out.append(expr).append("=<<").append(expr).append('=').append(stated).append(">>").append(stated).append('\n');
            previousRight = l.stated();
            running = stated;
        }
        out.append("#### ").append(running);
        return out.toString();
    }

    /** A plausible wrong result near {@code v}, non-negative. */
    static long slipOf(long v, Random random) {
        while (true) {
            double u = random.nextDouble();
            long w;
            if (u < 0.55) {
                w = v + (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(3)); // last digit
            } else if (u < 0.8) {
                w = v + (random.nextBoolean() ? 10 : -10); // tens digit (a carry)
            } else {
                w = v + (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(10));
            }
            if (w >= 0 && w != v) {
                return w;
            }
        }
    }
}
