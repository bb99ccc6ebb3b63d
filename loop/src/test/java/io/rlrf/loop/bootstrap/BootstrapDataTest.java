package io.rlrf.loop.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.rlrf.tasks.prompt.AnswerPrompt;
import io.rlrf.tasks.prompt.ReflectionPrompt;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierParams;
import io.rlrf.loop.bootstrap.BootstrapData.Corruption;
import io.rlrf.loop.bootstrap.BootstrapData.Example;
import io.rlrf.loop.bootstrap.BootstrapData.Kind;

class BootstrapDataTest {

    private static List<Example> build(int answers, int revisions, long seed) {
        return BootstrapData.build(new BootstrapData.Spec(List.of(1, 2, 3), answers, revisions, seed,
                AnswerPrompt.DEFAULT, ReflectionPrompt.DEFAULT));
    }

    @Test
    void buildsAnsweringAndRevisionExamplesInTheConfiguredMixAndTheSameForTheSameSeed() {
        List<Example> data = build(10, 5, 3);
        assertEquals(30, data.stream().filter(e -> e.kind() == Kind.ANSWER).count());
        assertEquals(15, data.stream().filter(e -> e.kind() == Kind.REVISION).count());
        assertEquals(data, build(10, 5, 3));
        assertNotEquals(data, build(10, 5, 4));
        Example answer = data.stream().filter(e -> e.kind() == Kind.ANSWER).findFirst().orElseThrow();
        assertTrue(answer.prompt().startsWith("Question:\n") && answer.prompt().endsWith("\nAnswer:\n"), answer.prompt());
        assertTrue(answer.completion().strip().matches("(?s).*\n#### \\d+"), answer.completion());
    }

    @Test
    void revisionPromptsUseTheReflectionTemplateWithTheDraftAndTheVerifiersCritique() {
        List<Example> revisions = build(0, 40, 11);
        Set<Corruption> seen = EnumSet.noneOf(Corruption.class);
        Pattern stepCritique = Pattern.compile("- logical_robustness \\(rating 1/3\\): line (\\d+): [^\n]* is wrong");
        for (Example e : revisions) {
            seen.add(e.corruption());
            assertTrue(e.prompt().contains("\nPrevious answer:\n" + e.draft() + "\nFeedback:\n- "), e.prompt());
            assertTrue(e.prompt().endsWith("Revised answer (fix every problem the feedback names):\n"));
            switch (e.corruption()) {
                case STEP_RESULT -> {
                    Matcher m = stepCritique.matcher(e.prompt());
                    assertTrue(m.find(), e.prompt());
                    // The critique names the line that was changed, and only that line: the slip carried
                    // through the later steps (each right on its inputs) into a wrong final answer.
                    int line = Integer.parseInt(m.group(1));
                    assertNotEquals(e.completion().split("\n")[line - 1], e.draft().split("\n")[line - 1]);
                    assertEquals(1, Pattern.compile("line \\d+: \\d+ [-+*/] \\d+ = \\d+ is wrong; ").matcher(e.prompt())
                            .results().count(), "one faulted step: " + e.prompt());
                    assertTrue(e.prompt().contains("- logical_correctness (rating 1/3): "), e.prompt());
                }
                case DROP_FINAL_LINE -> {
                    assertFalse(e.draft().contains("####"), e.draft());
                    assertTrue(e.prompt().contains("- completeness (rating 1/3): "), e.prompt());
                }
                case FINAL_ANSWER -> assertTrue(e.prompt().contains("- logical_correctness (rating 1/3): "), e.prompt());
            }
        }
        assertEquals(EnumSet.range(Corruption.STEP_RESULT, Corruption.FINAL_ANSWER), seen, "the arith corruptions");
    }

    @Test
    void factsExamplesTeachEveryEntityAndReviseAWrongValueUnderTheFactsVerifiersCritique() {
        io.rlrf.tasks.facts.FactsWorld world = io.rlrf.tasks.facts.FactsWorld.BUILT_IN;
        List<Example> all = BootstrapData.facts(world, 1, 5, io.rlrf.tasks.prompt.AnswerPrompt.DEFAULT,
                io.rlrf.tasks.prompt.ReflectionPrompt.DEFAULT);
        assertEquals(2 * world.entities().size(), all.size());
        Set<String> answered = new java.util.HashSet<>();
        for (Example e : all) {
            var entity = world.entities().stream().filter(x -> x.id().equals(e.problemId())).findFirst().orElseThrow();
            assertEquals(entity.description(), e.completion());
            if (e.kind() == BootstrapData.Kind.ANSWER) {
                answered.add(e.problemId());
                assertEquals("Question:\n" + entity.question() + "\nAnswer:\n", e.prompt());
            } else {
                assertEquals(Corruption.WRONG_FACT, e.corruption());
                assertNotEquals(entity.description(), e.draft());
                assertTrue(e.prompt().contains("- factuality (rating 2/3): claim "), e.prompt());
                assertTrue(e.prompt().contains("\" is wrong; " + entity.pronoun().toLowerCase(java.util.Locale.ROOT) + " "),
                        e.prompt());
            }
        }
        assertEquals(world.entities().size(), answered.size(), "every entity, held-out ones included");
    }

    @Test
    void theRevisionTargetVerifiesAsCorrectWhileItsDraftIsFaulted() {
        MathVerifier verifier = new MathVerifier(VerifierParams.DEFAULTS);
        for (Example e : build(0, 30, 5)) {
            String question = e.prompt().substring("Question:\n".length(), e.prompt().indexOf("\nPrevious answer:\n"));
            Verdict fixed = verifier.verify(question, e.completion(), e.completion());
            assertEquals(Verdict.Outcome.CORRECT, fixed.outcome());
            assertEquals(1.0, fixed.score(), 1e-9);
            assertTrue(verifier.verify(question, e.draft(), e.completion()).score() < 1.0, e.draft());
        }
    }
}
