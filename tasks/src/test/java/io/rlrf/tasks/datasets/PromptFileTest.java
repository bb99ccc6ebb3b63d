package io.rlrf.tasks.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;

/** A JSONL prompt set reads question, reference and id per line; every kind of bad input names its line. */
class PromptFileTest {

    @TempDir
    Path dir;

    @Test
    void linesBecomeProblemsWithTheirReferenceAndIds() throws Exception {
        Path f = Files.writeString(dir.resolve("set.jsonl"), """
                {"question": "What is 2 plus 3?", "answer": "2 + 3 = 5\\n#### 5"}

                {"prompt": "What is 4 times 6?", "answer": "4 * 6 = 24\\n#### 24", "id": "m1"}
                """);
        List<MathProblem> ps = PromptFile.read(f, Split.TRAIN);
        assertEquals(2, ps.size());
        assertEquals("set-1", ps.get(0).id());
        assertEquals("m1", ps.get(1).id());
        assertEquals("What is 4 times 6?", ps.get(1).question());
        assertEquals("24", ps.get(1).finalAnswer());
    }

    @Test
    void badInputIsRefusedNamingTheLineAndWhatIsWrong() throws Exception {
        String good = "{\"question\": \"q\", \"answer\": \"#### 1\"}\n";
        assertRefused(good + "not json\n", "line 2: is not JSON");
        assertRefused("[1]\n", "line 1: is not a JSON object");
        assertRefused("{\"answer\": \"#### 1\"}\n", "line 1: \"question\" (or \"prompt\") is missing");
        assertRefused("{\"question\": \"q\"}\n", "line 1: \"answer\" is missing");
        assertRefused("{\"question\": 3, \"answer\": \"#### 1\"}\n", "line 1: \"question\" must be a non-empty string");
        assertRefused(good + "{\"question\": \"q\", \"answer\": \"no number\"}\n", "line 2: \"answer\" has no final answer");
        assertRefused("\n\n", "holds no prompts");
        var e = assertThrows(IllegalArgumentException.class, () -> PromptFile.read(dir.resolve("absent.jsonl"), Split.TEST));
        assertEquals("no such file", e.getMessage());
    }

    @Test
    void openPromptsNeedNoReferenceAndTakeAnyTextAsOne() throws Exception {
        Path f = Files.writeString(dir.resolve("open.jsonl"), """
                {"prompt": "Describe a sunset over the sea in two sentences."}
                {"question": "Name the capital of France.", "answer": "Paris", "id": "fr"}
                """);
        List<MathProblem> ps = PromptFile.readOpen(f, Split.TRAIN);
        assertEquals(2, ps.size());
        assertEquals("", ps.get(0).solution());
        assertEquals("", ps.get(0).finalAnswer());
        assertEquals("Paris", ps.get(1).solution());
        assertEquals("open", ps.get(1).source());
        Path bad = Files.writeString(dir.resolve("bad-open.jsonl"), "{\"prompt\": \"q\", \"answer\": 3}\n");
        var e = assertThrows(IllegalArgumentException.class, () -> PromptFile.readOpen(bad, Split.TRAIN));
        assertEquals("line 1: \"answer\" must be a non-empty string", e.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> PromptFile.read(f, Split.TRAIN));
        assertTrue(missing.getMessage().startsWith("line 1: \"answer\" is missing"), "a math task still needs it");
    }

    private void assertRefused(String content, String expected) throws Exception {
        Path f = Files.writeString(dir.resolve("bad.jsonl"), content);
        var e = assertThrows(IllegalArgumentException.class, () -> PromptFile.read(f, Split.TRAIN));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }
}
