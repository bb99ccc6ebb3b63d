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
        for (int i = 0; i < steps.size(); i++) {
            SolutionLine l = steps.get(i);
            // the running value is the left operand of each step after the first
            long a = i > 0 && l.a() == previousRight ? running : l.a();
            Long right = BootstrapData.apply(a, l.op(), l.b());
            if (right == null) {
                return null;
            }
            long stated = slip[i] ? slipOf(right, random) : right;
            String expr = a + "" + l.op() + l.b();
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
