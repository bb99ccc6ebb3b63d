package io.rlrf.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rlrf.tasks.FinalAnswer;
import io.rlrf.tasks.verify.Verdict;

/**
 * The text conventions of the loop on the arith world: the answer and reflection templates (the
 * trainer's and reflector-svc's defaults), the critiques block as reflector-svc renders reward-svc's
 * feedback, and the parsing of solution lines {@code a op b=<<a op b=c>>c}.
 */
public final class Arith {

    /** trainer-svc's {@code rlrf.trainer.loop.answer-template} default. */
    public static final String ANSWER_TEMPLATE = "Question:\n{question}\nAnswer:\n";
    /** reflector-svc's {@code rlrf.reflector.template.text} default (reflect-v2). */
    public static final String REFLECTION_TEMPLATE = "Question:\n{prompt}\nPrevious answer:\n{answer}\nFeedback:\n{critiques}\n"
            + "Revised answer (fix every problem the feedback names):\n";

    private static final Pattern LINE = Pattern.compile("^(\\d+)([-+*/])(\\d+)=<<(\\d+)([-+*/])(\\d+)=(-?\\d+)>>(-?\\d+)$");
    /** A critique item that states a right value: {@code line L: ...; EXPR = V}. */
    private static final Pattern VALUED = Pattern.compile("line (\\d+): .*; ([^;]+) = (-?\\d+(?:\\.\\d+)?)$");

    private Arith() {
    }

    public static String answerPrompt(String question) {
        return ANSWER_TEMPLATE.replace("{question}", question);
    }

    public static String reflectionPrompt(String question, String draft, String critiques) {
        return REFLECTION_TEMPLATE.replace("{prompt}", question).replace("{answer}", draft).replace("{critiques}", critiques);
    }

    /** One line per aspect rated below 3, {@code - aspect (rating r/3): critique}, as reflector-svc builds it. */
    public static String critiques(Verdict verdict) {
        StringBuilder out = new StringBuilder();
        for (Verdict.Rating r : verdict.ratings()) {
            if (r.rating() < 3) {
                out.append("- ").append(r.aspect().aspectName()).append(" (rating ").append(r.rating()).append("/3): ")
                        .append(r.critique().strip()).append('\n');
            }
        }
        return out.length() == 0 ? "- no aspect was rated below 3; improve the answer where you can" : out.toString().strip();
    }

    /**
     * One parsed solution line.
     *
     * @param a        left operand as written
     * @param op       operator
     * @param b        right operand
     * @param stated   the annotation's result
     * @param visible  the value written after the annotation
     * @param sameExpr whether the text's expression equals the annotation's
     */
    public record Line(long a, char op, long b, long stated, long visible, boolean sameExpr) {

        /** a op b, or null if not exact and non-negative. */
        public Long value() {
            return apply(a, op, b);
        }

        /** Whether the line's arithmetic is right on its own inputs (the fact), and consistently copied. */
        public boolean factRight() {
            Long v = value();
            return sameExpr && v != null && v == stated && stated == visible;
        }
    }

    /** The line, or null when it is not of the form {@code a op b=<<a op b=c>>c}. */
    public static Line parse(String line) {
        Matcher m = LINE.matcher(line.strip());
        if (!m.matches()) {
            return null;
        }
        boolean same = m.group(1).equals(m.group(4)) && m.group(2).equals(m.group(5)) && m.group(3).equals(m.group(6));
        try {
            return new Line(Long.parseLong(m.group(1)), m.group(2).charAt(0), Long.parseLong(m.group(3)),
                    Long.parseLong(m.group(7)), Long.parseLong(m.group(8)), same);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {@code a op b}; null when negative or inexact. */
    public static Long apply(long a, char op, long b) {
        long v = switch (op) {
            case '+' -> a + b;
            case '-' -> a - b;
            case '*' -> a * b;
            default -> b == 0 || a % b != 0 ? -1 : a / b;
        };
        return v < 0 ? null : v;
    }

    /** The critique items that state a right value, as (line, value). */
    public static List<long[]> valuedItems(String critiques) {
        List<long[]> out = new ArrayList<>();
        for (String item : critiques.split("\n")) {
            String s = item.strip();
            int colon = s.indexOf("): ");
            if (s.startsWith("- ") && colon > 0) {
                s = s.substring(colon + 3);
            }
            Matcher m = VALUED.matcher(s);
            if (m.find() && !m.group(3).contains(".")) {
                out.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(3))});
            }
        }
        return out;
    }

    /** The faulty line numbers a critique names ({@code line L:} of the robustness items). */
    public static List<Integer> namedLines(String critiques) {
        List<Integer> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)(?:^|: )line (\\d+): ").matcher(critiques);
        while (m.find()) {
            out.add(Integer.parseInt(m.group(1)));
        }
        return out;
    }

    public static boolean isCorrect(String answer, String reference) {
        var got = FinalAnswer.extract(answer);
        var want = FinalAnswer.parseNumber(reference);
        return got.isPresent() && want.isPresent() && FinalAnswer.sameNumber(got.get().number(), want.get());
    }

    /** The final answer's value, or "" when there is none. */
    public static String finalAnswer(String answer) {
        return FinalAnswer.extract(answer).map(FinalAnswer.Extracted::value).orElse("");
    }
}
