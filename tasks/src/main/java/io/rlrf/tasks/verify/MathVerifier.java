package io.rlrf.tasks.verify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import io.rlrf.tasks.FinalAnswer;

/**
 * The verifier judge for GSM8K-format answers (the built-in arith world, GSM8K, SVAMP): recomputes
 * every step, compares the final answer with the reference, and rates the four aspects of
 * {@link VerifierAspect} with critiques that name the line and the error, for example
 * {@code line 2: 12 + 12 = 23 is wrong; 12 + 12 = 24}. Pure and thread-safe, and bounded whatever
 * the answer: numbers, expressions and steps are bounded ({@link Arithmetic}, {@link StepChecker}),
 * and no critique is longer than {@link #MAX_CRITIQUE_CHARS} characters.
 */
public final class MathVerifier {

    private static final List<VerifierAspect> ALL = List.of(VerifierAspect.values());

    /** Longest critique of one aspect, in characters. */
    public static final int MAX_CRITIQUE_CHARS = 1000;

    private final VerifierParams params;

    public MathVerifier(VerifierParams params) {
        this.params = Objects.requireNonNull(params, "params");
    }

    /** Judges {@code answer} on all four aspects. */
    public Verdict verify(String question, String answer, String reference) {
        return verify(question, answer, reference, ALL);
    }

    /**
     * Judges {@code answer} to {@code question} against {@code reference} on the given aspects.
     *
     * @throws IllegalArgumentException if the reference has no final answer (check with
     *                                  {@link #referenceAnswer} first)
     */
    public Verdict verify(String question, String answer, String reference, List<VerifierAspect> aspects) {
        FinalAnswer.Extracted ref = referenceAnswer(reference).orElseThrow(() -> new IllegalArgumentException(
                "the reference has no final answer ('#### N' or a number)"));
        Optional<FinalAnswer.Extracted> got = FinalAnswer.extract(answer);
        Verdict.Outcome outcome = got.isEmpty() ? Verdict.Outcome.NO_ANSWER
                : FinalAnswer.sameNumber(got.get().number(), ref.number()) ? Verdict.Outcome.CORRECT
                        : Verdict.Outcome.INCORRECT;
        StepChecker.Result steps = aspects.contains(VerifierAspect.LOGICAL_ROBUSTNESS) ? StepChecker.check(answer) : null;
        List<Verdict.Rating> ratings = new ArrayList<>(aspects.size());
        for (VerifierAspect aspect : aspects) {
            ratings.add(bounded(switch (aspect) {
                case LOGICAL_CORRECTNESS -> correctness(answer, got, ref, outcome);
                case LOGICAL_ROBUSTNESS -> robustness(question, answer, reference, outcome, steps);
                case COMPLETENESS -> completeness(question, answer, reference);
                case CONCISENESS -> conciseness(answer, reference);
            }));
        }
        return new Verdict(ratings, outcome, got.map(FinalAnswer.Extracted::value).orElse(""), ref.value(),
                steps == null ? List.of() : steps.wrong());
    }

    private static Verdict.Rating bounded(Verdict.Rating rating) {
        String critique = rating.critique();
        return critique.length() <= MAX_CRITIQUE_CHARS ? rating
                : new Verdict.Rating(rating.aspect(), rating.rating(), critique.substring(0, MAX_CRITIQUE_CHARS - 3) + "...");
    }

    /** The reference's final answer, or empty if it has none (such a reference cannot be used). */
    public static Optional<FinalAnswer.Extracted> referenceAnswer(String reference) {
        return FinalAnswer.extract(reference);
    }

    private Verdict.Rating correctness(String answer, Optional<FinalAnswer.Extracted> got, FinalAnswer.Extracted ref,
            Verdict.Outcome outcome) {
        VerifierAspect aspect = VerifierAspect.LOGICAL_CORRECTNESS;
        String reveal = params.revealReferenceAnswer() ? "; the reference answer is " + ref.value() : "";
        if (got.isEmpty()) {
            int finalLine = FinalAnswer.finalLineNumber(answer);
            return new Verdict.Rating(aspect, 1, finalLine > 0
                    ? "line " + finalLine + ": the final answer line has no number" + reveal
                    : "no final answer: there is no '#### N' line and no number" + reveal);
        }
        FinalAnswer.Extracted e = got.get();
        boolean finalLine = e.method() == FinalAnswer.Method.FINAL_LINE;
        if (outcome == Verdict.Outcome.CORRECT) {
            return finalLine ? new Verdict.Rating(aspect, 3, "")
                    : new Verdict.Rating(aspect, 2, "no '#### N' line: the last number, " + e.value() + " (line "
                            + e.line() + "), is right but is not stated as the final answer");
        }
        return new Verdict.Rating(aspect, 1, finalLine
                ? "line " + e.line() + ": the final answer " + e.value() + " is wrong" + reveal
                : "no '#### N' line, and the last number, " + e.value() + " (line " + e.line() + "), is not the answer"
                        + reveal);
    }

    private Verdict.Rating robustness(String question, String answer, String reference, Verdict.Outcome outcome,
            StepChecker.Result steps) {
        VerifierAspect aspect = VerifierAspect.LOGICAL_ROBUSTNESS;
        if (params.referenceSteps() && outcome != Verdict.Outcome.CORRECT) {
            List<String> differ = referenceStepCritiques(answer, reference);
            if (!differ.isEmpty()) {
                return new Verdict.Rating(aspect, 1, list(differ, "wrong steps"));
            }
        }
        boolean values = params.critiqueValues();
        boolean compact = params.compactExpressions();
        boolean lines = values && params.correctedLines();
        List<String> wrong = params.chainedCorrections()
                ? ChainedCorrections.faults(steps.steps(), questionNumbers(question)).stream()
                        .map(f -> lines ? f.correctedLine() : f.critique(values, compact)).toList()
                : steps.wrong().stream().map(s -> lines ? s.correctedLine() : s.critique(values, compact)).toList();
        if (!wrong.isEmpty()) {
            return new Verdict.Rating(aspect, 1, list(wrong, "wrong steps"));
        }
        if (!steps.unchecked().isEmpty()) {
            return new Verdict.Rating(aspect, 2, list(steps.unchecked().stream()
                    .map(u -> u + " could not be evaluated").toList(), "unchecked steps"));
        }
        if (steps.steps().isEmpty()) {
            return new Verdict.Rating(aspect, 2, "no step shows its arithmetic; write each calculation as a + b = c");
        }
        return new Verdict.Rating(aspect, 3, "");
    }

    private Verdict.Rating completeness(String question, String answer, String reference) {
        VerifierAspect aspect = VerifierAspect.COMPLETENESS;
        int finalLine = FinalAnswer.finalLineNumber(answer);
        if (finalLine == 0) {
            return new Verdict.Rating(aspect, 1, "no final answer line; end with '#### N'");
        }
        List<String> issues = new ArrayList<>();
        String[] lines = answer.split("\n", -1);
        for (int i = finalLine; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                issues.add("line " + (i + 1) + ": text after the final answer line");
                break;
            }
        }
        Set<String> needed = new LinkedHashSet<>(FinalAnswer.numbers(question));
        needed.retainAll(Set.copyOf(FinalAnswer.numbers(withoutFinalLine(reference))));
        needed.removeAll(Set.copyOf(FinalAnswer.numbers(withoutFinalLine(answer))));
        if (!needed.isEmpty()) {
            List<String> missing = new ArrayList<>(needed);
            issues.add("the answer never uses " + joinLimited(missing) + " from the problem");
        }
        return issues.isEmpty() ? new Verdict.Rating(aspect, 3, "")
                : new Verdict.Rating(aspect, 2, String.join("\n", issues));
    }

    private Verdict.Rating conciseness(String answer, String reference) {
        VerifierAspect aspect = VerifierAspect.CONCISENESS;
        List<String> issues = new ArrayList<>();
        String[] lines = answer.split("\n", -1);
        int lastNonBlank = -1;
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                lastNonBlank = i;
            }
        }
        Map<String, Integer> firstSeen = new HashMap<>();
        for (int i = 0; i <= lastNonBlank; i++) {
            String line = lines[i].strip().replaceAll("\\s+", " ");
            if (line.isEmpty()) {
                issues.add("line " + (i + 1) + " is empty");
                continue;
            }
            Integer earlier = firstSeen.putIfAbsent(line, i + 1);
            if (earlier != null) {
                issues.add("line " + (i + 1) + " repeats line " + earlier);
            }
        }
        long bound = Math.max(params.minLengthBound(), Math.round(params.lengthRatio() * reference.length()));
        if (answer.length() > bound) {
            issues.add("the answer is " + answer.length() + " characters, above the bound of " + bound
                    + " (" + params.lengthRatio() + " x the reference's " + reference.length() + ", at least "
                    + params.minLengthBound() + ")");
        }
        int rating = issues.isEmpty() ? 3 : issues.size() == 1 ? 2 : 1;
        return new Verdict.Rating(aspect, rating, list(issues, "issues"));
    }

    /** A step line: its 1-based line number and its text, stripped. */
    private record StepLine(int line, String text) {
    }

    /** The lines before the final answer line (every line without one), blank lines left out. */
    private static List<StepLine> stepLines(String text) {
        int finalLine = FinalAnswer.finalLineNumber(text);
        String[] lines = text.split("\n", -1);
        int end = finalLine > 0 ? finalLine - 1 : lines.length;
        List<StepLine> out = new ArrayList<>();
        for (int i = 0; i < end; i++) {
            if (!lines[i].isBlank()) {
                out.add(new StepLine(i + 1, lines[i].strip()));
            }
        }
        return out;
    }

    /**
     * {@link VerifierParams#referenceSteps()}: the answer's step lines against the reference's, position by
     * position (whitespace ignored); one critique per line that differs, is missing or is extra.
     */
    private List<String> referenceStepCritiques(String answer, String reference) {
        List<StepLine> got = stepLines(answer);
        List<StepLine> want = stepLines(reference);
        boolean values = params.critiqueValues();
        boolean lines = values && params.correctedLines();
        int last = got.isEmpty() ? 0 : got.get(got.size() - 1).line();
        List<String> out = new ArrayList<>();
        for (int j = 0; j < Math.max(got.size(), want.size()); j++) {
            StepLine g = j < got.size() ? got.get(j) : null;
            StepLine w = j < want.size() ? want.get(j) : null;
            if (w == null) {
                out.add("line " + g.line() + " is not a step of the solution");
            } else if (g == null || !g.text().replaceAll("\\s+", "").equals(w.text().replaceAll("\\s+", ""))) {
                int line = g == null ? last + (j - got.size() + 1) : g.line();
                out.add(lines ? "line " + line + " should be " + w.text()
                        : (g == null ? "line " + line + ": a step is missing" : "line " + line + ": " + g.text() + " is wrong")
                                + (values ? "; it should be " + w.text() : ""));
            }
        }
        return out;
    }

    /** The question's numbers, normalised as {@link FinalAnswer#format}. */
    private static Set<String> questionNumbers(String question) {
        Set<String> out = new java.util.HashSet<>();
        for (String n : FinalAnswer.numbers(question)) {
            FinalAnswer.parseNumber(n).map(FinalAnswer::format).ifPresent(out::add);
        }
        return out;
    }

    private static String withoutFinalLine(String text) {
        int finalLine = FinalAnswer.finalLineNumber(text);
        if (finalLine == 0) {
            return text;
        }
        String[] lines = text.split("\n", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            if (i != finalLine - 1) {
                sb.append(lines[i]).append('\n');
            }
        }
        return sb.toString();
    }

    /** One item per line, at most maxCritiqueItems, then how many more. */
    private String list(List<String> items, String what) {
        int max = params.maxCritiqueItems();
        if (items.size() <= max) {
            return String.join("\n", items);
        }
        return String.join("\n", items.subList(0, max)) + "\n(" + (items.size() - max) + " more " + what + ")";
    }

    private String joinLimited(List<String> items) {
        int max = params.maxCritiqueItems();
        List<String> shown = items.size() <= max ? items : items.subList(0, max);
        String joined = shown.size() == 1 ? shown.get(0)
                : String.join(", ", shown.subList(0, shown.size() - 1)) + " and " + shown.get(shown.size() - 1);
        return items.size() <= max ? joined : joined + " (and " + (items.size() - max) + " more)";
    }
}
