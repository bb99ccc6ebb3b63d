package io.rlrf.loop.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.rlrf.model.Policy;
import io.rlrf.model.generate.SamplingParams;
import io.rlrf.model.score.SequenceScorer.Sequence;
import io.rlrf.model.train.DpoParams;
import io.rlrf.model.train.DpoStats;
import io.rlrf.model.train.DpoTrainer;
import io.rlrf.model.train.OptimizerParams;
import io.rlrf.model.train.PreferenceExample;
import io.rlrf.model.train.PreferenceLoss;
import io.rlrf.model.train.PreferencePair;
import io.rlrf.model.train.ReflectionExample;
import io.rlrf.model.train.ScoredPair;
import io.rlrf.model.train.SftTrainer;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.arith.ArithLevel;
import io.rlrf.tasks.arith.ArithWorld;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The RLRF loop in one process for recipe measurements [research tool, until the loop module runs the
 * product's stages in-process]: sample, judge (verifier), select, reflect, judge, pair, preference
 * update against the frozen starting policy, greedy evaluation on held-out problems, with the
 * mechanism figures per iteration. Modes: {@code base} (evaluate only), {@code reward-only} (n + m
 * samples), {@code rlrf} (n samples + m rewrites), {@code rlrf-novalues} (critiques without right
 * values), {@code sft} (the reference solutions of the same prompts, the upper bound).
 *
 * <p>Usage: {@code Recipe <base-checkpoint> <out-dir> [key=value ...]}; see {@link #DEFAULTS}.
 */
public final class Recipe {

    static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("mode", "rlrf");
        DEFAULTS.put("level", "5");
        DEFAULTS.put("seed", "1");
        DEFAULTS.put("iterations", "1");
        DEFAULTS.put("prompts", "128");
        DEFAULTS.put("eval", "200");
        DEFAULTS.put("n", "4");
        DEFAULTS.put("m", "4");
        DEFAULTS.put("k", "2");
        DEFAULTS.put("temperature", "0.8");
        DEFAULTS.put("reflect-temperature", "0.7");
        DEFAULTS.put("max-new-tokens", "160");
        DEFAULTS.put("objective", "step"); // step | whole
        DEFAULTS.put("beta", "0.1");
        DEFAULTS.put("nll", "1.0");
        DEFAULTS.put("refl", "1.0"); // weight of the reflection NLL on accepted rewrites (rlrf)
        DEFAULTS.put("lr", "3e-4");
        DEFAULTS.put("epochs", "2");
        DEFAULTS.put("batch", "8");
        DEFAULTS.put("rejected", "closest"); // closest | worst
        DEFAULTS.put("delta", "0.25");
        DEFAULTS.put("chosen-correct", "false"); // pairs only where the chosen answer's final answer is right
        DEFAULTS.put("gen-batch", "48");
        DEFAULTS.put("compact", "false"); // critiques without spaces in expressions (the base's training format)
    }

    private final Map<String, String> cfg;
    private final MathVerifier verifier;

    Recipe(Map<String, String> cfg) {
        this.cfg = cfg;
        boolean values = !mode().equals("rlrf-novalues");
        this.verifier = new MathVerifier(VerifierParams.DEFAULTS.withChainedCorrections(true).withCritiqueValues(values)
                .withCompactExpressions(Boolean.parseBoolean(cfg.get("compact"))));
    }

    String mode() {
        return cfg.get("mode");
    }

    int i(String key) {
        return Integer.parseInt(cfg.get(key));
    }

    double d(String key) {
        return Double.parseDouble(cfg.get(key));
    }

    /** A candidate answer to a training prompt. */
    record Candidate(String text, boolean initial, double score, boolean correct, String reflectionPrompt,
            String source, Verdict verdict) {

        boolean faulted() {
            return verdict.score() < 1;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> cfg = new LinkedHashMap<>(DEFAULTS);
        for (int a = 2; a < args.length; a++) {
            int eq = args[a].indexOf('=');
            if (eq < 0 || !DEFAULTS.containsKey(args[a].substring(0, eq))) {
                throw new IllegalArgumentException("unknown setting " + args[a] + "; known: " + DEFAULTS.keySet());
            }
            cfg.put(args[a].substring(0, eq), args[a].substring(eq + 1));
        }
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        System.out.println("recipe " + cfg);
        new Recipe(cfg).run(Path.of(args[0]), out);
    }

    void run(Path base, Path out) throws Exception {
        long seed = i("seed");
        ArithLevel level = ArithLevel.of(i("level"));
        List<MathProblem> test = ArithWorld.generate(level, Split.TEST, i("eval"), 1000 + seed);
        List<Map<String, Object>> rows = new ArrayList<>();
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        try (Policy policy = Policy.load(base)) {
            if (mode().equals("base")) {
                Map<String, Object> row = evaluate(policy, test);
                row.put("iteration", 0);
                rows.add(row);
                print(row);
            }
            for (int t = 1; !mode().equals("base") && t <= i("iterations"); t++) {
                long start = System.nanoTime();
                List<MathProblem> prompts = ArithWorld.generate(level, Split.TRAIN, i("prompts"), seed * 1000 + t);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("iteration", t);
                if (mode().equals("sft")) {
                    trainSft(policy, prompts, row);
                } else {
                    List<List<Candidate>> candidates = collect(policy, prompts, seed * 7919 + t, row);
                    row.put("collect_seconds", (System.nanoTime() - start) / 1e9);
                    trainPreference(policy, prompts, candidates, row);
                    internalisation(policy, prompts, candidates, row);
                }
                row.put("train_seconds", (System.nanoTime() - start) / 1e9);
                row.putAll(evaluate(policy, test));
                row.put("seconds", (System.nanoTime() - start) / 1e9);
                rows.add(row);
                print(row);
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("config", cfg);
        result.put("base", base.toString());
        result.put("rows", rows);
        Files.writeString(out.resolve("result.json"), json.writeValueAsString(result));
    }

    private static void print(Map<String, Object> row) {
        StringBuilder sb = new StringBuilder();
        row.forEach((k, v) -> sb.append(k).append('=').append(v instanceof Double x ? String.format("%.4f", x) : v).append(' '));
        System.out.println(sb.toString().strip());
    }

    // ---- steps 1 to 5 --------------------------------------------------------------------------

    private List<List<Candidate>> collect(Policy policy, List<MathProblem> prompts, long seed, Map<String, Object> row) {
        boolean reflect = mode().startsWith("rlrf");
        int n = i("n");
        int m = i("m");
        int k = i("k");
        int samplesPer = reflect ? n : n + m;
        int maxNew = i("max-new-tokens");
        Sampler sampler = new Sampler(policy, i("gen-batch"));
        List<Sampler.Request> requests = new ArrayList<>();
        for (int p = 0; p < prompts.size(); p++) {
            for (int j = 0; j < samplesPer; j++) {
                requests.add(new Sampler.Request(Arith.answerPrompt(prompts.get(p).question()),
                        SamplingParams.sample(d("temperature"), 0.95, maxNew, seed * 1_000_003L + p * 101L + j)));
            }
        }
        List<String> samples = sampler.generate(requests);
        List<List<Candidate>> all = new ArrayList<>();
        int sampleCorrect = 0;
        int solvedBySamples = 0;
        for (int p = 0; p < prompts.size(); p++) {
            MathProblem prob = prompts.get(p);
            List<Candidate> cs = new ArrayList<>();
            boolean any = false;
            for (int j = 0; j < samplesPer; j++) {
                String s = samples.get(p * samplesPer + j);
                Verdict v = verifier.verify(prob.question(), s, prob.solution());
                boolean ok = v.outcome() == Verdict.Outcome.CORRECT;
                sampleCorrect += ok ? 1 : 0;
                any |= ok;
                cs.add(new Candidate(s, true, v.score(), ok, null, null, v));
            }
            solvedBySamples += any ? 1 : 0;
            all.add(cs);
        }
        row.put("sample_accuracy", (double) sampleCorrect / (prompts.size() * samplesPer));
        row.put("prompts_solved_by_samples", (double) solvedBySamples / prompts.size());
        row.put("sample_fact_accuracy", Probe.lines(samples).factAccuracy());
        if (!reflect) {
            return all;
        }
        // 3. select: the k best faulted samples of each prompt; 4. reflect: m / k rewrites each
        List<Sampler.Request> rewrites = new ArrayList<>();
        List<int[]> owner = new ArrayList<>();
        List<Candidate> sourceOf = new ArrayList<>();
        int refused = 0;
        for (int p = 0; p < prompts.size(); p++) {
            List<Candidate> faulted = all.get(p).stream().filter(Candidate::faulted)
                    .sorted(Comparator.comparingDouble(Candidate::score).reversed()).limit(k).toList();
            for (int s = 0; s < faulted.size(); s++) {
                Candidate src = faulted.get(s);
                String prompt = Arith.reflectionPrompt(prompts.get(p).question(), src.text(), src.verdict());
                if (!sampler.fits(prompt, maxNew)) {
                    refused++;
                    continue;
                }
                for (int r = 0; r < m / k; r++) {
                    rewrites.add(new Sampler.Request(prompt, SamplingParams.sample(d("reflect-temperature"), 0.95, maxNew,
                            seed * 3_000_017L + p * 131L + s * 17L + r)));
                    owner.add(new int[] {p});
                    sourceOf.add(src);
                }
            }
        }
        List<String> rewritten = sampler.generate(rewrites);
        int rewriteCorrect = 0;
        int accepted = 0;
        int items = 0;
        int copied = 0;
        int unchanged = 0;
        for (int r = 0; r < rewritten.size(); r++) {
            int p = owner.get(r)[0];
            MathProblem prob = prompts.get(p);
            Candidate src = sourceOf.get(r);
            String text = rewritten.get(r);
            Verdict v = verifier.verify(prob.question(), text, prob.solution());
            boolean ok = v.outcome() == Verdict.Outcome.CORRECT;
            rewriteCorrect += ok ? 1 : 0;
            accepted += v.score() > src.score() ? 1 : 0;
            unchanged += text.strip().equals(src.text().strip()) ? 1 : 0;
            Probe.Copy c = Probe.copy(Arith.critiques(src.verdict()), text);
            items += c.items();
            copied += c.copied();
            all.get(p).add(new Candidate(text, false, v.score(), ok, rewrites.get(r).prompt(), src.text(), v));
        }
        int yield = 0;
        int solvedAny = 0;
        for (List<Candidate> cs : all) {
            boolean initialOk = cs.stream().anyMatch(c -> c.initial() && c.correct());
            boolean rewriteOk = cs.stream().anyMatch(c -> !c.initial() && c.correct());
            yield += !initialOk && rewriteOk ? 1 : 0;
            solvedAny += initialOk || rewriteOk ? 1 : 0;
        }
        row.put("rewrites", rewritten.size());
        row.put("rewrites_refused_too_long", refused);
        row.put("rewrite_accuracy", rewritten.isEmpty() ? 0.0 : (double) rewriteCorrect / rewritten.size());
        row.put("refine_acceptance", rewritten.isEmpty() ? 0.0 : (double) accepted / rewritten.size());
        row.put("copy_rate", items == 0 ? 0.0 : (double) copied / items);
        row.put("unchanged_rewrites", rewritten.isEmpty() ? 0.0 : (double) unchanged / rewritten.size());
        row.put("reflection_yield", (double) yield / prompts.size());
        row.put("prompts_solved", (double) solvedAny / prompts.size());
        return all;
    }

    // ---- step 6 and the update -------------------------------------------------------------------

    /** Best first: score, then correct, then initial answers before rewrites. */
    private static final Comparator<Candidate> BEST_FIRST = Comparator.comparingDouble(Candidate::score).reversed()
            .thenComparing(Candidate::correct, Comparator.reverseOrder())
            .thenComparing(Candidate::initial, Comparator.reverseOrder());

    private void trainPreference(Policy policy, List<MathProblem> prompts, List<List<Candidate>> candidates,
            Map<String, Object> row) throws Exception {
        PreferenceLoss loss = cfg.get("objective").equals("whole") ? new PreferenceLoss.WholeAnswer()
                : new PreferenceLoss.FirstDivergence(Set.of(policy.requireTokenizer().encode("\n")[0]),
                        PreferenceLoss.Extent.STEP);
        List<PreferencePair> pairs = new ArrayList<>();
        List<ReflectionExample> reflections = new ArrayList<>();
        int chosenRewrites = 0;
        for (int p = 0; p < prompts.size(); p++) {
            List<Candidate> best = candidates.get(p).stream().sorted(BEST_FIRST).toList();
            Candidate chosen = best.get(0);
            if (Boolean.parseBoolean(cfg.get("chosen-correct")) && !chosen.correct()) {
                continue; // no right candidate: nothing worth pulling up (and the NLL term would teach a wrong answer)
            }
            List<Candidate> rejects = best.stream().filter(c -> c.initial() && c != chosen
                    && chosen.score() - c.score() + 1e-12 >= d("delta") && !c.text().equals(chosen.text())).toList();
            if (rejects.isEmpty()) {
                continue;
            }
            Candidate rejected = cfg.get("rejected").equals("worst") ? rejects.get(rejects.size() - 1)
                    : rejects.stream().max(Comparator.comparingInt((Candidate c) -> commonPrefix(c.text(), chosen.text()))
                            .thenComparing(Candidate::score, Comparator.reverseOrder())).orElseThrow();
            int[] prompt = policy.encodePrompt(Arith.answerPrompt(prompts.get(p).question()));
            pairs.add(new PreferencePair(prompt, policy.encodeCompletion(chosen.text()), policy.encodeCompletion(rejected.text())));
            chosenRewrites += chosen.initial() ? 0 : 1;
            // the reflection prompt trained on an accepted rewrite: the chosen one if it is a rewrite, else the best right one
            Candidate rewrite = !chosen.initial() && chosen.correct() ? chosen
                    : best.stream().filter(c -> !c.initial() && c.correct()).findFirst().orElse(null);
            if (rewrite != null && d("refl") > 0) {
                reflections.add(new ReflectionExample(new Sequence(policy.encodePrompt(rewrite.reflectionPrompt()),
                        policy.encodeCompletion(rewrite.text()))));
            }
        }
        row.put("pairs", pairs.size());
        row.put("chosen_rewrites", chosenRewrites);
        row.put("reflection_examples", reflections.size());
        if (pairs.isEmpty()) {
            return;
        }
        List<ScoredPair> scored;
        try (Policy reference = policy.copy()) {
            scored = DpoTrainer.score(reference.model(), pairs, 8, loss);
        }
        List<PreferenceExample> examples = new ArrayList<>(scored);
        examples.addAll(reflections);
        int batch = i("batch") + (reflections.isEmpty() ? 0 : (int) Math.ceil(i("batch") * (double) reflections.size() / pairs.size()));
        int stepsPerEpoch = (examples.size() + batch - 1) / batch;
        int total = Math.max(1, stepsPerEpoch * i("epochs"));
        OptimizerParams opt = OptimizerParams.of(d("lr"), Math.max(0, total / 10), total).withMaxGradNorm(1.0);
        DpoStats last = null;
        double pref = 0;
        double nll = 0;
        double refl = 0;
        double acc = 0;
        double chosenLp = 0;
        int counted = 0;
        try (DpoTrainer dpo = new DpoTrainer(policy.model(), new DpoParams(d("beta"), d("nll"), loss, d("refl")), opt, batch)) {
            Random shuffle = new Random(i("seed") * 31L + 7);
            for (int epoch = 0; epoch < i("epochs"); epoch++) {
                List<PreferenceExample> order = new ArrayList<>(examples);
                Collections.shuffle(order, shuffle);
                pref = nll = refl = acc = chosenLp = 0;
                counted = 0;
                for (int from = 0; from < order.size(); from += batch) {
                    last = dpo.step(order.subList(from, Math.min(order.size(), from + batch)));
                    pref += last.preferenceLoss();
                    nll += last.nllLoss();
                    refl += last.reflectionNll();
                    acc += last.rewardAccuracy();
                    chosenLp += last.chosenLogProb();
                    counted++;
                }
            }
        }
        row.put("steps", total);
        row.put("loss_preference", pref / counted);
        row.put("loss_nll", nll / counted);
        row.put("loss_reflection_nll", refl / counted);
        row.put("loss", last.loss());
        row.put("reward_accuracy", acc / counted);
        row.put("chosen_logprob", chosenLp / counted);
    }

    private static int commonPrefix(String a, String b) {
        int i = 0;
        while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    private void trainSft(Policy policy, List<MathProblem> prompts, Map<String, Object> row) {
        List<Sequence> examples = new ArrayList<>();
        for (MathProblem p : prompts) {
            examples.add(new Sequence(policy.encodePrompt(Arith.answerPrompt(p.question())), policy.encodeCompletion(p.solution())));
        }
        int batch = i("batch");
        int total = Math.max(1, (examples.size() + batch - 1) / batch * i("epochs"));
        double loss = 0;
        try (SftTrainer sft = new SftTrainer(policy.model(), OptimizerParams.of(d("lr"), total / 10, total).withMaxGradNorm(1.0), batch)) {
            Random shuffle = new Random(i("seed") * 31L + 7);
            for (int epoch = 0; epoch < i("epochs"); epoch++) {
                List<Sequence> order = new ArrayList<>(examples);
                Collections.shuffle(order, shuffle);
                for (int from = 0; from < order.size(); from += batch) {
                    loss = sft.step(order.subList(from, Math.min(order.size(), from + batch))).loss();
                }
            }
        }
        row.put("pairs", examples.size());
        row.put("steps", total);
        row.put("loss", loss);
    }

    /**
     * Items fixed by reflection at t (no sample right, a rewrite right) answered right greedily,
     * without feedback, by the policy after the update.
     */
    private void internalisation(Policy policy, List<MathProblem> prompts, List<List<Candidate>> candidates,
            Map<String, Object> row) {
        List<MathProblem> fixed = new ArrayList<>();
        for (int p = 0; p < prompts.size(); p++) {
            List<Candidate> cs = candidates.get(p);
            if (cs.stream().noneMatch(c -> c.initial() && c.correct()) && cs.stream().anyMatch(c -> !c.initial() && c.correct())) {
                fixed.add(prompts.get(p));
            }
        }
        if (fixed.isEmpty()) {
            return;
        }
        List<String> answers = new Sampler(policy, i("gen-batch")).generate(fixed.stream().map(p -> new Sampler.Request(
                Arith.answerPrompt(p.question()), SamplingParams.greedy(i("max-new-tokens")))).toList());
        int right = 0;
        for (int j = 0; j < fixed.size(); j++) {
            right += Arith.isCorrect(answers.get(j), fixed.get(j).finalAnswer()) ? 1 : 0;
        }
        row.put("internalisation", (double) right / fixed.size());
    }

    // ---- evaluation -------------------------------------------------------------------------------

    Map<String, Object> evaluate(Policy policy, List<MathProblem> test) {
        long start = System.nanoTime();
        List<String> answers = new Sampler(policy, i("gen-batch")).generate(test.stream().map(p -> new Sampler.Request(
                Arith.answerPrompt(p.question()), SamplingParams.greedy(i("max-new-tokens")))).toList());
        int correct = 0;
        Set<String> distinct = new HashSet<>();
        Map<String, Integer> refs = new HashMap<>();
        int disagree = 0;
        for (int j = 0; j < test.size(); j++) {
            correct += Arith.isCorrect(answers.get(j), test.get(j).finalAnswer()) ? 1 : 0;
            distinct.add(Arith.finalAnswer(answers.get(j)));
            refs.merge(test.get(j).finalAnswer(), 1, Integer::sum);
            for (String l : answers.get(j).split("\n")) {
                Arith.Line p = Arith.parse(l);
                disagree += p != null && p.stated() != p.visible() ? 1 : 0;
            }
        }
        Probe.Lines lines = Probe.lines(answers);
        Probe.Structure structure = Probe.structure(answers, test.stream().map(MathProblem::solution).toList());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("accuracy", (double) correct / test.size());
        out.put("correct", correct);
        out.put("eval_problems", test.size());
        out.put("constant_baseline", (double) refs.values().stream().max(Integer::compare).orElse(0) / test.size());
        out.put("fact_accuracy", lines.factAccuracy());
        out.put("expression_accuracy", structure.expressionAccuracy());
        out.put("exact_step_accuracy", structure.exactAccuracy());
        out.put("distinct_answers", distinct.size());
        out.put("annotation_value_disagree", disagree);
        out.put("malformed_lines", lines.malformed());
        out.put("eval_seconds", (System.nanoTime() - start) / 1e9);
        // per-problem correctness, for paired comparisons across modes
        StringBuilder bits = new StringBuilder();
        for (int j = 0; j < test.size(); j++) {
            bits.append(Arith.isCorrect(answers.get(j), test.get(j).finalAnswer()) ? '1' : '0');
        }
        out.put("per_problem", bits.toString());
        return out;
    }
}
