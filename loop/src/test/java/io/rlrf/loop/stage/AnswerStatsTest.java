package io.rlrf.loop.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.rlrf.loop.run.Records.Problem;

/** The figures that tell computing from guessing, on hand-written answers. */
class AnswerStatsTest {

    @Test
    void factsCountEachStepOnceAndAnnotationValueMismatchesApart() {
        List<String> answers = List.of(
                "12+7=<<12+7=19>>19\n19*3=<<19*3=57>>57\n#### 57", // two right steps
                "12+7=<<12+7=18>>18\n#### 18", // one wrong step
                "5-2=<<5-2=3>>4\n#### 4"); // a right step whose written value disagrees with its annotation
        AnswerStats.Facts f = AnswerStats.facts(answers);
        assertEquals(4, f.steps());
        assertEquals(3, f.correct());
        assertEquals(1, f.mismatches());
        assertEquals(0.75, f.accuracy(), 1e-12);
    }

    @Test
    void distinctAnswersAndTheConstantBaseline() {
        assertEquals(2, AnswerStats.distinctFinalAnswers(List.of("#### 2", "x\n#### 2.0", "#### 3", "no answer here")));
        List<Problem> problems = List.of(new Problem(0, "a", "q", "1+1=<<1+1=2>>2\n#### 2", 1),
                new Problem(1, "b", "q", "#### 2", 1), new Problem(2, "c", "q", "#### 5", 1),
                new Problem(3, "d", "q", "#### 7", 1));
        assertEquals(0.5, AnswerStats.constantAnswerAccuracy(problems), 1e-12);
    }
}
