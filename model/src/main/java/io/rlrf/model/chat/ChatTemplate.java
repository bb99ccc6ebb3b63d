package io.rlrf.model.chat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;

import jinjava.javax.el.CompositeELResolver;

/**
 * A checkpoint's chat template (the Jinja {@code chat_template} of its {@code tokenizer_config.json})
 * rendered as {@code transformers}' {@code apply_chat_template} renders it, on Jinjava:
 * <ol>
 *   <li>the environment: {@code trim_blocks} and {@code lstrip_blocks} on, one trailing newline of the
 *       source dropped (Jinja's {@code keep_trailing_newline=False}), comments removed with Jinja's
 *       whitespace control, dicts iterated by key, filters binding tighter than operators;</li>
 *   <li>the variables: {@code messages} (a list of {@code {role, content}} dicts),
 *       {@code add_generation_prompt}, {@code bos_token} and {@code eos_token} (when the tokenizer has
 *       them);</li>
 *   <li>the functions: {@code raise_exception(msg)} (a {@link ChatTemplateException} with the
 *       message), {@code strftime_now(format)} (Python's strftime on this template's clock), the
 *       Python {@code str} methods templates call ({@link PythonStringMethods}), and the
 *       {@code {% generation %}} block of transformers' assistant masks ({@link GenerationTag}).</li>
 * </ol>
 * Text inside the messages is never interpreted as template code. Compiling renders one user turn, so
 * a template that cannot render the prompts the library builds fails at load, not at the first
 * request. Thread-safe: each render has its own interpreter.
 *
 * <p>Known departures from Jinja that no template this library is tested with depends on:
 * {@code {{ true }}} prints {@code true} (Jinja: {@code True}) and {@code {{ none }}} prints nothing
 * (Jinja: {@code None}); {@code tojson} uses Jinjava's JSON writer (tools are never passed here).
 */
public final class ChatTemplate {

    /** The context key under which a render's clock travels to {@link #strftimeNow}. */
    private static final String CLOCK = "__rlrf_chat_template_clock__";

    private final String source; // after comment removal and the trailing-newline rule
    private final String origin;
    private final String bosToken; // null: not passed to the template
    private final String eosToken;
    private final Clock clock;
    private final Jinjava jinjava;

    private ChatTemplate(String source, String origin, String bosToken, String eosToken, Clock clock) {
        this.source = source;
        this.origin = origin;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.clock = clock;
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withNestedInterpretationEnabled(false) // a message containing "{{ x }}" stays text
                .withElResolver(resolver)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withUsePyishObjectMapper(true)
                        .withUseSnakeCasePropertyNaming(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withAllowAdjacentTextNodes(true)
                        .withUseTrimmingForNotesAndExpressions(true) // {{- x -}} trims as in Jinja
                        .withKeepNullableLoopValues(true)
                        .build()) // not whitespaceRequiredWithinTokens: it stops {{- from parsing
                .build();
        this.jinjava = new Jinjava(config);
        try {
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                    ChatTemplate.class.getMethod("raiseException", String.class)));
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                    ChatTemplate.class.getMethod("strftimeNow", String.class)));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
        jinjava.getGlobalContext().registerTag(new GenerationTag());
    }

    /**
     * Compiles {@code template} with the system clock.
     *
     * @param origin   where the template came from, named in every error (e.g. the file)
     * @param bosToken the tokenizer's BOS string, or null when it has none
     * @param eosToken the tokenizer's EOS string, or null when it has none
     * @throws ChatTemplateException if the template does not parse or cannot render one user turn
     */
    public static ChatTemplate compile(String template, String origin, String bosToken, String eosToken) {
        return compile(template, origin, bosToken, eosToken, Clock.systemDefaultZone());
    }

    /** As {@link #compile(String, String, String, String)}; {@code strftime_now} reads {@code clock}. */
    public static ChatTemplate compile(String template, String origin, String bosToken, String eosToken, Clock clock) {
        if (template == null || template.isBlank()) {
            throw new ChatTemplateException(origin + ": the chat template is empty");
        }
        ChatTemplate t = new ChatTemplate(removeComments(dropTrailingNewline(template), origin), origin, bosToken,
                eosToken, clock);
        t.checkNames();
        t.render(List.of(ChatMessage.user("Hello")), true); // fail at load, naming the file
        return t;
    }

    /** Where the template came from. */
    public String origin() {
        return origin;
    }

    /**
     * The conversation as the model's prompt text; with {@code addGenerationPrompt}, followed by the
     * header that opens the assistant's turn. Special tokens are written as their text (e.g.
     * {@code <|im_start|>}): encode the result with the tokenizer's added tokens parsed and without
     * adding BOS again (the template places it).
     *
     * @throws ChatTemplateException if the template fails or calls {@code raise_exception}
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> turns = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("role", m.role());
            turn.put("content", m.content());
            turns.add(turn);
        }
        Map<String, Object> bindings = new HashMap<>();
        bindings.put("messages", turns);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        if (bosToken != null) {
            bindings.put("bos_token", bosToken);
        }
        if (eosToken != null) {
            bindings.put("eos_token", eosToken);
        }
        bindings.put("strftime_now", true); // so that "strftime_now is defined", as in transformers
        bindings.put("raise_exception", true);
        bindings.put(CLOCK, clock);
        RenderResult result = jinjava.renderForResult(source, bindings);
        for (TemplateError e : result.getErrors()) {
            RaisedByTemplate raised = raisedBy(e.getException());
            if (raised != null) {
                throw new ChatTemplateException(origin + ": the chat template raised an exception: "
                        + raised.getMessage());
            }
            if (fails(e)) {
                throw new ChatTemplateException(origin + ": the chat template failed at line " + e.getLineno() + ": "
                        + e.getMessage(), e.getException());
            }
        }
        return result.getOutput();
    }

    /** Errors that change the output: everything but an undefined name (which renders empty, as in Jinja). */
    private static boolean fails(TemplateError e) {
        if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
            return true;
        }
        return switch (e.getReason()) {
            case SYNTAX_ERROR, EXCEPTION, MISSING, DISABLED, INVALID_ARGUMENT, INVALID_INPUT, OUTPUT_TOO_BIG,
                    OVER_LIMIT, COLLECTION_TOO_BIG -> true;
            default -> false;
        };
    }

    private static RaisedByTemplate raisedBy(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof RaisedByTemplate r) {
                return r;
            }
        }
        return null;
    }

    /** The exception {@code raise_exception} throws, found again in Jinjava's error list. */
    private static final class RaisedByTemplate extends RuntimeException {
        RaisedByTemplate(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code raise_exception(message)} of transformers' templates. For the template engine only. */
    public static String raiseException(String message) {
        throw new RaisedByTemplate(message);
    }

    /** {@code strftime_now(format)} of transformers' templates: Python's strftime of now. For the template engine only. */
    public static String strftimeNow(String format) {
        Object c = JinjavaInterpreter.getCurrent().getContext().get(CLOCK);
        Clock clock = c instanceof Clock k ? k : Clock.systemDefaultZone();
        return StrftimeFormatter.format(ZonedDateTime.ofInstant(Instant.now(clock), clock.getZone()), format);
    }

    /**
     * Jinja rejects a template that uses an unknown filter or test when it compiles it; Jinjava renders
     * such an expression as nothing, so the names are checked here: every {@code | name} and
     * {@code is [not] name} inside {@code {{ }}} and {@code {% %}}, string literals skipped.
     */
    private void checkNames() {
        var context = jinjava.getGlobalContext();
        int i = 0;
        int n = source.length();
        while (i < n - 1) {
            boolean expression = source.startsWith("{{", i);
            if (!expression && !source.startsWith("{%", i)) {
                i++;
                continue;
            }
            String close = expression ? "}}" : "%}";
            int line = 1 + (int) source.substring(0, i).chars().filter(c -> c == '\n').count();
            i += 2;
            String previousWord = "";
            while (i < n && !source.startsWith(close, i)) {
                char c = source.charAt(i);
                if (c == '\'' || c == '"') { // skip a string literal
                    i++;
                    while (i < n && source.charAt(i) != c) {
                        i += source.charAt(i) == '\\' ? 2 : 1;
                    }
                    i++;
                    previousWord = "";
                } else if (c == '|') {
                    int start = skipBlanks(i + 1);
                    String name = word(start);
                    if (!name.isEmpty() && context.getFilter(name) == null) {
                        throw new ChatTemplateException(origin + ": the chat template uses a filter that does not exist: '"
                                + name + "' (line " + line + ")");
                    }
                    i = start;
                    previousWord = "";
                } else if (Character.isJavaIdentifierStart(c)) {
                    String w = word(i);
                    if (previousWord.equals("is") || (previousWord.equals("not") && isAfterIs(i))) {
                        if (!w.equals("not") && context.getExpTest(w) == null) {
                            throw new ChatTemplateException(origin + ": the chat template uses a test that does not exist: '"
                                    + w + "' (line " + line + ")");
                        }
                    }
                    previousWord = w;
                    i += w.length();
                } else {
                    if (!Character.isWhitespace(c)) {
                        previousWord = "";
                    }
                    i++;
                }
            }
            i += 2;
        }
    }

    private boolean isAfterIs(int at) {
        // "... is not name": the word before "not" is "is"
        int j = source.lastIndexOf("not", at);
        int k = j - 1;
        while (k >= 0 && Character.isWhitespace(source.charAt(k))) {
            k--;
        }
        return k >= 1 && source.startsWith("is", k - 1) && (k < 2 || !Character.isJavaIdentifierPart(source.charAt(k - 2)));
    }

    private int skipBlanks(int i) {
        while (i < source.length() && Character.isWhitespace(source.charAt(i))) {
            i++;
        }
        return i;
    }

    private String word(int i) {
        int j = i;
        while (j < source.length() && Character.isJavaIdentifierPart(source.charAt(j))) {
            j++;
        }
        return source.substring(i, j);
    }

    // ---- the source, made to parse as Jinja would --------------------------------------------------

    /** Jinja drops one newline at the end of a template (keep_trailing_newline=False). */
    static String dropTrailingNewline(String s) {
        if (s.endsWith("\r\n")) {
            return s.substring(0, s.length() - 2);
        }
        return s.endsWith("\n") || s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /**
     * Removes {@code {# ... #}} comments as Jinja does with trim_blocks and lstrip_blocks: {@code {#-}
     * strips the whitespace before, {@code -#}} the whitespace after; otherwise the spaces that open the
     * comment's line and the one newline after it go (Jinjava trims around comments differently).
     */
    static String removeComments(String s, String origin) {
        StringBuilder out = new StringBuilder(s.length());
        int from = 0;
        for (int open; (open = s.indexOf("{#", from)) >= 0;) {
            int close = s.indexOf("#}", open + 2);
            if (close < 0) {
                throw new ChatTemplateException(origin + ": the chat template has a comment ({#) that is never closed");
            }
            out.append(s, from, open);
            boolean trimBefore = open + 2 < s.length() && s.charAt(open + 2) == '-';
            boolean trimAfter = close - 1 > open + 1 && s.charAt(close - 1) == '-';
            if (trimBefore) {
                int end = out.length();
                while (end > 0 && Character.isWhitespace(out.charAt(end - 1))) {
                    end--;
                }
                out.setLength(end);
            } else {
                int lineStart = out.lastIndexOf("\n") + 1;
                boolean onlyBlanks = true;
                for (int i = lineStart; i < out.length() && onlyBlanks; i++) {
                    onlyBlanks = out.charAt(i) == ' ' || out.charAt(i) == '\t';
                }
                if (onlyBlanks) {
                    out.setLength(lineStart); // lstrip_blocks
                }
            }
            from = close + 2;
            if (trimAfter) {
                while (from < s.length() && Character.isWhitespace(s.charAt(from))) {
                    from++;
                }
            } else if (s.startsWith("\r\n", from)) {
                from += 2; // trim_blocks
            } else if (from < s.length() && (s.charAt(from) == '\n' || s.charAt(from) == '\r')) {
                from++;
            }
        }
        return out.append(s.substring(from)).toString();
    }
}
