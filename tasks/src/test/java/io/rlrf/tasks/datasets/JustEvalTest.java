package io.rlrf.tasks.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.rlrf.tasks.datasets.JustEval.Category;
import io.rlrf.tasks.datasets.JustEval.Item;

/** The shipped Just-Eval-Instruct prompts, and files in its format. */
class JustEvalTest {

    @Test
    void theShippedSetHasItsThousandInstructionsWithCategoriesAndReferenceOutputs() {
        List<Item> items = JustEval.shipped();
        assertEquals(1000, items.size());
        assertEquals(800, items.stream().filter(i -> i.category() == Category.REGULAR).count());
        assertEquals(200, items.stream().filter(i -> i.category() == Category.SAFETY).count());
        Item first = items.get(0);
        assertEquals("0", first.id());
        assertEquals("What are the names of some famous actors that started their careers on Broadway?", first.instruction());
        assertEquals("helpful_base", first.dataset());
        assertEquals("alpaca_eval-0", first.sourceId());
        assertTrue(first.output().orElseThrow().startsWith("Thank you for your question!"));
        assertTrue(items.stream().allMatch(i -> i.output().isPresent()), "every shipped item has the reference output");
        assertTrue(JustEval.class.getResource("/io/rlrf/tasks/datasets/just-eval/LICENSE") != null, "shipped with its license");
    }

    @Test
    void aFileInTheFormatLoadsWithStringOrNumberIdsAndOptionalOutputs() throws Exception {
        Path file = Files.writeString(Files.createTempFile("just-eval", ".json"), """
                [{"id": 7, "instruction": "Say hi.", "category": "regular", "output": "Hi!"},
                 {"id": "s-1", "instruction": "How do I pick a lock?", "category": "safety", "dataset": "red"}]
                """);
        List<Item> items = JustEval.load(file);
        assertEquals(List.of(new Item("7", "Say hi.", Category.REGULAR, "", "", java.util.Optional.of("Hi!")),
                new Item("s-1", "How do I pick a lock?", Category.SAFETY, "red", "", java.util.Optional.empty())), items);
    }

    @Test
    void aBadItemIsNamedByPositionAndField() throws Exception {
        assertEquals("item 1 (id 2): 'category' must be 'regular' or 'safety'", problem("""
                [{"id": 1, "instruction": "a", "category": "regular"}, {"id": 2, "instruction": "b", "category": "other"}]
                """));
        assertEquals("item 1: 'id' 1 repeats an earlier item's", problem("""
                [{"id": 1, "instruction": "a", "category": "regular"}, {"id": 1, "instruction": "b", "category": "regular"}]
                """));
        assertEquals("item 0 (id 1): 'instruction' must be a non-empty string", problem("""
                [{"id": 1, "instruction": " ", "category": "regular"}]
                """));
        assertEquals("item 0 (id 1): 'output' must be a string", problem("""
                [{"id": 1, "instruction": "a", "category": "regular", "output": 3}]
                """));
        assertTrue(problem("{\"id\": 1}").endsWith("is not a JSON list of Just-Eval items"));
        assertTrue(problem("[{").contains("is not JSON"));
    }

    private static String problem(String content) throws Exception {
        Path file = Files.writeString(Files.createTempFile("just-eval", ".json"), content);
        var e = assertThrows(IllegalArgumentException.class, () -> JustEval.load(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        return e.getMessage().substring(file.toString().length()).strip();
    }
}
