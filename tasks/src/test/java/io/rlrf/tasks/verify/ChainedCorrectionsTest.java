package io.rlrf.tasks.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.arith.ArithLevel;
import io.rlrf.tasks.arith.ArithWorld;
import io.rlrf.tasks.datasets.DatasetsRoot;
import io.rlrf.tasks.datasets.Gsm8k;

/** Chained corrections and critiques without values, on hand-written answers. */
class ChainedCorrectionsTest {

    private static final String QUESTION = "Ann has 12 apples. She gets 12 more. Then she has 2 times as many. "
            + "How many apples does Ann have now?";
    private static final String REFERENCE = "12+12=<<12+12=24>>24\n24*2=<<24*2=48>>48\n#### 48";

    private static final VerifierParams CHAINED = VerifierParams.DEFAULTS.withChainedCorrections(true);

    private static String robustness(VerifierParams params, String answer, String question, String reference) {
        return new MathVerifier(params).verify(question, answer, reference).rating(VerifierAspect.LOGICAL_ROBUSTNESS)
                .orElseThrow().critique();
    }

    private static String robustness(VerifierParams params, String answer) {
        return robustness(params, answer, QUESTION, REFERENCE);
    }

    @Test
    void aStepRightOnAWrongCarriedValueGetsItsOwnRightValue() {
        String answer = "12+12=<<12+12=23>>23\n23*2=<<23*2=46>>46\n#### 46";
        assertEquals("line 1: 12 + 12 = 23 is wrong; 12 + 12 = 24", robustness(VerifierParams.DEFAULTS, answer));
        assertEquals("line 1: 12 + 12 = 23 is wrong; 12 + 12 = 24\n"
                + "line 2: 23 * 2 = 46 uses the wrong 23 from line 1; 24 * 2 = 48", robustness(CHAINED, answer));
    }

    @Test
    void aWrongStepOnAWrongCarriedValueIsCorrectedFromTheRightCarriedValue() {
        String answer = "12+12=<<12+12=23>>23\n23*2=<<23*2=47>>47\n#### 47";
        // unchained, line 2's "right" value is computed from the wrong 23: the rewrite would still be wrong
        assertEquals("line 1: 12 + 12 = 23 is wrong; 12 + 12 = 24\nline 2: 23 * 2 = 47 is wrong; 23 * 2 = 46",
                robustness(VerifierParams.DEFAULTS, answer));
        assertEquals("line 1: 12 + 12 = 23 is wrong; 12 + 12 = 24\nline 2: 23 * 2 = 47 is wrong; 24 * 2 = 48",
                robustness(CHAINED, answer));
    }

    @Test
    void correctionsChainThroughEveryLaterStep() {
        String question = "Tom has 12 pens. He buys 7 more. Then he has 3 times as many. He loses 4. "
                + "How many pens does Tom have now?";
        String reference = "12+7=<<12+7=19>>19\n19*3=<<19*3=57>>57\n57-4=<<57-4=53>>53\n#### 53";
        String answer = "12+7=<<12+7=18>>18\n18*3=<<18*3=54>>54\n54-4=<<54-4=50>>50\n#### 50";
        assertEquals("line 1: 12 + 7 = 18 is wrong; 12 + 7 = 19\n"
                + "line 2: 18 * 3 = 54 uses the wrong 18 from line 1; 19 * 3 = 57\n"
                + "line 3: 54 - 4 = 50 uses the wrong 54 from line 2; 57 - 4 = 53",
                robustness(CHAINED, answer, question, reference));
        // a slip in the middle: the lines before it are not faulted
        String middle = "12+7=<<12+7=19>>19\n19*3=<<19*3=56>>56\n56-4=<<56-4=52>>52\n#### 52";
        assertEquals("line 2: 19 * 3 = 56 is wrong; 19 * 3 = 57\n"
                + "line 3: 56 - 4 = 52 uses the wrong 56 from line 2; 57 - 4 = 53",
                robustness(CHAINED, middle, question, reference));
    }

    @Test
    void aStoryNumberEqualToAWrongResultStaysTheStorysUnlessItIsTheRunningValue() {
        String question = "Ann has 4 pens. She finds 10 more. She loses 3. Then she has 2 times as many. She gets 15 more. "
                + "Then she has 2 times as many. How many pens does Ann have now?";
        String reference = "4+10=<<4+10=14>>14\n14-3=<<14-3=11>>11\n11*2=<<11*2=22>>22\n22+15=<<22+15=37>>37\n"
                + "37*2=<<37*2=74>>74\n#### 74";
        String answer = "4+10=<<4+10=14>>14\n14-3=<<14-3=1>>1\n1*2=<<1*2=2>>2\n2+15=<<2+15=17>>17\n17*2=<<17*2=34>>34\n#### 34";
        assertEquals("line 2: 14 - 3 = 1 is wrong; 14 - 3 = 11\n"
                + "line 3: 1 * 2 = 2 uses the wrong 1 from line 2; 11 * 2 = 22\n"
                + "line 4: 2 + 15 = 17 uses the wrong 2 from line 3; 22 + 15 = 37\n"
                + "line 5: 17 * 2 = 34 uses the wrong 17 from line 4; 37 * 2 = 74",
                robustness(CHAINED, answer, question, reference));
    }

    @Test
    void compactExpressionsAreWrittenAsTheAnswersWriteThem() {
        String answer = "12+12=<<12+12=23>>23\n23*2=<<23*2=47>>47\n#### 47";
        assertEquals("line 1: 12+12=23 is wrong; 12+12=24\nline 2: 23*2=47 is wrong; 24*2=48",
                robustness(CHAINED.withCompactExpressions(true), answer));
        assertEquals("line 1: 12+12=23 is wrong; 12+12=24\nline 2: 23*2=47 is wrong; 23*2=46",
                robustness(VerifierParams.DEFAULTS.withCompactExpressions(true), answer));
        assertEquals("line 1: 12+12=23 is wrong\nline 2: 23*2=46 uses the wrong 23 from line 1",
                robustness(CHAINED.withCompactExpressions(true).withCritiqueValues(false),
                        "12+12=<<12+12=23>>23\n23*2=<<23*2=46>>46\n#### 46"));
    }

    @Test
    void correctedLinesStateOnlyTheRightLineAsTheAnswersWriteIt() {
        String answer = "12+12=<<12+12=23>>23\n23*2=<<23*2=47>>47\n#### 47";
        String chained = robustness(CHAINED.withCorrectedLines(true), answer);
        assertEquals("line 1 should be 12+12=<<12+12=24>>24\nline 2 should be 24*2=<<24*2=48>>48", chained);
        // the wrong values are in the draft only
        assertTrue(!chained.contains("23") && !chained.contains("47"), chained);
        assertEquals("line 1 should be 12+12=<<12+12=24>>24\nline 2 should be 23*2=<<23*2=46>>46",
                robustness(VerifierParams.DEFAULTS.withCorrectedLines(true), answer));
        // without values there is no corrected line: the sentence form without the fix
        assertEquals("line 1: 12+12=23 is wrong\nline 2: 23*2=47 is wrong",
                robustness(CHAINED.withCorrectedLines(true).withCompactExpressions(true).withCritiqueValues(false), answer));
        assertTrue(CHAINED.withCorrectedLines(true).toString().endsWith(", chainedCorrections=true, correctedLines=true]"));
        assertEquals(VerifierParams.DEFAULTS.withChainedCorrections(true).toString(), CHAINED.toString());
    }

    @Test
    void aValueTheTextMiscopiesIsCarriedAsWrongToo() {
        String answer = "12+12=<<12+12=24>>25\n25*2=<<25*2=50>>50\n#### 50";
        assertEquals("line 1: 12 + 12 = 24 but the text then says 25\n"
                + "line 2: 25 * 2 = 50 uses the wrong 25 from line 1; 24 * 2 = 48", robustness(CHAINED, answer));
    }

    @Test
    void aRightAnswerHasNoFaultWhenChained() {
        Verdict v = new MathVerifier(CHAINED).verify(QUESTION, REFERENCE, REFERENCE);
        assertEquals(1.0, v.score());
        assertEquals("", v.rating(VerifierAspect.LOGICAL_ROBUSTNESS).orElseThrow().critique());
    }

    @Test
    void withoutValuesTheCritiqueNamesTheLineButNotTheFix() {
        VerifierParams noValues = VerifierParams.DEFAULTS.withCritiqueValues(false);
        String answer = "12+12=<<12+12=23>>23\n23*2=<<23*2=46>>46\n#### 46";
        assertEquals("line 1: 12 + 12 = 23 is wrong", robustness(noValues, answer));
        assertEquals("line 1: 12 + 12 = 23 is wrong\nline 2: 23 * 2 = 46 uses the wrong 23 from line 1",
                robustness(CHAINED.withCritiqueValues(false), answer));
        assertEquals("line 1: the text after the annotation of 12 + 12 says 25, which is wrong",
                robustness(CHAINED.withCritiqueValues(false), "12+12=<<12+12=24>>25\n25*2=<<25*2=50>>50\n#### 50")
                        .lines().findFirst().orElseThrow());
        Verdict v = new MathVerifier(noValues).verify(QUESTION, answer, REFERENCE);
        assertEquals(1, v.rating(VerifierAspect.LOGICAL_ROBUSTNESS).orElseThrow().rating());
    }

    @Test
    void theDefaultsKeepEachStepJudgedOnItsOwnInputsWithValues() {
        assertEquals(false, VerifierParams.DEFAULTS.chainedCorrections());
        assertEquals(true, VerifierParams.DEFAULTS.critiqueValues());
        assertEquals(VerifierParams.DEFAULTS, new VerifierParams(3.0, 200, 5, false));
        // judges fingerprint their settings with toString: the defaults read as before the two settings existed
        assertEquals("VerifierParams[lengthRatio=3.0, minLengthBound=200, maxCritiqueItems=5, revealReferenceAnswer=false]",
                VerifierParams.DEFAULTS.toString());
        assertEquals("VerifierParams[lengthRatio=3.0, minLengthBound=200, maxCritiqueItems=5, revealReferenceAnswer=false, "
                + "chainedCorrections=true, critiqueValues=false]", CHAINED.withCritiqueValues(false).toString());
    }

    @Test
    void chainingFaultsNoReferenceThatWasNotFaultedBefore() {
        MathVerifier plain = new MathVerifier(VerifierParams.DEFAULTS);
        MathVerifier chained = new MathVerifier(CHAINED);
        List<MathProblem> problems = new ArrayList<>(Gsm8k.load(DatasetsRoot.resolve(), Split.TRAIN));
        for (int level = 1; level <= 4; level++) {
            problems.addAll(ArithWorld.generate(ArithLevel.of(level), Split.TRAIN, 500, 3));
        }
        int newlyFaulted = 0;
        for (MathProblem p : problems) {
            int before = plain.verify(p.question(), p.solution(), p.solution()).rating(VerifierAspect.LOGICAL_ROBUSTNESS)
                    .orElseThrow().rating();
            int after = chained.verify(p.question(), p.solution(), p.solution()).rating(VerifierAspect.LOGICAL_ROBUSTNESS)
                    .orElseThrow().rating();
            if (after < before) {
                newlyFaulted++;
            }
        }
        // GSM8K references with a slip can fault later lines through the chain; a right one cannot
        System.out.printf("chained corrections: %d of %d references rated lower on robustness%n", newlyFaulted,
                problems.size());
        assertTrue(newlyFaulted <= problems.size() / 200, newlyFaulted + " references newly faulted");
    }
}
