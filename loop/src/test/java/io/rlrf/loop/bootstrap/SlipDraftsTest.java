package io.rlrf.loop.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.rlrf.loop.lab.Arith;
import io.rlrf.loop.lab.Probe;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.arith.ArithLevel;
import io.rlrf.tasks.arith.ArithWorld;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierParams;

/** Slipped drafts, and chained critiques that make the fix reachable by copying. */
class SlipDraftsTest {

    private static final Pattern ITEM = Pattern.compile("line (\\d+): .*; ([^;]+?) ?= ?(\\d+)$");

    /** The rewrite a perfect copier writes: each critiqued line replaced by the critique's right line. */
    static String copyFix(String draft, String critiques) {
        String[] lines = draft.split("\n");
        for (String item : critiques.split("\n")) {
            String s = item.contains("): ") ? item.substring(item.indexOf("): ") + 3) : item;
            Matcher m = ITEM.matcher(s.strip());
            if (m.find()) {
                String expr = m.group(2).replace(" ", "");
                lines[Integer.parseInt(m.group(1)) - 1] = expr + "=<<" + expr + "=" + m.group(3) + ">>" + m.group(3);
            }
        }
        String last = lines[lines.length - 2];
        lines[lines.length - 1] = "#### " + last.substring(last.lastIndexOf(">>") + 2);
        return String.join("\n", lines);
    }

    @Test
    void copyingTheChainedCritiquesValuesGivesTheReference() {
        MathVerifier chained = new MathVerifier(VerifierParams.DEFAULTS.withChainedCorrections(true));
        MathVerifier compact = new MathVerifier(VerifierParams.DEFAULTS.withChainedCorrections(true).withCompactExpressions(true));
        MathVerifier plain = new MathVerifier(VerifierParams.DEFAULTS);
        Random random = new Random(3);
        int drafts = 0;
        int plainFixed = 0;
        for (MathProblem p : ArithWorld.generate(ArithLevel.L5, Split.TRAIN, 300, 2)) {
            String draft = SlipDrafts.draft(p.solution(), 0.4, random);
            if (draft == null) {
                continue;
            }
            drafts++;
            assertNotEquals(p.solution(), draft);
            Verdict v = chained.verify(p.question(), draft, p.solution());
            assertTrue(v.score() < 1.0, draft);
            assertEquals(p.solution(), copyFix(draft, Arith.critiques(v)), "draft:\n" + draft + "\ncritiques:\n"
                    + Arith.critiques(v));
            assertEquals(p.solution(), copyFix(draft, Arith.critiques(compact.verify(p.question(), draft, p.solution()))));
            String unchained = copyFix(draft, Arith.critiques(plain.verify(p.question(), draft, p.solution())));
            plainFixed += unchained.equals(p.solution()) ? 1 : 0;
        }
        assertTrue(drafts >= 250, drafts + " drafts");
        System.out.printf("copying the critiques' values fixes %d of %d drafts with chained corrections, %d without%n",
                drafts, drafts, plainFixed);
        assertTrue(plainFixed < drafts / 2, "without chaining most multi-step drafts stay wrong: " + plainFixed);
    }

    /** The rewrite a perfect copier writes under reference-step critiques: each named line set to the critique's. */
    static String referenceFix(String draft, String critiques) {
        java.util.List<String> lines = new java.util.ArrayList<>(java.util.List.of(draft.split("\n")));
        lines.remove(lines.size() - 1); // the final line, written again below
        Matcher m = Pattern.compile("line (\\d+) should be (\\S+)").matcher(critiques);
        java.util.TreeMap<Integer, String> fixes = new java.util.TreeMap<>();
        while (m.find()) {
            fixes.put(Integer.parseInt(m.group(1)), m.group(2));
        }
        Matcher extra = Pattern.compile("line (\\d+) is not a step").matcher(critiques);
        java.util.Set<Integer> drop = new java.util.TreeSet<>(java.util.Comparator.reverseOrder());
        while (extra.find()) {
            drop.add(Integer.parseInt(extra.group(1)));
        }
        fixes.forEach((line, text) -> {
            if (line <= lines.size()) {
                lines.set(line - 1, text);
            } else {
                lines.add(text);
            }
        });
        drop.forEach(line -> lines.remove(line - 1));
        String last = lines.get(lines.size() - 1);
        return String.join("\n", lines) + "\n#### " + last.substring(last.lastIndexOf(">>") + 2);
    }

    @Test
    void structuralSlipsAreFixedByCopyingReferenceStepCritiquesAndShareZeroDrawsAsBefore() {
        MathVerifier served = new MathVerifier(VerifierParams.SERVED.withReferenceSteps(true));
        MathVerifier arithmeticOnly = new MathVerifier(VerifierParams.SERVED.withReferenceSteps(false));
        int drafts = 0;
        int structural = 0;
        int namedByArithmetic = 0;
        Random random = new Random(5);
        for (MathProblem p : ArithWorld.generate(ArithLevel.L5, Split.TRAIN, 300, 4)) {
            // share 0 draws exactly what the three-argument form draws
            assertEquals(SlipDrafts.draft(p.solution(), 0.4, new Random(p.hashCode())),
                    SlipDrafts.draft(p.solution(), 0.4, 0, new Random(p.hashCode())));
            String draft = SlipDrafts.draft(p.solution(), 0.4, 1.0, random);
            if (draft == null) {
                continue;
            }
            drafts++;
            boolean allFactsRight = draft.lines().filter(l -> !l.startsWith("####")).map(SolutionLine::parse)
                    .allMatch(l -> l != null && l.factRight());
            assertTrue(allFactsRight, "every slip is of the step, its result right as written:\n" + draft);
            Verdict v = served.verify(p.question(), draft, p.solution());
            if (v.outcome() == Verdict.Outcome.CORRECT) {
                continue; // e.g. a left-out "+ 0"-like step that changes nothing
            }
            structural++;
            assertEquals(p.solution(), referenceFix(draft, Arith.critiques(v)), "draft:\n" + draft + "\ncritiques:\n"
                    + Arith.critiques(v));
            namedByArithmetic += Arith.critiques(arithmeticOnly.verify(p.question(), draft, p.solution())).contains("should be")
                    ? 1 : 0;
        }
        assertTrue(structural >= 250, structural + " wrong drafts of " + drafts);
        assertEquals(0, namedByArithmetic, "arithmetic checks alone name none of these steps");
    }

    @Test
    void aDraftCarriesItsSlipsThroughEveryLaterLine() {
        String reference = "12+7=<<12+7=19>>19\n19*3=<<19*3=57>>57\n57-4=<<57-4=53>>53\n#### 53";
        String draft = SlipDrafts.draft(reference, 0.0, new Random(1)); // exactly one forced slip
        assertNotNull(draft);
        String[] lines = draft.split("\n");
        long running = -1;
        int slips = 0;
        for (int i = 0; i < lines.length - 1; i++) {
            SolutionLine l = SolutionLine.parse(lines[i]);
            assertNotNull(l, lines[i]);
            if (i > 0) {
                assertEquals(running, l.a(), "line " + (i + 1) + " computes with the stated running value");
            }
            slips += l.factRight() ? 0 : 1;
            running = l.stated();
        }
        assertEquals(1, slips, draft);
        assertEquals("#### " + running, lines[lines.length - 1]);
    }

    @Test
    void theCopyRateCountsCritiqueValuesStatedOnTheirLines() {
        String critiques = "- logical_robustness (rating 1/3): line 1: 12 + 7 = 18 is wrong; 12 + 7 = 19\n"
                + "line 2: 18 * 3 = 54 uses the wrong 18 from line 1; 19 * 3 = 57";
        assertEquals(new Probe.Copy(2, 2), Probe.copy(critiques, "12+7=<<12+7=19>>19\n19*3=<<19*3=57>>57\n#### 57"));
        assertEquals(new Probe.Copy(2, 1), Probe.copy(critiques, "12+7=<<12+7=19>>19\n19*3=<<19*3=56>>56\n#### 56"));
        assertEquals(new Probe.Copy(2, 0), Probe.copy(critiques, "I do not know"));
        assertEquals(2, Arith.valuedItems(critiques).size());
        String compact = "- logical_robustness (rating 1/3): line 1: 12+7=18 is wrong; 12+7=19\n"
                + "line 2: 18*3=54 uses the wrong 18 from line 1; 19*3=57";
        assertEquals(new Probe.Copy(2, 2), Probe.copy(compact, "12+7=<<12+7=19>>19\n19*3=<<19*3=57>>57\n#### 57"));
        assertEquals(java.util.List.of(1, 2), Arith.namedLines(critiques));
    }

    @Test
    void copiesAreSplitByWhetherTheDraftLineHasTheCritiquesExpression() {
        String draft = "12+7=<<12+7=18>>18\n18*3=<<18*3=54>>54\n#### 54";
        String lines = "- logical_robustness (rating 1/3): line 1 should be 12+7=<<12+7=19>>19\n"
                + "line 2 should be 19*3=<<19*3=57>>57";
        // line 1's expression is the draft's (only the value differs); line 2's is new (corrected carried operand)
        // (keyed: the rewrite wrote the item's expression on its line, 18*3 is not 19*3)
        assertEquals(new Probe.CopySplit(new Probe.Copy(1, 1), new Probe.Copy(1, 0), new Probe.Copy(1, 1), new Probe.Copy(0, 0)),
                Probe.copy(lines, "12+7=<<12+7=19>>19\n18*3=<<18*3=54>>54\n#### 54", draft));
        assertEquals(new Probe.CopySplit(new Probe.Copy(1, 0), new Probe.Copy(1, 1), new Probe.Copy(1, 0), new Probe.Copy(1, 1)),
                Probe.copy(lines, "12+7=<<12+7=18>>18\n19*3=<<19*3=57>>57\n#### 57", draft));
        String sentences = "- logical_robustness (rating 1/3): line 1: 12 + 7 = 18 is wrong; 12 + 7 = 19\n"
                + "line 2: 18 * 3 = 54 uses the wrong 18 from line 1; 19 * 3 = 57";
        assertEquals(new Probe.CopySplit(new Probe.Copy(1, 1), new Probe.Copy(1, 1), new Probe.Copy(1, 1), new Probe.Copy(1, 1)),
                Probe.copy(sentences, "12+7=<<12+7=19>>19\n19*3=<<19*3=57>>57\n#### 57", draft));
        // a perfect copier of corrected lines turns every slipped level-5 draft into its reference
        MathVerifier verifier = new MathVerifier(VerifierParams.DEFAULTS.withChainedCorrections(true).withCorrectedLines(true));
        Random random = new Random(5);
        int drafts = 0;
        for (MathProblem p : ArithWorld.generate(ArithLevel.L5, Split.TRAIN, 100, 4)) {
            String d = SlipDrafts.draft(p.solution(), 0.4, random);
            if (d != null) {
                drafts++;
                String critiques = Arith.critiques(verifier.verify(p.question(), d, p.solution()));
                assertEquals(p.solution(), copyFix(d, critiques.replaceAll("line (\\d+) should be ([^=]+)=<<[^>]*>>(\\d+)",
                        "line $1: x; $2=$3")), critiques);
            }
        }
        assertTrue(drafts >= 80, drafts + " drafts");
    }
}
