package io.rlrf.common.error;

/**
 * How a message repeats a value the caller sent: quoted, control characters escaped (a NUL shows
 * as {@code \u0000}), and cut to a short prefix with the full length when it is long, so a message
 * stays small and printable whatever the caller sent ({@code 'runs/r-1'},
 * {@code 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' (131072 characters)}). Every message that
 * names a caller's value uses {@link #of}; {@link GrpcErrorMapper} bounds whole messages as a last
 * resort.
 */
public final class Echo {

    /** Characters of a value shown before it is cut. */
    public static final int MAX_CHARS = 40;

    private Echo() {
    }

    /** {@code value} quoted, escaped, and cut to {@link #MAX_CHARS} characters with its length. */
    public static String of(String value) {
        if (value == null) {
            return "(none)";
        }
        int shown = Math.min(value.length(), MAX_CHARS);
        // Do not split a surrogate pair at the cut.
        if (shown < value.length() && shown > 0 && Character.isHighSurrogate(value.charAt(shown - 1))) {
            shown--;
        }
        StringBuilder out = new StringBuilder(shown + 32).append('\'');
        for (int i = 0; i < shown; i++) {
            char c = value.charAt(i);
            if (c == '\'' || c == '\\') {
                out.append('\\').append(c);
            } else if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                    || Character.isSurrogate(c) && !validPair(value, i)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('\'');
        if (shown < value.length()) {
            out.insert(out.length() - 1, "...").append(" (").append(value.length()).append(" characters)");
        }
        return out.toString();
    }

    private static boolean validPair(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
