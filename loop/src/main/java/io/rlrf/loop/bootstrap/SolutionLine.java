package io.rlrf.loop.bootstrap;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One parsed line of an arith solution, {@code a op b=<<a op b=c>>c}: what slipped drafts are made from
 * and what the lab's probes read answers with.
 *
 * @param a        left operand as written
 * @param op       operator
 * @param b        right operand
 * @param stated   the annotation's result
 * @param visible  the value written after the annotation
 * @param sameExpr whether the text's expression equals the annotation's
 */
public record SolutionLine(long a, char op, long b, long stated, long visible, boolean sameExpr) {

    private static final Pattern LINE = Pattern.compile("^(\\d+)([-+*/])(\\d+)=<<(\\d+)([-+*/])(\\d+)=(-?\\d+)>>(-?\\d+)$");

    /** The line, or null when it is not of the form {@code a op b=<<a op b=c>>c}. */
    public static SolutionLine parse(String line) {
        Matcher m = LINE.matcher(line.strip());
        if (!m.matches()) {
            return null;
        }
        boolean same = m.group(1).equals(m.group(4)) && m.group(2).equals(m.group(5)) && m.group(3).equals(m.group(6));
        try {
            return new SolutionLine(Long.parseLong(m.group(1)), m.group(2).charAt(0), Long.parseLong(m.group(3)),
                    Long.parseLong(m.group(7)), Long.parseLong(m.group(8)), same);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** a op b, or null if not exact and non-negative. */
    public Long value() {
        return BootstrapData.apply(a, op, b);
    }

    /** Whether the line's arithmetic is right on its own inputs (the fact), and consistently copied. */
    public boolean factRight() {
        Long v = value();
        return sameExpr && v != null && v == stated && stated == visible;
    }
}
