package io.rlrf.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FinalAnswerTest {

    @Test
    void takesTheNumberOfTheLastFinalLine() {
        var e = FinalAnswer.extract("5+3=<<5+3=8>>8\n#### 7\nsomething\n#### 8").orElseThrow();
        assertEquals("8", e.value());
        assertEquals(FinalAnswer.Method.FINAL_LINE, e.method());
        assertEquals(4, e.line());
    }

    @Test
    void ignoresDollarsThousandsSeparatorsUnitsAndTrailingZeros() {
        assertEquals("1600", FinalAnswer.extract("#### $1,600 dollars").orElseThrow().value());
        assertEquals("18.5", FinalAnswer.extract("#### 18.50").orElseThrow().value());
        assertEquals("-3", FinalAnswer.extract("#### -3").orElseThrow().value());
        assertEquals("7", FinalAnswer.extract("#### 7.0").orElseThrow().value());
    }

    @Test
    void fallsBackToTheLastNumberOutsideAnnotationsWhenThereIsNoFinalLine() {
        var e = FinalAnswer.extract("She has 5+3=<<5+3=8>>8 apples.\nSo the answer is 8 apples, not <<2=2>>").orElseThrow();
        assertEquals("8", e.value());
        assertEquals(FinalAnswer.Method.LAST_NUMBER, e.method());
        assertEquals(2, e.line());
    }

    @Test
    void aFinalLineWithoutANumberIsNoAnswerEvenIfNumbersPrecedeIt() {
        assertTrue(FinalAnswer.extract("5+3=<<5+3=8>>8\n#### eight").isEmpty());
        assertTrue(FinalAnswer.extract("no numbers here").isEmpty());
    }

    @Test
    void numbersAreListedNormalised() {
        assertEquals(java.util.List.of("48", "1000", "0.5"), FinalAnswer.numbers("48 friends, $1,000 and 0.50 each"));
    }
}
