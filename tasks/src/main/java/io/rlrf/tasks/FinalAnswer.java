package io.rlrf.tasks;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Extracts the final answer of a GSM8K-format solution.
 *
 * <ol>
 * <li>The last line that starts with {@code ####}: its first number is the answer
 *     ({@link Method#FINAL_LINE}). {@code $}, thousands separators and trailing units are ignored:
 *     {@code #### $1,600 dollars} gives {@code 1600}.</li>
 * <li>Fallback when no such line exists: the last number anywhere in the text
 *     ({@link Method#LAST_NUMBER}), ignoring the insides of {@code <<...>>} annotations.</li>
 * </ol>
 * A {@code ####} line without a number yields no answer (the fallback is not used then: the
 * answer's author said where the answer is, and it is not there). Values are normalised as
 * decimals without trailing zeros ({@code 18.50} becomes {@code 18.5}, {@code 7.0} becomes {@code 7}).
 *
 * <p>A number is plain decimal notation of at most {@link #MAX_DIGITS} digits: no exponent
 * ({@code 1e1000000} is not a number here), so that no text an answer contains can make a
 * number, its arithmetic or its printed form large ({@link #parseNumber} is the one place numbers
 * are read from text).
 */
public final class FinalAnswer {

    /** How the answer was found. */
    public enum Method {
        /** From the last {@code #### N} line. */
        FINAL_LINE,
        /** Fallback: the last number in the text. */
        LAST_NUMBER
    }

    /**
     * @param value  the normalised number, e.g. {@code 1600}, {@code -3}, {@code 0.25}
     * @param number the same as a decimal, for comparisons
     * @param method how it was found
     * @param line   1-based line of the text it came from
     */
    public record Extracted(String value, BigDecimal number, Method method, int line) {
    }

    private static final Pattern FINAL_LINE = Pattern.compile("^\\s*####(.*)$");
    /** A number as people write it: optional sign and $, thousands groups or plain digits, decimals. */
    static final Pattern NUMBER = Pattern.compile(
            "(?<![\\w.])-?\\$?\\s?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?|(?<![\\w.])-?\\.\\d+");
    private static final Pattern ANNOTATION = Pattern.compile("<<[^<>]*>>");
    /** What {@link #parseNumber} accepts once {@code $}, separators and spaces are removed. */
    private static final Pattern PLAIN_DECIMAL = Pattern.compile("[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)");

    /** Most digits a number may have (integer and fraction parts together). */
    public static final int MAX_DIGITS = 32;

    private FinalAnswer() {
    }

    /** The final answer of {@code text}, or empty when there is none. */
    public static Optional<Extracted> extract(String text) {
        String[] lines = text.split("\n", -1);
        for (int i = lines.length - 1; i >= 0; i--) {
            Matcher m = FINAL_LINE.matcher(lines[i]);
            if (m.matches()) {
                int line = i + 1;
                return firstNumber(m.group(1)).map(n -> new Extracted(format(n), n, Method.FINAL_LINE, line));
            }
        }
        for (int i = lines.length - 1; i >= 0; i--) {
            Optional<BigDecimal> last = lastNumber(ANNOTATION.matcher(lines[i]).replaceAll(" "));
            if (last.isPresent()) {
                return Optional.of(new Extracted(format(last.get()), last.get(), Method.LAST_NUMBER, i + 1));
            }
        }
        return Optional.empty();
    }

    /** 1-based index of the last {@code ####} line, or 0 when there is none. */
    public static int finalLineNumber(String text) {
        String[] lines = text.split("\n", -1);
        for (int i = lines.length - 1; i >= 0; i--) {
            if (FINAL_LINE.matcher(lines[i]).matches()) {
                return i + 1;
            }
        }
        return 0;
    }

    /**
     * Parses a number token as written ({@code $1,600}, {@code -3}, {@code .5}); empty when it is not
     * plain decimal notation (an exponent, other characters) or has more than {@link #MAX_DIGITS} digits.
     */
    public static Optional<BigDecimal> parseNumber(String token) {
        if (token.length() > 4 * MAX_DIGITS) {
            return Optional.empty(); // far too long to be a number with MAX_DIGITS digits
        }
        String cleaned = token.replace("$", "").replace(",", "").replace(" ", "");
        if (!PLAIN_DECIMAL.matcher(cleaned).matches() || digits(cleaned) > MAX_DIGITS) {
            return Optional.empty();
        }
        return Optional.of(new BigDecimal(cleaned));
    }

    private static int digits(String plain) {
        int n = 0;
        for (int i = 0; i < plain.length(); i++) {
            if (Character.isDigit(plain.charAt(i))) {
                n++;
            }
        }
        return n;
    }

    /** Normalised text of a number: plain notation, no trailing zeros. */
    public static String format(BigDecimal number) {
        BigDecimal stripped = number.stripTrailingZeros();
        if (stripped.scale() < 0) {
            stripped = stripped.setScale(0);
        }
        return stripped.toPlainString();
    }

    /** Every number written in {@code text}, normalised ({@link #format}), in order of appearance. */
    public static java.util.List<String> numbers(String text) {
        java.util.List<String> numbers = new java.util.ArrayList<>();
        Matcher m = NUMBER.matcher(text);
        while (m.find()) {
            parseNumber(m.group()).map(FinalAnswer::format).ifPresent(numbers::add);
        }
        return numbers;
    }

    /** Whether two answers are the same number. */
    public static boolean sameNumber(BigDecimal a, BigDecimal b) {
        return a.compareTo(b) == 0;
    }

    private static Optional<BigDecimal> firstNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        return m.find() ? parseNumber(m.group()) : Optional.empty();
    }

    private static Optional<BigDecimal> lastNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        return last == null ? Optional.empty() : parseNumber(last);
    }
}
