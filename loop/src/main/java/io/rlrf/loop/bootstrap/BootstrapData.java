package io.rlrf.loop.bootstrap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.arith.ArithLevel;
import io.rlrf.tasks.arith.ArithWorld;
import io.rlrf.tasks.facts.FactsVerifier;
import io.rlrf.tasks.facts.FactsWorld;
import io.rlrf.tasks.facts.Relation;
import io.rlrf.tasks.prompt.AnswerPrompt;
import io.rlrf.tasks.prompt.ReflectionPrompt;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The bootstrap's SFT set on the arith world's train split: answering examples (the answer
 * template with the question, then the reference solution) and revision examples (the reflection
 * template with the question, a draft with one injected error and the verifier's critique of that
 * draft, then the reference solution). The reflection prompt is the tasks library's
 * {@link ReflectionPrompt}, the one reflector-svc renders, so a revision example looks exactly like a
 * run-time reflection prompt.
 * The same arguments give the same list.
 */
public final class BootstrapData {

    /** What an example teaches. */
    public enum Kind {
        ANSWER, REVISION
    }

    /** [ours] The errors injected into drafts: the slips feedback can name and a revision can fix. */
    public enum Corruption {
        /**
         * One step's result changed, and the change carried through the later steps (each right on
         * its own inputs) into the final answer, as a policy's own slip is.
         */
        STEP_RESULT,
        /** The {@code #### N} line dropped. */
        DROP_FINAL_LINE,
        /** The {@code #### N} value changed. */
        FINAL_ANSWER,
        /** Facts world: one attribute of a description stated with another entity's value. */
        WRONG_FACT
    }

    /**
     * One SFT example; the completion is the text before EOS (the trainer appends EOS).
     *
     * @param corruption null for answering examples
     * @param draft      the corrupted draft; null for answering examples
     */
    public record Example(Kind kind, String problemId, String prompt, String completion, Corruption corruption,
            String draft) {
    }

    /** Everything the data depends on. */
    public record Spec(List<Integer> levels, int answersPerLevel, int revisionsPerLevel, long seed,
            AnswerPrompt answerPrompt, ReflectionPrompt reflectionPrompt) {
    }

    /** A whole solution line {@code expr=<<expr=r>>r}. */
    private static final Pattern WHOLE_STEP = Pattern.compile("^([^=<>]+)=<<\\1=(\\d+)>>\\2$");
    private static final Pattern BINARY = Pattern.compile("^(\\d+)([-+*/])(\\d+)$");
    private static final Pattern FINAL = Pattern.compile("^####\\s*(\\d+)\\s*$");

    /** Phase 1's critiques are in the library's sentence form, which the shipped phase-1 base was trained on (the refine phase uses the served form). */
    private static final MathVerifier VERIFIER = new MathVerifier(VerifierParams.DEFAULTS);
    private static final FactsVerifier FACTS_VERIFIER = new FactsVerifier(VerifierParams.DEFAULTS);

    private BootstrapData() {
    }

    /** The examples, answering and revision interleaved in a seeded shuffle. */
    public static List<Example> build(Spec spec) {
        List<Example> out = new ArrayList<>();
        for (int li = 0; li < spec.levels().size(); li++) {
            int level = spec.levels().get(li);
            int count = spec.answersPerLevel() + spec.revisionsPerLevel();
            if (count == 0) {
                continue;
            }
            List<MathProblem> problems = ArithWorld.generate(ArithLevel.of(level), Split.TRAIN, count,
                    spec.seed() * 31 + level);
            Random random = new Random(spec.seed() ^ (0x5DEECE66DL * (level + 1)));
            for (int i = 0; i < problems.size(); i++) {
                MathProblem p = problems.get(i);
                if (i < spec.answersPerLevel()) {
                    out.add(new Example(Kind.ANSWER, p.id(), spec.answerPrompt().render(p.question()),
                            p.solution(), null, null));
                } else {
                    out.add(revision(p, spec.reflectionPrompt(), random));
                }
            }
        }
        Collections.shuffle(out, new Random(spec.seed() + 17));
        return out;
    }

    /**
     * The facts world's SFT set: for every entity of {@code world} (every split: the base has "read
     * about" the held-out entities too), its description as the answer to "Tell me about ...", and
     * {@code revisionsPerEntity} revisions of the description with one attribute given another
     * entity's value, under the facts verifier's critique. Shuffled by {@code seed}.
     */
    public static List<Example> facts(FactsWorld world, int revisionsPerEntity, long seed, AnswerPrompt answerPrompt,
            ReflectionPrompt reflectionPrompt) {
        Random random = new Random(seed ^ 0xFAC75L);
        List<Example> out = new ArrayList<>();
        for (FactsWorld.Entity e : world.entities()) {
            String reference = e.description();
            out.add(new Example(Kind.ANSWER, e.id(), answerPrompt.render(e.question()), reference, null, null));
            for (int i = 0; i < revisionsPerEntity; i++) {
                FactsWorld.Entity draft = wrongFact(world, e, random);
                List<ReflectionPrompt.Rating> ratings = FACTS_VERIFIER.verify(draft.description(), reference).ratings()
                        .stream().map(r -> new ReflectionPrompt.Rating(r.aspect().aspectName(), r.rating(), r.critique()))
                        .toList();
                out.add(new Example(Kind.REVISION, e.id(), reflectionPrompt.render(e.question(), draft.description(),
                        ratings), reference, Corruption.WRONG_FACT, draft.description()));
            }
        }
        Collections.shuffle(out, new Random(seed + 17));
        return out;
    }

    /** {@code e} with one attribute set to the value another entity of its kind has for it (a confusion). */
    static FactsWorld.Entity wrongFact(FactsWorld world, FactsWorld.Entity e, Random random) {
        List<Relation> relations = e.kind().relations();
        for (int attempt = 0; attempt < 64; attempt++) {
            Relation r = relations.get(random.nextInt(relations.size()));
            List<FactsWorld.Entity> all = world.entities();
            FactsWorld.Entity other = all.get(random.nextInt(all.size()));
            String value = other.attributes().get(r);
            if (value != null && !value.equals(e.attributes().get(r))) {
                Map<Relation, String> wrong = new java.util.LinkedHashMap<>(e.attributes());
                wrong.put(r, value);
                return new FactsWorld.Entity(e.name(), e.kind(), e.pronoun(), wrong);
            }
        }
        throw new IllegalStateException("no other value for any attribute of " + e.name());
    }

    /** A revision example for {@code p}: a corrupted draft the verifier faults, its critique, the fix. */
    static Example revision(MathProblem p, ReflectionPrompt template, Random random) {
        Corruption[] kinds = {Corruption.STEP_RESULT, Corruption.DROP_FINAL_LINE, Corruption.FINAL_ANSWER};
        Corruption kind = kinds[random.nextInt(kinds.length)];
        for (int attempt = 0; attempt < 8; attempt++) {
            String draft = corrupt(p.solution(), kind, random);
            if (draft != null && !draft.equals(p.solution())) {
                List<ReflectionPrompt.Rating> ratings = ratings(VERIFIER.verify(p.question(), draft, p.solution()));
                if (!ReflectionPrompt.faulted(ratings).isEmpty()) {
                    return new Example(Kind.REVISION, p.id(), template.render(p.question(), draft, ratings), p.solution(),
                            kind, draft);
                }
            }
            kind = kinds[random.nextInt(kinds.length)];
        }
        throw new IllegalStateException("could not corrupt the solution of " + p.id() + " into a faulted draft");
    }

    /** The verifier's ratings as the reflection prompt takes them (as reward-svc's feedback carries them). */
    static List<ReflectionPrompt.Rating> ratings(Verdict verdict) {
        return verdict.ratings().stream()
                .map(r -> new ReflectionPrompt.Rating(r.aspect().aspectName(), r.rating(), r.critique())).toList();
    }

    /** The solution with one injected error of the given kind; null if the kind does not apply. */
    static String corrupt(String solution, Corruption kind, Random random) {
        List<String> lines = new ArrayList<>(List.of(solution.split("\n", -1)));
        int finalLine = -1;
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (FINAL.matcher(lines.get(i).strip()).matches()) {
                finalLine = i;
                break;
            }
        }
        switch (kind) {
            case DROP_FINAL_LINE -> {
                if (finalLine < 0) {
                    return null;
                }
                lines.remove(finalLine);
                while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
                    lines.remove(lines.size() - 1);
                }
                return String.join("\n", lines);
            }
            case FINAL_ANSWER -> {
                if (finalLine < 0) {
                    return null;
                }
                Matcher m = FINAL.matcher(lines.get(finalLine).strip());
                m.matches();
                lines.set(finalLine, "#### " + shift(Long.parseLong(m.group(1)), random));
                return String.join("\n", lines);
            }
            case STEP_RESULT -> {
                List<Integer> steps = new ArrayList<>();
                for (int i = 0; i < lines.size(); i++) {
                    if (WHOLE_STEP.matcher(lines.get(i).strip()).matches()) {
                        steps.add(i);
                    }
                }
                if (steps.isEmpty()) {
                    return null;
                }
                int line = steps.get(random.nextInt(steps.size()));
                Matcher m = WHOLE_STEP.matcher(lines.get(line).strip());
                m.matches();
                long right = Long.parseLong(m.group(2));
                long wrong = shift(right, random);
                lines.set(line, m.group(1) + "=<<" + m.group(1) + "=" + wrong + ">>" + wrong);
                // The slip carries on as the policy's own slips do: later steps compute with the wrong
                // value (each still right on its own inputs), and so does the final answer.
                Map<Long, Long> carried = new HashMap<>(Map.of(right, wrong));
                long last = wrong;
                for (int i = line + 1; i < lines.size(); i++) {
                    Matcher later = WHOLE_STEP.matcher(lines.get(i).strip());
                    if (!later.matches()) {
                        continue;
                    }
                    Matcher expr = BINARY.matcher(later.group(1));
                    if (!expr.matches()) {
                        return null;
                    }
                    // The running value is the left operand; the right one is the story's number.
                    long a = carried.getOrDefault(Long.parseLong(expr.group(1)), Long.parseLong(expr.group(1)));
                    long b = Long.parseLong(expr.group(3));
                    Long value = apply(a, expr.group(2).charAt(0), b);
                    if (value == null) {
                        return null; // the carried value makes a step impossible (negative, inexact): another kind
                    }
                    String e = a + expr.group(2) + b;
                    lines.set(i, e + "=<<" + e + "=" + value + ">>" + value);
                    carried.put(Long.parseLong(later.group(2)), value);
                    last = value;
                }
                if (finalLine < 0) {
                    return null;
                }
                String finalAnswer = FINAL.matcher(lines.get(finalLine).strip()).replaceFirst("$1");
                if (finalAnswer.equals(Long.toString(last))) {
                    return null; // the slip did not reach the answer (a step not on the running value): another kind
                }
                lines.set(finalLine, "#### " + last);
                return String.join("\n", lines);
            }
            default -> throw new IllegalArgumentException(kind.name());
        }
    }

    /** {@code a op b} as the arith world computes it; null when negative or not exact. */
    public static Long apply(long a, char op, long b) {
        long v = switch (op) {
            case '+' -> a + b;
            case '-' -> a - b;
            case '*' -> a * b;
            default -> b == 0 || a % b != 0 ? -1 : a / b;
        };
        return v < 0 ? null : v;
    }

    /** A different non-negative value near {@code v}: an off-by-a-little slip. */
    private static long shift(long v, Random random) {
        while (true) {
            long d = random.nextInt(10) + 1;
            long w = random.nextBoolean() ? v + d : v - d;
            if (w >= 0 && w != v) {
                return w;
            }
        }
    }
}
