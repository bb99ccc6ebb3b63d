package io.rlrf.tasks.verify;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rlrf.tasks.FinalAnswer;

/**
 * Finds and recomputes every arithmetic step of a solution, line by line:
 * <ul>
 * <li>each calculator annotation {@code <<expr=value>>}, and the value written right after it
 *     ({@code <<48/2=24>>24}) against the annotation's;</li>
 * <li>each plain equation in the text around the annotations ({@code 12 + 12 = 24},
 *     {@code 0.2 x 50 = $10}, chains such as {@code 2 * 3 = 6 + 4 = 10}, where each part that is a
 *     single number is checked against the expression just before it).</li>
 * </ul>
 * The same equation found both ways is reported once. Bounded work: at most {@link #MAX_STEPS}
 * steps are checked per solution (each expression is bounded by {@link Arithmetic}), and a critique
 * shows at most {@link #MAX_SHOWN_CHARS} characters of an expression.
 */
public final class StepChecker {

    /** Where a step was found. */
    public enum Source {
        /** A {@code <<expr=value>>} calculator annotation. */
        ANNOTATION,
        /** A plain {@code a op b = c} in the text. */
        TEXT,
        /** The value written after an annotation differs from the annotation's result. */
        ANNOTATION_TEXT
    }

    /**
     * One checked step.
     *
     * @param line     1-based line in the solution
     * @param rendered the expression, canonical spacing ({@code 12 + 12})
     * @param stated   the result the solution states
     * @param computed the recomputed result
     * @param correct  whether they match (see {@link Arithmetic#matches})
     */
    public record Step(int line, Source source, String rendered, BigDecimal stated, BigDecimal computed,
            boolean correct) {

        /** The critique of a wrong step, e.g. {@code line 2: 12 + 12 = 23 is wrong; 12 + 12 = 24}. */
        public String critique() {
            return critique(true);
        }

        /**
         * The critique of a wrong step, with its right value or without it (the ablation of
         * {@link VerifierParams#critiqueValues()}: {@code line 2: 12 + 12 = 23 is wrong}).
         */
        public String critique(boolean withValue) {
            return critique(withValue, false);
        }

        /**
         * The critique of a wrong step as its corrected line ({@link VerifierParams#correctedLines()}):
         * {@code line 2 should be 12+12=<<12+12=24>>24}.
         */
        public String correctedLine() {
            return StepChecker.correctedLine(line, rendered, Arithmetic.display(computed, stated));
        }

        /** As {@link #critique(boolean)}, the expression without spaces when {@code compact} ({@code 12+12=24}). */
        public String critique(boolean withValue, boolean compact) {
            String shownExpr = shown(rendered);
            String expr = compact ? shownExpr.replace(" ", "") : shownExpr;
            String eq = compact ? "=" : " = ";
            if (source == Source.ANNOTATION_TEXT) {
                return withValue
                        ? "line " + line + ": " + expr + eq + FinalAnswer.format(computed)
                                + " but the text then says " + FinalAnswer.format(stated)
                        : "line " + line + ": the text after the annotation of " + expr + " says "
                                + FinalAnswer.format(stated) + ", which is wrong";
            }
            return "line " + line + ": " + expr + eq + FinalAnswer.format(stated) + " is wrong"
                    + (withValue ? "; " + expr + eq + Arithmetic.display(computed, stated) : "");
        }
    }

    /**
     * All steps of a solution.
     *
     * @param steps     every checked step, in order of lines
     * @param unchecked annotations that could not be evaluated (e.g. a malformed expression), as
     *                  {@code line n: <<...>>}
     */
    public record Result(List<Step> steps, List<String> unchecked) {

        public List<Step> wrong() {
            return steps.stream().filter(s -> !s.correct()).toList();
        }
    }

    /** Most steps (annotations and text equations) checked in one solution; later ones are not checked. */
    public static final int MAX_STEPS = 500;
    /** Most characters of an expression a critique shows. */
    public static final int MAX_SHOWN_CHARS = 60;

    private static final Pattern ANNOTATION = Pattern.compile("<<([^<>]*)>>(\\$?\\s?-?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?)?");

    private StepChecker() {
    }

    /** Checks every step of {@code solution}. */
    public static Result check(String solution) {
        String[] lines = solution.split("\n", -1);
        Map<String, Step> steps = new LinkedHashMap<>();
        List<String> unchecked = new ArrayList<>();
        for (int i = 0; i < lines.length && steps.size() + unchecked.size() < MAX_STEPS; i++) {
            int line = i + 1;
            String text = lines[i];
            if (text.isBlank() || text.stripLeading().startsWith("####")) {
                continue;
            }
            Matcher m = ANNOTATION.matcher(text);
            while (m.find()) {
                checkAnnotation(line, m.group(1), m.group(2), steps, unchecked);
            }
            String plain = m.reset().replaceAll(mr -> mr.group(2) == null ? " " : Matcher.quoteReplacement(mr.group(2)));
            checkPlain(line, plain, steps);
        }
        return new Result(List.copyOf(steps.values()), List.copyOf(unchecked));
    }

    private static void checkAnnotation(int line, String body, String visible, Map<String, Step> steps,
            List<String> unchecked) {
        int eq = body.lastIndexOf('=');
        Optional<Arithmetic.Expr> left = eq < 0 ? Optional.empty() : Arithmetic.evaluate(body.substring(0, eq));
        Optional<BigDecimal> stated = eq < 0 ? Optional.empty() : FinalAnswer.parseNumber(body.substring(eq + 1).trim());
        if (left.isEmpty() || stated.isEmpty()) {
            unchecked.add("line " + line + ": <<" + shown(body) + ">>");
            return;
        }
        add(steps, new Step(line, Source.ANNOTATION, left.get().rendered(), stated.get(), left.get().value(),
                Arithmetic.matches(left.get().value(), stated.get())));
        if (visible != null) {
            FinalAnswer.parseNumber(visible.trim()).ifPresent(shown -> {
                if (shown.compareTo(stated.get()) != 0) {
                    add(steps, new Step(line, Source.ANNOTATION_TEXT, left.get().rendered(), shown, stated.get(), false));
                }
            });
        }
    }

    /**
     * Plain equations: maximal runs of arithmetic tokens and '=' signs, split at '='. Prose makes
     * some of them ambiguous, and those are skipped rather than misjudged: an expression cut by a
     * word ("60 students x 2/3 = 40", "1 and 1/4 = ..."), one that starts with an operator, a chain
     * of divisions without parentheses ("25 / 1/3 = 75" means 25 / (1/3)), and numbers with
     * leading zeros (clock times such as 0900).
     */
    private static void checkPlain(int line, String text, Map<String, Step> steps) {
        for (Run run : runs(text)) {
            for (int k = run.cutLeft() ? 1 : 0; k + 1 < run.segments().size(); k++) {
                List<Arithmetic.Token> left = trimParens(run.segments().get(k));
                List<Arithmetic.Token> right = trimParens(run.segments().get(k + 1));
                Optional<BigDecimal> stated = statedNumber(right);
                if (stated.isEmpty() || left.isEmpty() || left.get(0).kind() == Arithmetic.Token.OP
                        || chainedDivision(left)) {
                    continue;
                }
                Optional<Arithmetic.Expr> expr = Arithmetic.evaluate(left);
                if (expr.isPresent() && expr.get().hasOperator()) {
                    BigDecimal computed = expr.get().value();
                    boolean percent = right.get(right.size() - 1).text().endsWith("%")
                            || left.stream().anyMatch(t -> t.text().endsWith("%"));
                    // Prose is loose with percentages ("10/50 = 20%", "0.2 * 100 = 20%",
                    // "1.2 * 100% = 120"): where one is involved, either reading is accepted.
                    boolean correct = Arithmetic.matches(computed, stated.get())
                            || (percent && (Arithmetic.matches(computed, stated.get().movePointRight(2))
                                    || Arithmetic.matches(computed.movePointRight(2), stated.get())));
                    BigDecimal shown = right.get(right.size() - 1).text().endsWith("%") ? stated.get().movePointRight(2)
                            : stated.get();
                    add(steps, new Step(line, Source.TEXT, expr.get().rendered(), shown, computed, correct));
                }
            }
        }
    }

    /**
     * A corrected-line critique: {@code line L should be E=<<E=V>>V}, the expression {@code E} without
     * spaces, as the arith world's answers write a step (cut like any shown expression).
     */
    static String correctedLine(int line, String expression, String value) {
        String e = shown(expression).replace(" ", "");
        return "line " + line + " should be " + e + "=<<" + e + "=" + value + ">>" + value;
    }

    /** An expression as a critique shows it: cut to {@link #MAX_SHOWN_CHARS} characters. */
    static String shown(String expression) {
        return expression.length() <= MAX_SHOWN_CHARS ? expression : expression.substring(0, MAX_SHOWN_CHARS) + "...";
    }

    /** NUM / NUM / NUM without parentheses: a fraction divided or dividing, ambiguous in prose. */
    private static boolean chainedDivision(List<Arithmetic.Token> tokens) {
        for (int i = 0; i + 4 < tokens.size(); i++) {
            if (tokens.get(i).kind() == Arithmetic.Token.NUM && isOp(tokens.get(i + 1), "/")
                    && tokens.get(i + 2).kind() == Arithmetic.Token.NUM && isOp(tokens.get(i + 3), "/")
                    && tokens.get(i + 4).kind() == Arithmetic.Token.NUM) {
                return true;
            }
        }
        return false;
    }

    private static boolean isOp(Arithmetic.Token token, String op) {
        return token.kind() == Arithmetic.Token.OP && token.text().equals(op);
    }

    private static void add(Map<String, Step> steps, Step step) {
        // One report per (line, expression, stated value): an annotation and the same equation in
        // the text are one step.
        String key = step.line() + "|" + step.rendered() + "|" + FinalAnswer.format(step.stated()) + "|"
                + (step.source() == Source.ANNOTATION_TEXT);
        steps.putIfAbsent(key, step);
    }

    /** A run of arithmetic between two pieces of prose, as its segments between '=' signs. */
    record Run(List<List<Arithmetic.Token>> segments, boolean cutLeft) {
    }

    /** Words after which a run's first expression is the tail of a longer one ("12 x 1 and 1/4"). */
    private static final Set<String> CUTTING_WORDS = Set.of("x", "and", "of", "times", "by", "plus", "minus", "per");

    /**
     * The runs of a line that contain '='. A run is broken by anything that is not a number,
     * operator, parenthesis, '$', '%' or space; numbers with leading zeros make a token no
     * expression accepts.
     */
    static List<Run> runs(String text) {
        List<Run> runs = new ArrayList<>();
        List<List<Arithmetic.Token>> run = new ArrayList<>();
        List<Arithmetic.Token> segment = new ArrayList<>();
        boolean cutLeft = false;
        int i = 0;
        int n = text.length();
        while (i <= n) {
            char c = i < n ? text.charAt(i) : '\n';
            if (c == ' ' || c == '$' || c == '\t') {
                i++;
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(text.charAt(i + 1))
                    && (i == 0 || !Character.isDigit(text.charAt(i - 1))))) {
                int end = Arithmetic.numberEnd(text, i);
                String number = text.substring(i, end).replace(",", "");
                int afterSpaces = end;
                while (afterSpaces < n && text.charAt(afterSpaces) == ' ') {
                    afterSpaces++;
                }
                if (afterSpaces < n && text.charAt(afterSpaces) == '%') {
                    number += "%";
                    end = afterSpaces + 1;
                }
                boolean leadingZero = number.length() > 1 && number.charAt(0) == '0' && Character.isDigit(number.charAt(1));
                segment.add(new Arithmetic.Token(leadingZero ? 'z' : Arithmetic.Token.NUM, number));
                i = end;
            } else if (c == '+' || c == '-' || c == '*' || c == '/' || c == '×' || c == '÷'
                    || ((c == 'x' || c == 'X') && Arithmetic.isMultiplicationX(text, i) && !isLetter(text, i + 1)
                            && !isLetter(text, i - 1))) {
                segment.add(new Arithmetic.Token(Arithmetic.Token.OP, Arithmetic.canonicalOperator(c)));
                i++;
            } else if (c == '(') {
                segment.add(new Arithmetic.Token(Arithmetic.Token.LPAREN, "("));
                i++;
            } else if (c == ')') {
                segment.add(new Arithmetic.Token(Arithmetic.Token.RPAREN, ")"));
                i++;
            } else if (c == '=') {
                run.add(segment);
                segment = new ArrayList<>();
                i++;
            } else {
                // Anything else ends the run; a word is skipped whole, so "x2" or "A4" are not numbers.
                run.add(segment);
                if (run.size() > 1) {
                    runs.add(new Run(run, cutLeft));
                }
                run = new ArrayList<>();
                segment = new ArrayList<>();
                if (Character.isLetterOrDigit(c)) {
                    int start = i;
                    while (i < n && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
                        i++;
                    }
                    cutLeft = CUTTING_WORDS.contains(text.substring(start, i).toLowerCase(java.util.Locale.ROOT));
                } else {
                    cutLeft = false;
                    i++;
                }
            }
        }
        return runs;
    }

    private static boolean isLetter(String text, int i) {
        return i >= 0 && i < text.length() && Character.isLetter(text.charAt(i));
    }

    /** Drops parentheses left unbalanced by the cut at '=' (e.g. "(5 + 3" of "(5 + 3 = 8)"). */
    private static List<Arithmetic.Token> trimParens(List<Arithmetic.Token> segment) {
        int depth = 0;
        for (Arithmetic.Token t : segment) {
            depth += t.kind() == Arithmetic.Token.LPAREN ? 1 : t.kind() == Arithmetic.Token.RPAREN ? -1 : 0;
        }
        int from = 0;
        int to = segment.size();
        while (depth > 0 && from < to && segment.get(from).kind() == Arithmetic.Token.LPAREN) {
            from++;
            depth--;
        }
        while (depth < 0 && from < to && segment.get(to - 1).kind() == Arithmetic.Token.RPAREN) {
            to--;
            depth++;
        }
        return segment.subList(from, to);
    }

    /** A segment that is one number, optionally negative or a percentage: the stated result. */
    private static Optional<BigDecimal> statedNumber(List<Arithmetic.Token> tokens) {
        boolean negative = tokens.size() == 2 && isOp(tokens.get(0), "-");
        if (tokens.size() != (negative ? 2 : 1) || tokens.get(tokens.size() - 1).kind() != Arithmetic.Token.NUM) {
            return Optional.empty();
        }
        String text = tokens.get(tokens.size() - 1).text();
        boolean percent = text.endsWith("%");
        Optional<BigDecimal> value = FinalAnswer.parseNumber(percent ? text.substring(0, text.length() - 1) : text);
        return value.map(v -> negative ? v.negate() : v).map(v -> percent ? v.movePointLeft(2) : v);
    }
}
