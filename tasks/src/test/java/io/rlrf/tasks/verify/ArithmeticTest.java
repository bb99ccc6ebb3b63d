package io.rlrf.tasks.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

class ArithmeticTest {

    private static BigDecimal eval(String expr) {
        return Arithmetic.evaluate(expr).orElseThrow().value();
    }

    @Test
    void respectsPrecedenceParenthesesAndUnarySigns() {
        assertEquals(0, eval("2+3*4").compareTo(BigDecimal.valueOf(14)));
        assertEquals(0, eval("(2+3)*4").compareTo(BigDecimal.valueOf(20)));
        assertEquals(0, eval("100-100*.2").compareTo(BigDecimal.valueOf(80)));
        assertEquals(0, eval("-3*6").compareTo(BigDecimal.valueOf(-18)));
        assertEquals(0, eval("+30+46").compareTo(BigDecimal.valueOf(76)));
    }

    @Test
    void readsTheWaysPeopleWriteNumbersAndOperators() {
        assertEquals(0, eval("0.2 x 50").compareTo(BigDecimal.TEN));
        assertEquals(0, eval("$1,000 ÷ 4").compareTo(BigDecimal.valueOf(250)));
        assertEquals(0, eval("20% * 50").compareTo(BigDecimal.TEN));
        assertEquals(0, eval("0.1+0.2").compareTo(new BigDecimal("0.3")));
        assertEquals(0, eval("3/(1/3)").compareTo(BigDecimal.valueOf(9)), "exact after rounding the 34-digit quotient");
    }

    @Test
    void rendersWithOneSpaceAroundOperators() {
        assertEquals("12 + 12", Arithmetic.evaluate("12+12").orElseThrow().rendered());
        assertEquals("(5 + 3) * 2", Arithmetic.evaluate("(5+3)*2").orElseThrow().rendered());
    }

    @Test
    void rejectsWhatIsNotAWellFormedExpression() {
        assertTrue(Arithmetic.evaluate("5 apples").isEmpty());
        assertTrue(Arithmetic.evaluate("(5+3").isEmpty());
        assertTrue(Arithmetic.evaluate("5/0").isEmpty());
        assertTrue(Arithmetic.evaluate("").isEmpty());
    }

    @Test
    void integerResultsMustBeExactAndOthersWithinTheStatedPrecision() {
        assertTrue(Arithmetic.matches(BigDecimal.valueOf(24), BigDecimal.valueOf(24)));
        assertFalse(Arithmetic.matches(BigDecimal.valueOf(24), BigDecimal.valueOf(25)));
        assertFalse(Arithmetic.matches(BigDecimal.valueOf(24), new BigDecimal("24.5")));
        BigDecimal third = eval("10/3");
        assertTrue(Arithmetic.matches(third, new BigDecimal("3.33")));
        assertTrue(Arithmetic.matches(third, new BigDecimal("3")));
        assertTrue(Arithmetic.matches(third, new BigDecimal("3.4")), "ceiled to one decimal");
        assertFalse(Arithmetic.matches(third, new BigDecimal("3.5")));
        assertFalse(Arithmetic.matches(third, new BigDecimal("4.33")));
    }
}
