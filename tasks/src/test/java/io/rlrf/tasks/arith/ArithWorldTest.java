package io.rlrf.tasks.arith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.rlrf.tasks.FinalAnswer;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.VerifierParams;

class ArithWorldTest {

    private static Set<String> computations(List<MathProblem> problems) {
        return problems.stream().map(p -> ArithWorld.computationOf(p.solution().substring(0, p.solution().lastIndexOf("####"))))
                .collect(Collectors.toSet());
    }

    @Test
    void theSameSeedGivesTheSameProblemsAndAnotherSeedOthers() {
        List<MathProblem> a = ArithWorld.generate(ArithLevel.L2, Split.TRAIN, 200, 7);
        List<MathProblem> b = ArithWorld.generate(ArithLevel.L2, Split.TRAIN, 200, 7);
        List<MathProblem> c = ArithWorld.generate(ArithLevel.L2, Split.TRAIN, 200, 8);
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertEquals(200, a.stream().map(MathProblem::question).distinct().count(), "questions are distinct");
    }

    @Test
    void splitsAreDisjointInTheirComputationsEvenAcrossSeeds() {
        for (ArithLevel level : List.of(ArithLevel.L1, ArithLevel.L2, ArithLevel.L3, ArithLevel.L4, ArithLevel.L5)) {
            Set<String> train = computations(ArithWorld.generate(level, Split.TRAIN, 400, 1));
            Set<String> dev = computations(ArithWorld.generate(level, Split.DEV, 50, 2));
            Set<String> test = computations(ArithWorld.generate(level, Split.TEST, 50, 3));
            Set<String> overlap = new HashSet<>(train);
            overlap.retainAll(test);
            assertTrue(overlap.isEmpty(), "level " + level.level() + " train/test share " + overlap);
            overlap = new HashSet<>(train);
            overlap.retainAll(dev);
            assertTrue(overlap.isEmpty(), "level " + level.level() + " train/dev share " + overlap);
            overlap = new HashSet<>(dev);
            overlap.retainAll(test);
            assertTrue(overlap.isEmpty(), "level " + level.level() + " dev/test share " + overlap);
        }
    }

    @Test
    void everyReferenceSolutionVerifiesPerfectlyAndEndsWithItsAnswer() {
        MathVerifier verifier = new MathVerifier(VerifierParams.DEFAULTS);
        for (int level = 1; level <= 5; level++) {
            for (MathProblem p : ArithWorld.generate(ArithLevel.of(level), Split.TEST, 100, 11)) {
                var verdict = verifier.verify(p.question(), p.solution(), p.solution());
                assertEquals(1.0, verdict.score(), p.id() + "\n" + p.question() + "\n" + p.solution() + "\n" + verdict);
                assertTrue(p.solution().endsWith("#### " + p.finalAnswer()), p.solution());
                assertEquals(p.finalAnswer(), FinalAnswer.extract(p.solution()).orElseThrow().value());
            }
        }
    }

    @Test
    void levelsGrowInStepsNumbersAndDistractors() {
        for (int level = 1; level <= 5; level++) {
            ArithLevel spec = ArithLevel.of(level);
            for (MathProblem p : ArithWorld.generate(spec, Split.TRAIN, 300, 5)) {
                String[] lines = p.solution().split("\n");
                int steps = lines.length - 1;
                assertTrue(steps >= spec.minSteps() && steps <= spec.maxSteps(), p.solution());
                for (String n : FinalAnswer.numbers(p.solution())) {
                    assertTrue(Integer.parseInt(n) >= 0 && Integer.parseInt(n) <= spec.maxValue(), p.solution());
                }
                // Distractors: numbers of the question that the solution never uses.
                Set<String> unused = new HashSet<>(FinalAnswer.numbers(p.question()));
                unused.removeAll(FinalAnswer.numbers(p.solution()));
                assertTrue(unused.size() <= spec.distractors(), p.question() + " / " + p.solution());
            }
        }
        // Level 1 is meant for a tiny model: one or two steps of + or - on numbers up to 20.
        for (MathProblem p : ArithWorld.generate(ArithLevel.L1, Split.TRAIN, 300, 5)) {
            assertTrue(!p.solution().contains("*") && !p.solution().contains("/"), p.solution());
            assertTrue(p.question().length() < 120, p.question());
        }
    }

    @Test
    void askingForMoreDistinctProblemsThanALevelHasFailsClearly() {
        var e = assertThrows(IllegalStateException.class, () -> ArithWorld.generate(
                new ArithLevel(1, 1, 1, Set.of(ArithLevel.Op.ADD), 2, 2, 0, 4), Split.TEST, 1000, 1));
        assertTrue(e.getMessage().contains("ask for fewer"), e.getMessage());
    }
}
