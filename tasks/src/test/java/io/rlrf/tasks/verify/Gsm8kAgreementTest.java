package io.rlrf.tasks.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.rlrf.tasks.FinalAnswer;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.datasets.DatasetsRoot;
import io.rlrf.tasks.datasets.Gsm8k;

/**
 * The verifier against the real GSM8K train set ({@code ../shared/datasets/gsm8k/train.jsonl}, all
 * 7473 reference solutions): it must agree with the references (logical correctness 3 on at least
 * 99%, every disagreement printed with its reason), and it must catch a corrupted step (one
 * annotation's result changed at random, in the annotation and in the text after it): the critique
 * names the changed line in at least 95% of the cases and the logical-robustness rating drops.
 */
class Gsm8kAgreementTest {

    private static final Pattern ANNOTATION = Pattern.compile("<<([^<>=]*)=([^<>]*)>>(\\S*)");

    private static List<MathProblem> train;
    private final MathVerifier verifier = new MathVerifier(VerifierParams.DEFAULTS);

    @BeforeAll
    static void load() {
        train = Gsm8k.load(DatasetsRoot.resolve(), Split.TRAIN);
    }

    @Test
    void referenceSolutionsRateLogicalCorrectness3OnAtLeast99Percent() {
        assertEquals(7473, train.size());
        int agree = 0;
        int[] robustness = new int[4];
        List<String> failures = new ArrayList<>();
        for (MathProblem p : train) {
            Verdict v = verifier.verify(p.question(), p.solution(), p.solution());
            Verdict.Rating lc = v.rating(VerifierAspect.LOGICAL_CORRECTNESS).orElseThrow();
            robustness[v.rating(VerifierAspect.LOGICAL_ROBUSTNESS).orElseThrow().rating()]++;
            if (lc.rating() == 3) {
                agree++;
            } else {
                failures.add(p.id() + ": logical_correctness " + lc.rating() + ": " + lc.critique());
            }
        }
        double share = agree / (double) train.size();
        System.out.printf("GSM8K train: logical_correctness 3 on %d of %d reference solutions (%.2f%%)%n", agree,
                train.size(), 100 * share);
        System.out.printf("GSM8K train: logical_robustness ratings 1/2/3 = %d/%d/%d%n", robustness[1], robustness[2],
                robustness[3]);
        failures.forEach(f -> System.out.println("  disagreement " + f));
        assertTrue(share >= 0.99, "agreement " + share + " below 0.99");
    }

    @Test
    void aChangedStepIsNamedByLineInAtLeast95PercentAndTheRatingDrops() {
        Random random = new Random(20240321L);
        int mutated = 0;
        int named = 0;
        int dropped = 0;
        int skipped = 0;
        List<String> misses = new ArrayList<>();
        for (MathProblem p : train) {
            Optional<Mutation> mutation = mutate(p.solution(), random);
            if (mutation.isEmpty()) {
                skipped++;
                continue;
            }
            mutated++;
            Mutation m = mutation.get();
            Verdict original = verifier.verify(p.question(), p.solution(), p.solution());
            Verdict changed = verifier.verify(p.question(), m.text(), p.solution());
            String critique = changed.rating(VerifierAspect.LOGICAL_ROBUSTNESS).orElseThrow().critique();
            boolean isNamed = critique.lines().anyMatch(l -> l.startsWith("line " + m.line() + ":"));
            boolean isDropped = changed.rating(VerifierAspect.LOGICAL_ROBUSTNESS).orElseThrow().rating()
                    < original.rating(VerifierAspect.LOGICAL_ROBUSTNESS).orElseThrow().rating();
            named += isNamed ? 1 : 0;
            dropped += isDropped ? 1 : 0;
            if (!isNamed || !isDropped) {
                misses.add(p.id() + " line " + m.line() + " (" + m.description() + "): named=" + isNamed + " dropped="
                        + isDropped + " critique=" + critique.replace('\n', '|'));
            }
        }
        System.out.printf("GSM8K train mutations: %d solutions changed (%d without annotations skipped); "
                + "changed line named in %d (%.2f%%), robustness rating dropped in %d (%.2f%%)%n", mutated, skipped,
                named, 100.0 * named / mutated, dropped, 100.0 * dropped / mutated);
        misses.stream().limit(40).forEach(mi -> System.out.println("  miss " + mi));
        assertTrue(named >= 0.95 * mutated, "named " + named + " of " + mutated);
        assertTrue(dropped >= 0.95 * mutated, "dropped " + dropped + " of " + mutated);
    }

    record Mutation(String text, int line, String description) {
    }

    /** Changes the result of one random annotation, in the annotation and in the value written after it. */
    static Optional<Mutation> mutate(String solution, Random random) {
        String[] lines = solution.split("\n", -1);
        List<int[]> sites = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            Matcher m = ANNOTATION.matcher(lines[i]);
            int k = 0;
            while (m.find()) {
                sites.add(new int[] {i, k++});
            }
        }
        if (sites.isEmpty()) {
            return Optional.empty();
        }
        int[] site = sites.get(random.nextInt(sites.size()));
        Matcher m = ANNOTATION.matcher(lines[site[0]]);
        for (int k = 0; k <= site[1]; k++) {
            m.find();
        }
        BigDecimal value = FinalAnswer.parseNumber(m.group(2)).orElseThrow();
        int delta = (1 + random.nextInt(9)) * (random.nextBoolean() ? 1 : -1);
        BigDecimal changed = value.add(BigDecimal.valueOf(delta));
        String newValue = FinalAnswer.format(changed);
        String visible = m.group(3);
        String newVisible = visible;
        Optional<BigDecimal> shown = visible.isEmpty() ? Optional.empty() : FinalAnswer.parseNumber(visible.replaceAll("[^0-9.,$-]+$", ""));
        if (shown.isPresent() && shown.get().compareTo(value) == 0) {
            String trailing = visible.replaceAll("^[0-9.,$-]+", "");
            newVisible = (visible.startsWith("$") ? "$" : "") + newValue + trailing;
        }
        String line = lines[site[0]];
        lines[site[0]] = line.substring(0, m.start()) + "<<" + m.group(1) + "=" + newValue + ">>" + newVisible
                + line.substring(m.end());
        return Optional.of(new Mutation(String.join("\n", lines), site[0] + 1, m.group(2) + " -> " + newValue));
    }
}
