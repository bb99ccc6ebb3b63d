package io.rlrf.tasks.verify;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.rlrf.tasks.FinalAnswer;

/**
 * Evaluates the arithmetic people write in solutions: numbers (with {@code $}, thousands
 * separators, decimals, a {@code %} suffix meaning /100), {@code + - * /}, the multiplication signs
 * {@code x}, {@code X}, {@code ×}, the division sign {@code ÷}, unary minus and parentheses, with the
 * usual precedence. Exact decimal arithmetic ({@link BigDecimal}, 34 significant digits for
 * division), so {@code 0.1 + 0.2 = 0.3} holds.
 *
 * <p>Bounded, whatever the text: numbers are those {@link FinalAnswer#parseNumber} reads (plain
 * decimals of at most {@link FinalAnswer#MAX_DIGITS} digits), an expression has at most
 * {@link #MAX_TOKENS} tokens, parentheses and unary signs nest at most {@link #MAX_NESTING} deep, and every intermediate value stays within 10^&plusmn;{@link #MAX_EXPONENT}
 * (or is zero). An expression beyond a bound is not evaluated (empty), like any malformed one.
 */
public final class Arithmetic {

    private static final MathContext MC = MathContext.DECIMAL128;
    private static final MathContext RESULT = new MathContext(24, RoundingMode.HALF_EVEN);
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    /** Most tokens (numbers, operators, parentheses) in one evaluated expression. */
    public static final int MAX_TOKENS = 256;
    /** Deepest nesting of parentheses and unary signs evaluated. */
    public static final int MAX_NESTING = 50;
    /** Largest decimal exponent of any value, up or down. */
    public static final int MAX_EXPONENT = 64;

    /**
     * A parsed expression.
     *
     * @param value       its value
     * @param rendered    canonical text: one space around each binary operator, {@code *} and
     *                    {@code /} for the operators, numbers without {@code $} or separators
     * @param hasOperator whether it computes anything (a lone number does not)
     */
    public record Expr(BigDecimal value, String rendered, boolean hasOperator) {
    }

    /** A token of an arithmetic expression. */
    record Token(char kind, String text) {
        static final char NUM = 'n';
        static final char OP = 'o';
        static final char LPAREN = '(';
        static final char RPAREN = ')';
    }

    private Arithmetic() {
    }

    /** Parses and evaluates {@code text}; empty when it is not a pure, well-formed expression. */
    public static Optional<Expr> evaluate(String text) {
        List<Token> tokens = tokenize(text);
        return tokens == null ? Optional.empty() : evaluate(tokens);
    }

    /** Evaluates a token list; empty when it is not a well-formed expression. */
    static Optional<Expr> evaluate(List<Token> tokens) {
        if (tokens.isEmpty() || tokens.size() > MAX_TOKENS) {
            return Optional.empty();
        }
        Parser parser = new Parser(tokens);
        try {
            Expr expr = parser.expression();
            if (parser.pos != tokens.size()) {
                return Optional.empty();
            }
            // Exact results such as 3 / (1/3) = 9 come out of 34-digit division as 9.000...01:
            // rounding to 24 significant digits gives the exact value back.
            BigDecimal value = expr.value().round(RESULT).stripTrailingZeros();
            return Optional.of(new Expr(value, expr.rendered(), expr.hasOperator()));
        } catch (ArithmeticException | IllegalStateException e) {
            return Optional.empty();
        }
    }

    /** {@code value}, if zero or within 10^&plusmn;MAX_EXPONENT; else the expression is not evaluated. */
    private static BigDecimal inRange(BigDecimal value) {
        if (value.signum() != 0) {
            int exponent = value.precision() - value.scale() - 1; // value = d.ddd x 10^exponent
            if (Math.abs(exponent) > MAX_EXPONENT) {
                throw new ArithmeticException("a value beyond 10^" + MAX_EXPONENT);
            }
        }
        return value;
    }

    /**
     * Whether a stated result matches the computed one. An integer result must be stated exactly;
     * a non-integer one may be stated rounded, floored or ceiled to the stated number of decimals
     * ({@code 10/3 = 3.33}, {@code 7/2 = 3} people): the difference must be below one unit of the
     * last stated digit.
     */
    public static boolean matches(BigDecimal computed, BigDecimal stated) {
        BigDecimal diff = computed.subtract(stated).abs();
        if (diff.compareTo(BigDecimal.ZERO) == 0) {
            return true;
        }
        if (isInteger(computed)) {
            return diff.compareTo(new BigDecimal("1e-9")) < 0;
        }
        int decimals = Math.max(0, stated.stripTrailingZeros().scale());
        BigDecimal unit = BigDecimal.ONE.movePointLeft(decimals);
        return diff.compareTo(unit) < 0;
    }

    /** The computed value as a critique shows it: exact if short, else rounded to the stated precision (at least 2 decimals). */
    public static String display(BigDecimal computed, BigDecimal stated) {
        if (isInteger(computed) || computed.stripTrailingZeros().scale() <= 4) {
            return FinalAnswer.format(computed);
        }
        int decimals = Math.max(2, stated.stripTrailingZeros().scale());
        return FinalAnswer.format(computed.setScale(decimals, RoundingMode.HALF_UP));
    }

    static boolean isInteger(BigDecimal v) {
        return v.signum() == 0 || v.stripTrailingZeros().scale() <= 0;
    }

    /** Splits {@code text} into tokens; null if it contains anything that is not arithmetic. */
    static List<Token> tokenize(String text) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || c == '$') {
                i++;
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(text.charAt(i + 1)))) {
                int end = numberEnd(text, i);
                String number = text.substring(i, end).replace(",", "");
                if (end < n && text.charAt(end) == '%') {
                    number = number + "%";
                    end++;
                }
                tokens.add(new Token(Token.NUM, number));
                i = end;
            } else if (c == '+' || c == '-' || c == '*' || c == '/' || c == '×' || c == '÷'
                    || ((c == 'x' || c == 'X') && isMultiplicationX(text, i))) {
                tokens.add(new Token(Token.OP, canonicalOperator(c)));
                i++;
            } else if (c == '(') {
                tokens.add(new Token(Token.LPAREN, "("));
                i++;
            } else if (c == ')') {
                tokens.add(new Token(Token.RPAREN, ")"));
                i++;
            } else {
                return null;
            }
        }
        return tokens;
    }

    /** End of the number starting at {@code start}: digits with thousands groups, then decimals. */
    static int numberEnd(String text, int start) {
        int n = text.length();
        int i = start;
        while (i < n && Character.isDigit(text.charAt(i))) {
            i++;
        }
        // Thousands groups: ",ddd" not followed by another digit, only after 1-3 leading digits.
        if (i - start <= 3) {
            while (i < n && text.charAt(i) == ',' && isDigits(text, i + 1, i + 4)
                    && (i + 4 >= n || !Character.isDigit(text.charAt(i + 4)))) {
                i += 4;
            }
        }
        if (i + 1 < n && text.charAt(i) == '.' && Character.isDigit(text.charAt(i + 1))) {
            i++;
            while (i < n && Character.isDigit(text.charAt(i))) {
                i++;
            }
        }
        return i;
    }

    private static boolean isDigits(String text, int from, int to) {
        if (to > text.length()) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (!Character.isDigit(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** An 'x' multiplies when it stands between a number (or ')') and a number, '$' or '('. */
    static boolean isMultiplicationX(String text, int i) {
        int before = i - 1;
        while (before >= 0 && text.charAt(before) == ' ') {
            before--;
        }
        int after = i + 1;
        while (after < text.length() && text.charAt(after) == ' ') {
            after++;
        }
        if (before < 0 || after >= text.length()) {
            return false;
        }
        char b = text.charAt(before);
        char a = text.charAt(after);
        return (Character.isDigit(b) || b == ')' || b == '%') && (Character.isDigit(a) || a == '$' || a == '(' || a == '.');
    }

    static String canonicalOperator(char c) {
        return switch (c) {
            case 'x', 'X', '×', '*' -> "*";
            case '÷', '/' -> "/";
            default -> String.valueOf(c);
        };
    }

    /** Recursive descent: expression := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*. */
    private static final class Parser {
        private final List<Token> tokens;
        private int pos;
        private int depth;

        Parser(List<Token> tokens) {
            this.tokens = tokens;
        }

        Expr expression() {
            Expr left = term();
            while (peekOp("+") || peekOp("-")) {
                String op = tokens.get(pos++).text();
                Expr right = term();
                BigDecimal value = inRange(op.equals("+") ? left.value().add(right.value(), MC)
                        : left.value().subtract(right.value(), MC));
                left = new Expr(value, left.rendered() + " " + op + " " + right.rendered(), true);
            }
            return left;
        }

        Expr term() {
            Expr left = factor();
            while (peekOp("*") || peekOp("/")) {
                String op = tokens.get(pos++).text();
                Expr right = factor();
                BigDecimal value = inRange(op.equals("*") ? left.value().multiply(right.value(), MC)
                        : left.value().divide(right.value(), MC));
                left = new Expr(value, left.rendered() + " " + op + " " + right.rendered(), true);
            }
            return left;
        }

        Expr factor() {
            if (pos >= tokens.size()) {
                throw new IllegalStateException("expression ends early");
            }
            // Each level of parentheses or unary sign is one level of recursion: bounded.
            if (++depth > MAX_NESTING) {
                throw new IllegalStateException("nested more than " + MAX_NESTING + " deep");
            }
            try {
                return factorAtDepth();
            } finally {
                depth--;
            }
        }

        private Expr factorAtDepth() {
            Token t = tokens.get(pos);
            if (t.kind() == Token.OP && t.text().equals("-")) {
                pos++;
                Expr inner = factor();
                return new Expr(inner.value().negate(), "-" + inner.rendered(), inner.hasOperator());
            }
            if (t.kind() == Token.OP && t.text().equals("+") && pos == 0) {
                // A leading plus, as in GSM8K's "<<+30+46=76>>".
                pos++;
                return factor();
            }
            if (t.kind() == Token.LPAREN) {
                pos++;
                Expr inner = expression();
                if (pos >= tokens.size() || tokens.get(pos).kind() != Token.RPAREN) {
                    throw new IllegalStateException("unbalanced parenthesis");
                }
                pos++;
                return new Expr(inner.value(), "(" + inner.rendered() + ")", inner.hasOperator());
            }
            if (t.kind() == Token.NUM) {
                pos++;
                String text = t.text();
                boolean percent = text.endsWith("%");
                BigDecimal v = FinalAnswer.parseNumber(percent ? text.substring(0, text.length() - 1) : text)
                        .orElseThrow(() -> new IllegalStateException("not a number this verifier reads"));
                return percent ? new Expr(inRange(v.divide(HUNDRED, MC)), text, true) : new Expr(inRange(v), text, false);
            }
            throw new IllegalStateException("unexpected token " + t.text());
        }

        private boolean peekOp(String op) {
            return pos < tokens.size() && tokens.get(pos).kind() == Token.OP && tokens.get(pos).text().equals(op);
        }
    }
}
