package io.rlrf.tasks.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.rlrf.tasks.FinalAnswer;

/**
 * Answers written to hurt the verifier (issue 18, points 4 and 5): huge exponents, huge numbers,
 * deep nesting, long chains. Each is judged in bounded time, without a stack overflow, with
 * critiques of bounded length; the hostile part is simply not a step the verifier can evaluate.
 */
class HostileAnswerTest {

    private static final String QUESTION = "Tom has 1 card. He gets 1 more. How many cards does Tom have?";
    private static final String REFERENCE = "1+1=<<1+1=2>>2\n#### 2";
    private static final Duration FAST = Duration.ofSeconds(2);

    private final MathVerifier verifier = new MathVerifier(VerifierParams.DEFAULTS);

    private Verdict judge(String answer) {
        Verdict v = assertTimeoutPreemptively(FAST, () -> verifier.verify(QUESTION, answer, REFERENCE));
        for (Verdict.Rating r : v.ratings()) {
            assertTrue(r.critique().length() <= MathVerifier.MAX_CRITIQUE_CHARS,
                    r.aspect() + " critique is " + r.critique().length() + " characters");
        }
        return v;
    }

    @Test
    void aHugeExponentInAnAnnotationIsNotANumberAndCostsNothing() {
        // 24 characters that used to build a 1 MB critique in 4 CPU-seconds.
        Verdict v = judge("<<1+1=1e1000000>>\n#### 2");
        assertEquals(2, v.rating(VerifierAspect.LOGICAL_ROBUSTNESS).orElseThrow().rating(), "unchecked, not wrong");
        assertTrue(v.rating(VerifierAspect.LOGICAL_ROBUSTNESS).orElseThrow().critique().contains("could not be evaluated"));
    }

    @Test
    void exponentsAndOverlongNumbersAreNotNumbers() {
        assertEquals(Optional.empty(), FinalAnswer.parseNumber("1e1000000"));
        assertEquals(Optional.empty(), FinalAnswer.parseNumber("1E+5"));
        assertEquals(Optional.empty(), FinalAnswer.parseNumber("9".repeat(FinalAnswer.MAX_DIGITS + 1)));
        assertEquals(Optional.of(new BigDecimal("1600")), FinalAnswer.parseNumber("$1,600"));
        assertEquals(Optional.of(new BigDecimal("-0.5")), FinalAnswer.parseNumber("-.5"));
        assertEquals(Optional.of(new BigDecimal("9".repeat(FinalAnswer.MAX_DIGITS))),
                FinalAnswer.parseNumber("9".repeat(FinalAnswer.MAX_DIGITS)));
    }

    @Test
    void aFinalAnswerWithAHugeExponentReadsOnlyItsLeadingDigits() {
        Verdict v = judge("1+1=<<1+1=2>>2\n#### 1e999999999");
        assertEquals("1", v.extractedAnswer());
        assertEquals(Verdict.Outcome.INCORRECT, v.outcome());
    }

    @Test
    void valuesThatGrowBeyondTheExponentBoundAreNotEvaluated() {
        String product = String.join(" * ", java.util.Collections.nCopies(20, "9".repeat(30)));
        assertEquals(Optional.empty(), Arithmetic.evaluate(product));
        Verdict v = judge("<<" + product + "=1>>1\n" + product + " = 1\n#### 2");
        assertTrue(v.rating(VerifierAspect.LOGICAL_ROBUSTNESS).orElseThrow().rating() >= 2);
    }

    @Test
    void fifteenHundredNestedParenthesesDoNotOverflowTheStack() {
        String nested = "(".repeat(1500) + "1" + ")".repeat(1500);
        assertEquals(Optional.empty(), Arithmetic.evaluate(nested));
        judge("<<" + nested + "=1>>1\n" + nested + " = 1\n#### 2");
    }

    @Test
    void eightThousandUnaryMinusSignsDoNotOverflowTheStack() {
        String minus = "-".repeat(8000) + "1";
        assertEquals(Optional.empty(), Arithmetic.evaluate(minus));
        judge("<<" + minus + "=1>>1\n2 + " + minus + " = 1\n#### 2");
    }

    @Test
    void nestingWithinTheBoundIsStillEvaluated() {
        String nested = "(".repeat(Arithmetic.MAX_NESTING - 1) + "2+3" + ")".repeat(Arithmetic.MAX_NESTING - 1);
        assertEquals(new BigDecimal("5"), Arithmetic.evaluate(nested).orElseThrow().value());
        assertEquals(new BigDecimal("-1"), Arithmetic.evaluate("--" + "-1").orElseThrow().value());
    }

    @Test
    void aLongChainOfStepsIsJudgedInBoundedTimeWithAShortCritique() {
        String sum = String.join("+", java.util.Collections.nCopies(8000, "1"));
        judge("<<" + sum + "=7>>7\n" + sum + " = 7\n#### 2");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            lines.append("1+1=<<1+1=3>>3 and 2+2 = 5\n");
        }
        Verdict v = judge(lines + "#### 2");
        assertEquals(1, v.rating(VerifierAspect.LOGICAL_ROBUSTNESS).orElseThrow().rating());
        assertTrue(StepChecker.check(lines.toString()).steps().size() <= StepChecker.MAX_STEPS);
    }

    @Test
    void aCritiqueShowsOnlyTheStartOfALongExpression() {
        String sum = String.join(" + ", java.util.Collections.nCopies(100, "1"));
        Verdict v = judge("<<" + sum + "=7>>7\n#### 2");
        String critique = v.rating(VerifierAspect.LOGICAL_ROBUSTNESS).orElseThrow().critique();
        assertTrue(critique.contains("is wrong; "), critique);
        assertTrue(critique.length() < 2 * StepChecker.MAX_SHOWN_CHARS + 80, critique);
    }
}
