package io.rlrf.tasks.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** What each rating means on each aspect, and critiques that point at the line and the error. */
class MathVerifierTest {

    private static final String QUESTION = "Ann has 12 apples. She gets 12 more. Then she has 2 times as many. "
            + "How many apples does Ann have now?";
    private static final String REFERENCE = "12+12=<<12+12=24>>24\n24*2=<<24*2=48>>48\n#### 48";

    private final MathVerifier verifier = new MathVerifier(VerifierParams.DEFAULTS);
    private static final VerifierParams REFERENCE_STEPS = VerifierParams.SERVED.withReferenceSteps(true);

    private static int rating(Verdict v, VerifierAspect aspect) {
        return v.rating(aspect).orElseThrow().rating();
    }

    private static String critique(Verdict v, VerifierAspect aspect) {
        return v.rating(aspect).orElseThrow().critique();
    }

    @Test
    void theReferenceItselfGetsThreeOnEveryAspectAndScoreOne() {
        Verdict v = verifier.verify(QUESTION, REFERENCE, REFERENCE);
        for (VerifierAspect a : VerifierAspect.values()) {
            assertEquals(3, rating(v, a), a + ": " + critique(v, a));
            assertEquals("", critique(v, a));
        }
        assertEquals(1.0, v.score());
        assertEquals(Verdict.Outcome.CORRECT, v.outcome());
        assertEquals("48", v.extractedAnswer());
    }

    @Test
    void aWrongAnnotationIsNamedByLineWithTheRightResult() {
        String answer = "Ann has 12 apples.\n12 + 12 = <<12+12=23>>23\n23*2=<<23*2=46>>46\n#### 46";
        Verdict v = verifier.verify(QUESTION, answer, REFERENCE);
        assertEquals(1, rating(v, VerifierAspect.LOGICAL_ROBUSTNESS));
        assertEquals("line 2: 12 + 12 = 23 is wrong; 12 + 12 = 24", critique(v, VerifierAspect.LOGICAL_ROBUSTNESS));
        assertEquals(1, rating(v, VerifierAspect.LOGICAL_CORRECTNESS));
        assertEquals("line 4: the final answer 46 is wrong", critique(v, VerifierAspect.LOGICAL_CORRECTNESS));
        assertEquals(Verdict.Outcome.INCORRECT, v.outcome());
        assertEquals(1, v.wrongSteps().size());
        assertEquals(2, v.wrongSteps().get(0).line());
    }

    @Test
    void withReferenceStepsARightFactOfTheWrongStepIsNamedWithTheReferencesLine() {
        // 12+2 is right arithmetic, but the story asks for 12+12: arithmetic checks alone name no line
        String answer = "12+2=<<12+2=14>>14\n14*2=<<14*2=28>>28\n#### 28";
        VerifierParams served = VerifierParams.SERVED.withReferenceSteps(true);
        assertEquals("", critique(new MathVerifier(served.withReferenceSteps(false)).verify(QUESTION, answer, REFERENCE),
                VerifierAspect.LOGICAL_ROBUSTNESS));
        Verdict v = new MathVerifier(served).verify(QUESTION, answer, REFERENCE);
        assertEquals(1, rating(v, VerifierAspect.LOGICAL_ROBUSTNESS));
        assertEquals("line 1 should be 12+12=<<12+12=24>>24\nline 2 should be 24*2=<<24*2=48>>48",
                critique(v, VerifierAspect.LOGICAL_ROBUSTNESS));
        // without values (the ablation) the lines are named, not fixed; the sentence form gives the fix after them
        assertEquals("line 1: 12+2=<<12+2=14>>14 is wrong\nline 2: 14*2=<<14*2=28>>28 is wrong",
                critique(new MathVerifier(served.withCritiqueValues(false)).verify(QUESTION, answer, REFERENCE),
                        VerifierAspect.LOGICAL_ROBUSTNESS));
        assertEquals("line 1: 12+2=<<12+2=14>>14 is wrong; it should be 12+12=<<12+12=24>>24\n"
                + "line 2: 14*2=<<14*2=28>>28 is wrong; it should be 24*2=<<24*2=48>>48",
                critique(new MathVerifier(served.withCorrectedLines(false)).verify(QUESTION, answer, REFERENCE),
                        VerifierAspect.LOGICAL_ROBUSTNESS));
    }

    @Test
    void withReferenceStepsAMissingStepIsNamedAtTheLineItBelongsAndAnExtraStepAsNotOfTheSolution() {
        Verdict skipped = new MathVerifier(REFERENCE_STEPS).verify(QUESTION, "12+12=<<12+12=24>>24\n#### 24", REFERENCE);
        assertEquals("line 2 should be 24*2=<<24*2=48>>48", critique(skipped, VerifierAspect.LOGICAL_ROBUSTNESS),
                "the rewrite inserts it before the final line");
        Verdict extra = new MathVerifier(REFERENCE_STEPS).verify(QUESTION,
                "12+12=<<12+12=24>>24\n24*2=<<24*2=48>>48\n48+1=<<48+1=49>>49\n#### 49", REFERENCE);
        assertEquals("line 3 is not a step of the solution", critique(extra, VerifierAspect.LOGICAL_ROBUSTNESS));
    }

    @Test
    void referenceStepsLeaveARightAnswerWrittenAnotherWayAlone() {
        // the final answer is the reference's: another route to it is not faulted for differing from the reference
        Verdict v = new MathVerifier(REFERENCE_STEPS).verify(QUESTION, "12*2=<<12*2=24>>24\n24*2=<<24*2=48>>48\n#### 48",
                REFERENCE);
        assertEquals(Verdict.Outcome.CORRECT, v.outcome());
        assertEquals(3, rating(v, VerifierAspect.LOGICAL_ROBUSTNESS));
        assertTrue(REFERENCE_STEPS.toString().contains("referenceSteps=true"), "in the feedback fingerprint");
        assertTrue(!VerifierParams.DEFAULTS.toString().contains("referenceSteps"), "absent when off: old keys stay");
    }

    @Test
    void aWrongPlainEquationInTheTextIsNamedToo() {
        String answer = "She has 12 + 12 = 25 apples.\n25 x 2 = 50\n#### 50";
        Verdict v = verifier.verify(QUESTION, answer, REFERENCE);
        assertEquals("line 1: 12 + 12 = 25 is wrong; 12 + 12 = 24", critique(v, VerifierAspect.LOGICAL_ROBUSTNESS));
    }

    @Test
    void aValueThatContradictsItsAnnotationIsAWrongStep() {
        String answer = "12+12=<<12+12=24>>25\n24*2=<<24*2=48>>48\n#### 48";
        Verdict v = verifier.verify(QUESTION, answer, REFERENCE);
        assertEquals(1, rating(v, VerifierAspect.LOGICAL_ROBUSTNESS));
        assertTrue(critique(v, VerifierAspect.LOGICAL_ROBUSTNESS).startsWith("line 1: 12 + 12 = 24 but the text then says 25"));
    }

    @Test
    void theRightAnswerWithoutAFinalLineIsPartlyCorrectAndIncomplete() {
        String answer = "12+12=<<12+12=24>>24\n24*2=<<24*2=48>>48";
        Verdict v = verifier.verify(QUESTION, answer, REFERENCE);
        assertEquals(2, rating(v, VerifierAspect.LOGICAL_CORRECTNESS));
        assertEquals(1, rating(v, VerifierAspect.COMPLETENESS));
        assertEquals(Verdict.Outcome.CORRECT, v.outcome());
    }

    @Test
    void noAnswerAtAllIsRatedOneWithOutcomeNoAnswer() {
        Verdict v = verifier.verify(QUESTION, "I do not know.", REFERENCE);
        assertEquals(1, rating(v, VerifierAspect.LOGICAL_CORRECTNESS));
        assertEquals(Verdict.Outcome.NO_ANSWER, v.outcome());
        assertEquals(2, rating(v, VerifierAspect.LOGICAL_ROBUSTNESS), "no calculation shown");
    }

    @Test
    void aQuantityTheReferenceUsesButTheAnswerNeverDoesIsNamed() {
        String answer = "24*2=<<24*2=48>>48\n#### 48";
        Verdict v = verifier.verify(QUESTION, answer, REFERENCE);
        assertEquals(2, rating(v, VerifierAspect.COMPLETENESS));
        assertEquals("the answer never uses 12 from the problem", critique(v, VerifierAspect.COMPLETENESS));
        assertEquals("the answer never uses 12 from the problem",
                verifier.verify("Ann has 12 apples and 5 pens. She gets 12 more.", "5+5=<<5+5=10>>10\n#### 10",
                        "12+12=<<12+12=24>>24\n#### 24").rating(VerifierAspect.COMPLETENESS).orElseThrow().critique());
    }

    @Test
    void aDistractorQuantityIsNotRequired() {
        String question = "Ann has 12 apples. Ben is 40 years old. She gets 12 more. How many apples does Ann have?";
        String reference = "12+12=<<12+12=24>>24\n#### 24";
        Verdict v = verifier.verify(question, reference, reference);
        assertEquals(3, rating(v, VerifierAspect.COMPLETENESS));
    }

    @Test
    void repeatedAndEmptyStepsAndLengthLowerConciseness() {
        String oneRepeat = "12+12=<<12+12=24>>24\n12+12=<<12+12=24>>24\n24*2=<<24*2=48>>48\n#### 48";
        Verdict v = verifier.verify(QUESTION, oneRepeat, REFERENCE);
        assertEquals(2, rating(v, VerifierAspect.CONCISENESS));
        assertEquals("line 2 repeats line 1", critique(v, VerifierAspect.CONCISENESS));

        String repeatAndEmpty = "12+12=<<12+12=24>>24\n\n12+12=<<12+12=24>>24\n24*2=<<24*2=48>>48\n#### 48";
        Verdict w = verifier.verify(QUESTION, repeatAndEmpty, REFERENCE);
        assertEquals(1, rating(w, VerifierAspect.CONCISENESS));
        assertEquals("line 2 is empty\nline 3 repeats line 1", critique(w, VerifierAspect.CONCISENESS));

        String padded = REFERENCE.replace("#### 48", "x".repeat(300) + "\n#### 48");
        Verdict p = verifier.verify(QUESTION, padded, REFERENCE);
        assertEquals(2, rating(p, VerifierAspect.CONCISENESS));
        assertTrue(critique(p, VerifierAspect.CONCISENESS).contains("above the bound of 200"));
    }

    @Test
    void onlyTheAskedAspectsAreRatedInTheAskedOrder() {
        Verdict v = verifier.verify(QUESTION, REFERENCE, REFERENCE,
                List.of(VerifierAspect.CONCISENESS, VerifierAspect.LOGICAL_CORRECTNESS));
        assertEquals(List.of(VerifierAspect.CONCISENESS, VerifierAspect.LOGICAL_CORRECTNESS),
                v.ratings().stream().map(Verdict.Rating::aspect).toList());
    }

    @Test
    void scoreIsTheMeanOfRatingMinusOneOverTwo() {
        String answer = "12+12=<<12+12=23>>23\n23*2=<<23*2=46>>46\n#### 46";
        Verdict v = verifier.verify(QUESTION, answer, REFERENCE);
        double expected = v.ratings().stream().mapToDouble(r -> (r.rating() - 1) / 2.0).average().orElseThrow();
        assertEquals(expected, v.score());
        assertTrue(v.score() < 1.0);
    }

    @Test
    void theReferenceAnswerIsRevealedOnlyWhenConfigured() {
        String answer = "12+12=<<12+12=24>>24\n#### 24";
        MathVerifier revealing = new MathVerifier(new VerifierParams(3.0, 200, 5, true));
        assertEquals("line 2: the final answer 24 is wrong; the reference answer is 48",
                revealing.verify(QUESTION, answer, REFERENCE).rating(VerifierAspect.LOGICAL_CORRECTNESS).orElseThrow()
                        .critique());
    }

    @Test
    void aReferenceWithoutAFinalAnswerIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> verifier.verify(QUESTION, REFERENCE, "no answer here"));
        assertThrows(IllegalArgumentException.class, () -> new VerifierParams(0.5, 200, 5, false));
    }
}
