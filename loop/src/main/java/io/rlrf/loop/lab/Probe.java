package io.rlrf.loop.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.rlrf.loop.bootstrap.SolutionLine;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.SamplingParams;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.arith.ArithLevel;
import io.rlrf.tasks.arith.ArithWorld;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The base probe: what a policy can do on the arith world, and whether reflection can beat sampling
 * with it. For any checkpoint it measures, on held-out problems:
 * <ul>
 * <li>greedy accuracy beside the constant-answer baseline (the most common reference answer's
 *     share), distinct final answers, and per-line arithmetic fact accuracy (a line's result right on
 *     its own inputs);</li>
 * <li>with n samples per prompt: sample accuracy and fact accuracy, pass@n;</li>
 * <li>on the prompts no sample solves: m rewrites of the k best faulted samples given the
 *     verifier's critiques, against m extra samples. Reports the share of those prompts that one
 *     rewrite fixes, that any of the m rewrites fixes, that any of m extra samples fixes; rewrite
 *     accuracy; copy rate (a critique item's right value stated on its line by the rewrite);
 *     unchanged rewrites.</li>
 * </ul>
 * Usage: {@code Probe <checkpoint> [key=value ...]} (see {@link Spec#parse}); prints the figures and
 * writes them as JSON when {@code out=} is given.
 */
public final class Probe {

    /**
     * @param level       arith level
     * @param problems    held-out problems (test split)
     * @param seed        problem draw and sampling seed
     * @param n           samples per prompt
     * @param k           faulted samples reflected on per unsolved prompt
     * @param m           rewrites per unsolved prompt (m / k per sample) and extra samples
     * @param reflectOn   most unsolved prompts reflected on (cost bound)
     * @param chained     chained corrections in the critiques
     * @param values      critiques state the right values
     * @param compact     critiques write expressions without spaces, as the answers do
     * @param lines       critiques are the corrected lines ({@link VerifierParams#correctedLines()})
     * @param refSteps    a wrong answer's step lines are compared with the reference's
     *                    ({@link VerifierParams#referenceSteps()})
     */
    public record Spec(int level, int problems, long seed, int n, int k, int m, int reflectOn, boolean chained,
            boolean values, double temperature, double reflectTemperature, int maxNewTokens, int batch, boolean compact,
            boolean lines, boolean refSteps) {

        public static Spec defaults() {
            return new Spec(5, 500, 1, 8, 2, 8, 200, true, true, 0.8, 0.7, 160, 64, false, false, false);
        }

        public static Spec parse(List<String> args) {
            Spec s = defaults();
            Map<String, String> kv = new HashMap<>();
            for (String a : args) {
                int eq = a.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("expected key=value, got " + a);
                }
                kv.put(a.substring(0, eq), a.substring(eq + 1));
            }
            return new Spec(Integer.parseInt(kv.getOrDefault("level", "" + s.level)),
                    Integer.parseInt(kv.getOrDefault("problems", "" + s.problems)),
                    Long.parseLong(kv.getOrDefault("seed", "" + s.seed)), Integer.parseInt(kv.getOrDefault("n", "" + s.n)),
                    Integer.parseInt(kv.getOrDefault("k", "" + s.k)), Integer.parseInt(kv.getOrDefault("m", "" + s.m)),
                    Integer.parseInt(kv.getOrDefault("reflect-on", "" + s.reflectOn)),
                    Boolean.parseBoolean(kv.getOrDefault("chained", "" + s.chained)),
                    Boolean.parseBoolean(kv.getOrDefault("values", "" + s.values)),
                    Double.parseDouble(kv.getOrDefault("temperature", "" + s.temperature)),
                    Double.parseDouble(kv.getOrDefault("reflect-temperature", "" + s.reflectTemperature)),
                    Integer.parseInt(kv.getOrDefault("max-new-tokens", "" + s.maxNewTokens)),
                    Integer.parseInt(kv.getOrDefault("batch", "" + s.batch)),
                    Boolean.parseBoolean(kv.getOrDefault("compact", "" + s.compact)),
                    Boolean.parseBoolean(kv.getOrDefault("lines", "" + s.lines)),
                    Boolean.parseBoolean(kv.getOrDefault("refsteps", "" + s.refSteps)));
        }

        VerifierParams verifier() {
            return VerifierParams.DEFAULTS.withChainedCorrections(chained).withCritiqueValues(values)
                    .withCompactExpressions(compact).withCorrectedLines(lines).withReferenceSteps(refSteps);
        }
    }

    /** Line-level figures of a set of answers. */
    public record Lines(int lines, int factsRight, int malformed) {
        public double factAccuracy() {
            return lines == 0 ? 0 : (double) factsRight / lines;
        }
    }

    public static Lines lines(List<String> answers) {
        int lines = 0;
        int right = 0;
        int malformed = 0;
        for (String a : answers) {
            for (String l : a.split("\n")) {
                if (l.isBlank() || l.strip().startsWith("####")) {
                    continue;
                }
                SolutionLine p = SolutionLine.parse(l);
                if (p == null) {
                    malformed++;
                    continue;
                }
                lines++;
                right += p.factRight() ? 1 : 0;
            }
        }
        return new Lines(lines, right, malformed);
    }

    /**
     * Answers against their references, step by step at the same position: the share of reference
     * steps whose expression the answer wrote ({@code a op b}, result aside: it read the story and
     * carried the running value right) and the share it wrote exactly (result included).
     */
    public record Structure(int steps, int expressions, int exact) {
        public double expressionAccuracy() {
            return steps == 0 ? 0 : (double) expressions / steps;
        }

        public double exactAccuracy() {
            return steps == 0 ? 0 : (double) exact / steps;
        }
    }

    public static Structure structure(List<String> answers, List<String> references) {
        int steps = 0;
        int expressions = 0;
        int exact = 0;
        for (int i = 0; i < answers.size(); i++) {
            String[] ref = references.get(i).split("\n");
            String[] got = answers.get(i).split("\n");
            for (int j = 0; j < ref.length - 1; j++) {
                steps++;
                SolutionLine r = SolutionLine.parse(ref[j]);
                SolutionLine g = j < got.length ? SolutionLine.parse(got[j]) : null;
                if (r != null && g != null && r.a() == g.a() && r.op() == g.op() && r.b() == g.b()) {
                    expressions++;
                    exact += g.stated() == r.stated() && g.visible() == r.visible() ? 1 : 0;
                }
            }
        }
        return new Structure(steps, expressions, exact);
    }

    /** Copy figures of rewrites: items with a right value, and how many the rewrite stated on their line. */
    public record Copy(int items, int copied) {
        public double rate() {
            return items == 0 ? 0 : (double) copied / items;
        }

        Copy plus(Copy o) {
            return new Copy(items + o.items, copied + o.copied);
        }
    }

    /** Whether {@code rewrite} states each valued critique item's right value on the item's line. */
    public static Copy copy(String critiques, String rewrite) {
        CopySplit s = copy(critiques, rewrite, "");
        return s.sameExpression().plus(s.newExpression());
    }

    /**
     * Copy figures split by whether the draft's line already has the item's expression with another
     * value ({@code sameExpression}: the draft's wrong {@code 12+12=23} and the critique's
     * {@code 12+12=24} share the characters before the value, so copying by matching them is
     * ambiguous) or not ({@code newExpression}: a chained correction's {@code 19*3=57} where the draft
     * has {@code 18*3=54}; the characters before the right value occur only in the critique). The
     * keyed figures count only the items whose line the rewrite wrote with the item's expression: having
     * written {@code 12+12=<<12+12=}, did it go on with the critique's value (the copy step alone)?
     */
    public record CopySplit(Copy sameExpression, Copy newExpression, Copy sameKeyed, Copy newKeyed) {

        public CopySplit(Copy sameExpression, Copy newExpression) {
            this(sameExpression, newExpression, new Copy(0, 0), new Copy(0, 0));
        }

        CopySplit plus(CopySplit o) {
            return new CopySplit(sameExpression.plus(o.sameExpression), newExpression.plus(o.newExpression),
                    sameKeyed.plus(o.sameKeyed), newKeyed.plus(o.newKeyed));
        }
    }

    public static CopySplit copy(String critiques, String rewrite, String source) {
        String[] lines = rewrite.split("\n");
        String[] drafted = source.split("\n");
        Copy none = new Copy(0, 0);
        CopySplit out = new CopySplit(none, none);
        for (Arith.Item item : Arith.items(critiques)) {
            int line = item.line();
            boolean copied = false;
            boolean keyed = false;
            if (line >= 1 && line <= lines.length) {
                SolutionLine p = SolutionLine.parse(lines[line - 1]);
                copied = p != null && p.stated() == item.value() && p.visible() == item.value();
                keyed = p != null && p.sameExpr() && (p.a() + "" + p.op() + p.b()).equals(item.expression());
            }
            SolutionLine d = line >= 1 && line <= drafted.length ? SolutionLine.parse(drafted[line - 1]) : null;
            boolean sameExpr = d != null && (d.a() + "" + d.op() + d.b()).equals(item.expression());
            Copy one = new Copy(1, copied ? 1 : 0);
            Copy ifKeyed = keyed ? one : none;
            out = out.plus(sameExpr ? new CopySplit(one, none, ifKeyed, none) : new CopySplit(none, one, none, ifKeyed));
        }
        return out;
    }

    private record Judged(String answer, Verdict verdict) {
    }

    public static Map<String, Object> run(Policy policy, Spec spec) {
        long start = System.nanoTime();
        MathVerifier verifier = new MathVerifier(spec.verifier());
        List<MathProblem> problems = ArithWorld.generate(ArithLevel.of(spec.level()), Split.TEST, spec.problems(), spec.seed());
        Sampler sampler = new Sampler(policy, spec.batch());
        List<String> stop = List.of();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("spec", spec);
        out.put("parameters", policy.config().parameterCount());

        // 1. greedy
        List<Sampler.Request> greedy = problems.stream().map(p -> new Sampler.Request(Arith.answerPrompt(p.question()),
                SamplingParams.greedy(spec.maxNewTokens()))).toList();
        List<String> answers = sampler.generate(greedy);
        int correct = 0;
        Map<String, Integer> refCounts = new HashMap<>();
        Set<String> distinct = new HashSet<>();
        for (int i = 0; i < problems.size(); i++) {
            correct += Arith.isCorrect(answers.get(i), problems.get(i).finalAnswer()) ? 1 : 0;
            refCounts.merge(problems.get(i).finalAnswer(), 1, Integer::sum);
            distinct.add(Arith.finalAnswer(answers.get(i)));
        }
        int constant = refCounts.values().stream().max(Integer::compare).orElse(0);
        Lines gl = lines(answers);
        Structure gs = structure(answers, problems.stream().map(MathProblem::solution).toList());
        out.put("greedy_expression_accuracy", gs.expressionAccuracy());
        out.put("greedy_exact_step_accuracy", gs.exactAccuracy());
        out.put("greedy_accuracy", (double) correct / problems.size());
        out.put("constant_answer_baseline", (double) constant / problems.size());
        out.put("distinct_final_answers", distinct.size());
        out.put("distinct_reference_answers", refCounts.size());
        out.put("greedy_fact_accuracy", gl.factAccuracy());
        out.put("greedy_malformed_lines", gl.malformed());
        out.put("greedy_seconds", (System.nanoTime() - start) / 1e9);
        System.out.printf("greedy: accuracy %.3f (constant-answer baseline %.3f), %d distinct answers (references %d), "
                + "fact accuracy %.3f over %d lines, %d malformed, steps whose expression matches the reference %.3f "
                + "(exactly %.3f); %.0f s%n", (double) correct / problems.size(),
                (double) constant / problems.size(), distinct.size(), refCounts.size(), gl.factAccuracy(), gl.lines(),
                gl.malformed(), gs.expressionAccuracy(), gs.exactAccuracy(), (System.nanoTime() - start) / 1e9);
        if (spec.n() == 0) {
            return out;
        }

        // 2. n samples per prompt
        long t2 = System.nanoTime();
        List<Sampler.Request> sampling = new ArrayList<>();
        for (int i = 0; i < problems.size(); i++) {
            for (int j = 0; j < spec.n() + spec.m(); j++) {
                sampling.add(new Sampler.Request(Arith.answerPrompt(problems.get(i).question()),
                        SamplingParams.sample(spec.temperature(), 0.95, spec.maxNewTokens(), spec.seed() * 1_000_003L + i * 97L + j)));
            }
        }
        List<String> samples = sampler.generate(sampling);
        int per = spec.n() + spec.m();
        int sampleCorrect = 0;
        int solved = 0;
        List<Integer> unsolved = new ArrayList<>();
        List<String> firstN = new ArrayList<>();
        for (int i = 0; i < problems.size(); i++) {
            boolean any = false;
            for (int j = 0; j < spec.n(); j++) {
                String s = samples.get(i * per + j);
                firstN.add(s);
                boolean ok = Arith.isCorrect(s, problems.get(i).finalAnswer());
                sampleCorrect += ok ? 1 : 0;
                any |= ok;
            }
            solved += any ? 1 : 0;
            if (!any) {
                unsolved.add(i);
            }
        }
        Lines sl = lines(firstN);
        out.put("sample_accuracy", (double) sampleCorrect / (problems.size() * spec.n()));
        out.put("sample_fact_accuracy", sl.factAccuracy());
        out.put("pass_at_n", (double) solved / problems.size());
        out.put("unsolved_share", (double) unsolved.size() / problems.size());
        System.out.printf("samples (n=%d, T=%.1f): accuracy %.3f, fact accuracy %.3f, pass@n %.3f, unsolved %.3f; %.0f s%n",
                spec.n(), spec.temperature(), (double) sampleCorrect / (problems.size() * spec.n()), sl.factAccuracy(),
                (double) solved / problems.size(), (double) unsolved.size() / problems.size(), (System.nanoTime() - t2) / 1e9);

        // 3. on unsolved prompts: m rewrites of the k best faulted samples, against m extra samples
        long t3 = System.nanoTime();
        List<Integer> reflectOn = unsolved.subList(0, Math.min(unsolved.size(), spec.reflectOn()));
        List<Sampler.Request> rewrites = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        List<String> critiqueOf = new ArrayList<>();
        List<Integer> promptOf = new ArrayList<>();
        int extraFixed = 0;
        int tooLong = 0;
        for (int i : reflectOn) {
            MathProblem p = problems.get(i);
            List<Judged> faulted = new ArrayList<>();
            for (int j = 0; j < spec.n(); j++) {
                String s = samples.get(i * per + j);
                faulted.add(new Judged(s, verifier.verify(p.question(), s, p.solution())));
            }
            faulted.sort(Comparator.comparingDouble((Judged f) -> -f.verdict().score()));
            for (int r = 0; r < spec.m(); r++) {
                Judged src = faulted.get((r * spec.k() / spec.m()) % Math.min(spec.k(), faulted.size()));
                String reflection = Arith.reflectionPrompt(p.question(), src.answer(), src.verdict());
                if (!sampler.fits(reflection, spec.maxNewTokens())) {
                    tooLong++;
                    continue; // as reflector-svc refuses an over-long item
                }
                rewrites.add(new Sampler.Request(reflection, SamplingParams.sample(spec.reflectTemperature(), 0.95,
                        spec.maxNewTokens(), spec.seed() * 7_000_003L + i * 131L + r)));
                sources.add(src.answer());
                critiqueOf.add(Arith.critiques(src.verdict()));
                promptOf.add(i);
            }
            boolean extra = false;
            for (int j = spec.n(); j < per; j++) {
                extra |= Arith.isCorrect(samples.get(i * per + j), p.finalAnswer());
            }
            extraFixed += extra ? 1 : 0;
        }
        List<String> rewritten = sampler.generate(rewrites);
        int rewriteCorrect = 0;
        int unchanged = 0;
        int items = 0;
        int copied = 0;
        CopySplit split = new CopySplit(new Copy(0, 0), new Copy(0, 0));
        Map<Integer, Boolean> anyFixed = new HashMap<>();
        Map<Integer, Boolean> firstFixed = new HashMap<>();
        for (int r = 0; r < rewritten.size(); r++) {
            int i = promptOf.get(r);
            boolean ok = Arith.isCorrect(rewritten.get(r), problems.get(i).finalAnswer());
            rewriteCorrect += ok ? 1 : 0;
            unchanged += rewritten.get(r).strip().equals(sources.get(r).strip()) ? 1 : 0;
            CopySplit one = copy(critiqueOf.get(r), rewritten.get(r), sources.get(r));
            Copy c = one.sameExpression().plus(one.newExpression());
            split = split.plus(one);
            items += c.items();
            copied += c.copied();
            anyFixed.merge(i, ok, Boolean::logicalOr);
            firstFixed.putIfAbsent(i, ok);
        }
        int denominator = Math.max(1, reflectOn.size());
        long fixedAny = anyFixed.values().stream().filter(b -> b).count();
        long fixedFirst = firstFixed.values().stream().filter(b -> b).count();
        out.put("reflected_prompts", reflectOn.size());
        out.put("rewrites_refused_too_long", tooLong);
        out.put("unsolved_fixed_by_one_rewrite", (double) fixedFirst / denominator);
        out.put("unsolved_fixed_by_m_rewrites", (double) fixedAny / denominator);
        out.put("unsolved_fixed_by_m_extra_samples", (double) extraFixed / denominator);
        out.put("rewrite_accuracy", rewritten.isEmpty() ? 0 : (double) rewriteCorrect / rewritten.size());
        out.put("copy_rate", items == 0 ? 0 : (double) copied / items);
        out.put("copy_items", items);
        out.put("copy_rate_same_expression", split.sameExpression().rate());
        out.put("copy_items_same_expression", split.sameExpression().items());
        out.put("copy_rate_new_expression", split.newExpression().rate());
        out.put("copy_items_new_expression", split.newExpression().items());
        out.put("copy_rate_keyed_same_expression", split.sameKeyed().rate());
        out.put("copy_items_keyed_same_expression", split.sameKeyed().items());
        out.put("copy_rate_keyed_new_expression", split.newKeyed().rate());
        out.put("copy_items_keyed_new_expression", split.newKeyed().items());
        out.put("unchanged_rewrites", rewritten.isEmpty() ? 0 : (double) unchanged / rewritten.size());
        out.put("rewrite_fact_accuracy", lines(rewritten).factAccuracy());
        out.put("seconds", (System.nanoTime() - start) / 1e9);
        System.out.printf("reflection on %d unsolved prompts (m=%d, k=%d): fixed by one rewrite %.3f, by any of m rewrites %.3f, "
                + "by m extra samples %.3f; rewrite accuracy %.3f, copy rate %.3f (%d items), unchanged %.3f; %.0f s%n",
                reflectOn.size(), spec.m(), spec.k(), (double) fixedFirst / denominator, (double) fixedAny / denominator,
                (double) extraFixed / denominator, rewritten.isEmpty() ? 0 : (double) rewriteCorrect / rewritten.size(),
                items == 0 ? 0 : (double) copied / items, items, rewritten.isEmpty() ? 0 : (double) unchanged / rewritten.size(),
                (System.nanoTime() - t3) / 1e9);
        System.out.printf("copy rate where the draft's line has the critique's expression %.3f (%d items; %.3f of the %d "
                + "the rewrite wrote with that expression), where it does not %.3f (%d items; %.3f of %d)%n",
                split.sameExpression().rate(), split.sameExpression().items(), split.sameKeyed().rate(),
                split.sameKeyed().items(), split.newExpression().rate(), split.newExpression().items(),
                split.newKeyed().rate(), split.newKeyed().items());
        if (!rewritten.isEmpty()) {
            System.out.println("example rewrite prompt:\n" + rewrites.get(0).prompt() + rewritten.get(0));
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Probe <checkpoint> [level=5 problems=500 seed=1 n=8 k=2 m=8 reflect-on=200 chained=true "
                    + "values=true temperature=0.8 reflect-temperature=0.7 max-new-tokens=160 batch=64 compact=false lines=false "
                    + "out=probe.json]");
            System.exit(2);
        }
        List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
        String outFile = null;
        for (String a : List.copyOf(rest)) {
            if (a.startsWith("out=")) {
                outFile = a.substring(4);
                rest.remove(a);
            }
        }
        Spec spec = Spec.parse(rest);
        try (Policy policy = Policy.load(Path.of(args[0]))) {
            Map<String, Object> figures = run(policy, spec);
            if (outFile != null) {
                Files.writeString(Path.of(outFile), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(figures));
            }
        }
    }
}
