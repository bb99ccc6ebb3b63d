package io.rlrf.tasks.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.rlrf.tasks.prompt.ReflectionPrompt.Rating;

class ReflectionPromptTest {

    private static final List<Rating> RATINGS = List.of(new Rating("logical_correctness", 1, " line 2: the final answer 5 is wrong "),
            new Rating("conciseness", 3, ""), new Rating("completeness", 2, "the answer never uses 4 from the problem"));

    @Test
    void rendersOneLinePerAspectRatedBelowThree() {
        String prompt = ReflectionPrompt.DEFAULT.render("Ann has 2 pens.", "2+2=<<2+2=5>>5\n#### 5", RATINGS);
        assertEquals("Question:\nAnn has 2 pens.\nPrevious answer:\n2+2=<<2+2=5>>5\n#### 5\nFeedback:\n"
                + "- logical_correctness (rating 1/3): line 2: the final answer 5 is wrong\n"
                + "- completeness (rating 2/3): the answer never uses 4 from the problem\n"
                + "Revised answer (fix every problem the feedback names):\n", prompt);
    }

    @Test
    void withoutAFaultTheCritiquesAskForAGeneralImprovement() {
        List<Rating> fine = List.of(new Rating("conciseness", 3, ""));
        assertEquals("", ReflectionPrompt.critiques(fine));
        assertEquals("{x}\n" + ReflectionPrompt.NOTHING_FAULTED,
                new ReflectionPrompt("{x}\n{critiques}{prompt}{answer}", "t").render("", "", fine));
    }

    @Test
    void aFaultIsARatingBelowThree() {
        assertEquals(List.of("logical_correctness", "completeness"), ReflectionPrompt.faulted(RATINGS));
    }

    @Test
    void aTemplateWithoutEveryPlaceholderIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ReflectionPrompt("{prompt} {answer}", "v"));
        assertThrows(IllegalArgumentException.class, () -> new ReflectionPrompt(ReflectionPrompt.DEFAULT_TEMPLATE, " "));
    }
}
