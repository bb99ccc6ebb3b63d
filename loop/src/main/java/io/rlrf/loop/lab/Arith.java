package io.rlrf.loop.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rlrf.loop.bootstrap.BootstrapData;
import io.rlrf.tasks.FinalAnswer;
import io.rlrf.tasks.prompt.AnswerPrompt;
import io.rlrf.tasks.prompt.ReflectionPrompt;
import io.rlrf.tasks.verify.Verdict;

/**
 * The text conventions of the loop on the arith world: the answer and reflection prompts (the tasks
 * library's defaults, as the trainer and reflector-svc use them), and the parsing of solution lines
 * {@code a op b=<<a op b=c>>c}.
 */
public final class Arith {

    /** The loop's answer prompt (the trainer's default). */
    public static final AnswerPrompt ANSWER = AnswerPrompt.DEFAULT;
    /** The loop's reflection prompt (reflector-svc's default). */
    public static final ReflectionPrompt REFLECTION = ReflectionPrompt.DEFAULT;

    /** A critique item that states a right value: {@code line L: ...; EXPR = V}. */
    private static final Pattern VALUED = Pattern.compile("line (\\d+): .*; ([^;]+?) ?= ?(-?\\d+(?:\\.\\d+)?)$");
    /** A corrected-line critique item: {@code line L should be E=<<E=V>>V}. */
    private static final Pattern CORRECTED_LINE = Pattern.compile("line (\\d+) should be ([^=]+)=<<.*>>(-?\\d+(?:\\.\\d+)?)$");

    private Arith() {
    }

    public static String answerPrompt(String question) {
        return ANSWER.render(question);
    }

    /** The reflection prompt for {@code draft} judged {@code verdict}, exactly as the loop builds it. */
    public static String reflectionPrompt(String question, String draft, Verdict verdict) {
        return REFLECTION.render(question, draft, ratings(verdict));
    }

    /** The critiques block of {@code verdict} as reflector-svc renders it (empty when nothing is faulted). */
    public static String critiques(Verdict verdict) {
        return ReflectionPrompt.critiques(ratings(verdict));
    }

    private static List<ReflectionPrompt.Rating> ratings(Verdict verdict) {
        return verdict.ratings().stream()
                .map(r -> new ReflectionPrompt.Rating(r.aspect().aspectName(), r.rating(), r.critique())).toList();
    }

    /** A critique item that states a right value: its line, the expression without spaces, the value. */
    public record Item(int line, String expression, long value) {
    }

    /** The critique items that state a right value, as (line, value). */
    public static List<long[]> valuedItems(String critiques) {
        return items(critiques).stream().map(i -> new long[] {i.line(), i.value()}).toList();
    }

    /** The critique items that state a right integer value, in either critique form. */
    public static List<Item> items(String critiques) {
        List<Item> out = new ArrayList<>();
        for (String item : critiques.split("\n")) {
            String s = item.strip();
            int colon = s.indexOf("): ");
            if (s.startsWith("- ") && colon > 0) {
                s = s.substring(colon + 3);
            }
            Matcher m = VALUED.matcher(s);
            Matcher c = CORRECTED_LINE.matcher(s);
            if (m.find() && !m.group(3).contains(".")) {
                out.add(new Item(Integer.parseInt(m.group(1)), m.group(2).replace(" ", ""), Long.parseLong(m.group(3))));
            } else if (c.find() && !c.group(3).contains(".")) {
                out.add(new Item(Integer.parseInt(c.group(1)), c.group(2), Long.parseLong(c.group(3))));
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
