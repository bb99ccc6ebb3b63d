package io.rlrf.tasks.verify;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rlrf.tasks.FinalAnswer;

/**
 * Chained corrections [ours]: the faults of a solution when a value carried from an earlier wrong
 * step is corrected too. A step judged on its own inputs can be right ({@code 18 * 3 = 54}) while
 * one of those inputs is an earlier step's wrong result (line 1 said 18 where 19 was right): its
 * right value is then 57, computed from the corrected carried value, and a rewrite that copies the
 * critiques' values fixes the whole chain without finding a new fact itself.
 *
 * <p>A number of a step's expression is read as carried when it equals the stated result of an
 * earlier faulty step (the latest such step) and is either the expression's first number (where a
 * running value stands) or not a number of the question; its corrected value replaces it, and the
 * expression is evaluated again. This is a heuristic for prose, exact for the arith world, where
 * the left operand of each step is the running value and the right one the story's number.
 */
public final class ChainedCorrections {

    /** How a step went wrong. */
    public enum Kind {
        /** Its arithmetic is wrong on its own inputs (none of them carried wrong). */
        OWN,
        /** Its arithmetic is right on its inputs, but an input is a wrong carried value. */
        CARRIED,
        /** Both: a wrong carried input and wrong arithmetic. */
        BOTH,
        /** The value written after an annotation differs from the annotation's (corrected) result. */
        TEXT
    }

    /**
     * One faulty step.
     *
     * @param line          1-based line
     * @param kind          how it went wrong
     * @param rendered      the step's expression as written, canonical spacing ({@code 18 * 3})
     * @param stated        the result it states
     * @param corrected     the expression with corrected carried values ({@code 19 * 3})
     * @param right         its right value: {@code corrected} evaluated
     * @param carried       the wrong carried value it used (CARRIED, BOTH), else null
     * @param carriedLine   the line that produced the wrong carried value, else 0
     */
    public record Fault(int line, Kind kind, String rendered, BigDecimal stated, String corrected, BigDecimal right,
            BigDecimal carried, int carriedLine) {

        /**
         * The critique line, with the right value ({@code line 2: 18 * 3 = 54 uses the wrong 18 from
         * line 1; 19 * 3 = 57}) or without it (the ablation: {@code line 2: 18 * 3 = 54 uses the
         * wrong 18 from line 1}).
         */
        public String critique(boolean withValue) {
            return critique(withValue, false);
        }

        /**
         * The critique as the corrected line ({@link VerifierParams#correctedLines()}), the corrected
         * carried values in it: {@code line 2 should be 19*3=<<19*3=57>>57}.
         */
        public String correctedLine() {
            return StepChecker.correctedLine(line, corrected, Arithmetic.display(right, stated));
        }

        /** As {@link #critique(boolean)}, expressions without spaces when {@code compact} ({@code 19*3=57}). */
        public String critique(boolean withValue, boolean compact) {
            String eq = compact ? "=" : " = ";
            String wrote = compact ? rendered.replace(" ", "") : rendered;
            String fixed = compact ? corrected.replace(" ", "") : corrected;
            String head = "line " + line + ": ";
            String fix = "; " + fixed + eq + Arithmetic.display(right, stated);
            return switch (kind) {
                case OWN, BOTH -> head + wrote + eq + FinalAnswer.format(stated) + " is wrong" + (withValue ? fix : "");
                case CARRIED -> head + wrote + eq + FinalAnswer.format(stated) + " uses the wrong "
                        + FinalAnswer.format(carried) + " from line " + carriedLine + (withValue ? fix : "");
                case TEXT -> withValue
                        ? head + fixed + eq + FinalAnswer.format(right) + " but the text then says "
                                + FinalAnswer.format(stated)
                        : head + "the text after the annotation of " + wrote + " says " + FinalAnswer.format(stated)
                                + ", which is wrong";
            };
        }
    }

    private static final Pattern NUMBER = Pattern.compile("(?<![\\d.])\\d+(?:\\.\\d+)?(?![\\d.%])");

    private ChainedCorrections() {
    }

    /**
     * The faulty steps of {@code steps} (every checked step, in order of lines), chained. A number
     * that also appears in the question ({@code questionNumbers}, normalised as
     * {@link FinalAnswer#format}) is read as the question's unless it is the expression's first
     * number (where a running value stands): in {@code 17 * 2} the 2 of "2 times as many" stays 2
     * even when an earlier step wrongly said 2, while in {@code 2 + 15} that wrong 2 is carried.
     */
    public static List<Fault> faults(List<StepChecker.Step> steps, Set<String> questionNumbers) {
        // wrong stated value (normalised) -> {right value, line that stated it}
        Map<String, Carried> carried = new HashMap<>();
        // right value of each annotation, by line and expression, for the value written after it
        Map<String, BigDecimal> rightOf = new HashMap<>();
        List<Fault> faults = new ArrayList<>();
        Set<String> faulted = new HashSet<>();
        for (StepChecker.Step step : steps) {
            String key = FinalAnswer.format(step.stated());
            if (step.source() == StepChecker.Source.ANNOTATION_TEXT) {
                // stated is the visible value, computed the annotation's stated result
                BigDecimal right = rightOf.getOrDefault(step.line() + "|" + step.rendered(), step.computed());
                if (!Arithmetic.matches(right, step.stated())) {
                    faults.add(new Fault(step.line(), Kind.TEXT, step.rendered(), step.stated(),
                            correctedText(step.rendered(), carried), right, null, 0));
                    carried.put(key, new Carried(right, step.line()));
                    faulted.add(step.line() + "|" + step.rendered());
                }
                continue;
            }
            if (faulted.contains(step.line() + "|" + step.rendered())) {
                continue; // the same step seen again in the text ("12+12=25" after <<12+12=24>>25): one fault
            }
            Substituted s = substitute(step.rendered(), carried, questionNumbers);
            BigDecimal right = s.changed() ? Arithmetic.evaluate(s.text()).map(Arithmetic.Expr::value)
                    .orElse(step.computed()) : step.computed();
            rightOf.put(step.line() + "|" + step.rendered(), right);
            boolean ownWrong = !step.correct();
            boolean carriedWrong = s.changed() && !Arithmetic.matches(right, step.computed());
            if (!ownWrong && !carriedWrong) {
                continue;
            }
            Kind kind = ownWrong && carriedWrong ? Kind.BOTH : ownWrong ? Kind.OWN : Kind.CARRIED;
            faults.add(new Fault(step.line(), kind, step.rendered(), step.stated(), s.changed() ? s.text() : step.rendered(),
                    right, carriedWrong ? s.first().value() : null, carriedWrong ? s.first().line() : 0));
            faulted.add(step.line() + "|" + step.rendered());
            if (!Arithmetic.matches(right, step.stated())) {
                carried.put(key, new Carried(right, step.line()));
            }
        }
        return faults;
    }

    /** A wrong result's right value and the line that stated the wrong one. */
    private record Carried(BigDecimal right, int line) {
    }

    /** The first carried value replaced: the wrong value and its line. */
    private record Replaced(BigDecimal value, int line) {
    }

    private record Substituted(String text, boolean changed, Replaced first) {
    }

    private static int firstNumberStart(String rendered) {
        Matcher m = NUMBER.matcher(rendered);
        return m.find() ? m.start() : -1;
    }

    private static String correctedText(String rendered, Map<String, Carried> carried) {
        return substitute(rendered, carried, Set.of()).text();
    }

    /** {@code rendered} with every number that is a wrong carried value replaced by its right value. */
    private static Substituted substitute(String rendered, Map<String, Carried> carried, Set<String> questionNumbers) {
        if (carried.isEmpty()) {
            return new Substituted(rendered, false, null);
        }
        Matcher m = NUMBER.matcher(rendered);
        StringBuilder out = new StringBuilder();
        Replaced first = null;
        boolean changed = false;
        while (m.find()) {
            Optional<BigDecimal> n = FinalAnswer.parseNumber(m.group());
            boolean firstNumber = m.start() == firstNumberStart(rendered);
            Carried c = n.map(FinalAnswer::format).filter(v -> firstNumber || !questionNumbers.contains(v))
                    .map(carried::get).orElse(null);
            if (c == null) {
                m.appendReplacement(out, Matcher.quoteReplacement(m.group()));
                continue;
            }
            changed = true;
            if (first == null) {
                first = new Replaced(n.get(), c.line());
            }
            m.appendReplacement(out, Matcher.quoteReplacement(FinalAnswer.format(c.right())));
        }
        m.appendTail(out);
        return new Substituted(out.toString(), changed, first);
    }
}
