package io.rlrf.tasks.datasets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Just-Eval-Instruct (Lin et al. 2023, "The Unlocking Spell on Base LLMs", MIT, AI2): 1000
 * instructions, 800 {@code regular} (AlpacaEval, LIMA, MT-Bench and others) and 200 {@code safety}
 * (red-teaming prompts), shipped in this jar as {@code io/rlrf/tasks/datasets/just-eval/
 * just_eval_instruct_1000.json} beside its license. The file is a JSON list of
 * {@code {id, instruction, source_id, dataset, category, output, generator, datasplit}}; {@code output}
 * is a reference model's answer (Llama-2-7b-chat in the shipped file), kept in {@link Item#output()}.
 * Files in the same format (e.g. a model's outputs for the benchmark) load with {@link #load(Path)}.
 */
public final class JustEval {

    /** The aspects Just-Eval rates on every item, in the benchmark's order (reward-svc's aspect names). */
    public static final List<String> ASPECTS = List.of("helpfulness", "clarity", "factuality", "depth", "engagement");
    /** The aspect Just-Eval rates on the safety subset as well. */
    public static final String SAFETY_ASPECT = "safety";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHIPPED = "just-eval/just_eval_instruct_1000.json";

    /** Which subset an instruction belongs to; safety instructions are also rated on safety. */
    public enum Category {
        REGULAR, SAFETY;

        /** The name in the file: {@code regular} or {@code safety}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The category of a file's {@code category} value, if it is one. */
        public static Optional<Category> of(String wireName) {
            for (Category c : values()) {
                if (c.wireName().equals(wireName)) {
                    return Optional.of(c);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * One instruction. {@code id} is the file's id as text ({@code "0"} .. {@code "999"} in the shipped
     * file); {@code output} is empty when the item has none.
     */
    public record Item(String id, String instruction, Category category, String dataset, String sourceId,
            Optional<String> output) {
    }

    private JustEval() {
    }

    /** What Just-Eval rates on an item of this category: {@link #ASPECTS}, plus safety on the safety subset. */
    public static List<String> aspects(Category category) {
        if (category == Category.REGULAR) {
            return ASPECTS;
        }
        List<String> all = new ArrayList<>(ASPECTS);
        all.add(SAFETY_ASPECT);
        return List.copyOf(all);
    }

    /** The 1000 shipped instructions, in file order. */
    public static List<Item> shipped() {
        return Shipped.read(SHIPPED, reader -> parse(JSON.readTree(reader), "the shipped Just-Eval set"));
    }

    /**
     * A file in Just-Eval's format. IllegalArgumentException naming the file, the item's position and
     * the field when the file is not such a list.
     */
    public static List<Item> load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " is not a file");
        }
        JsonNode rows;
        try {
            rows = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
        return parse(rows, file.toString());
    }

    /** The items of a parsed Just-Eval list; {@code source} names it in error messages. */
    static List<Item> parse(JsonNode rows, String source) {
        if (rows == null || !rows.isArray()) {
            throw new IllegalArgumentException(source + " is not a JSON list of Just-Eval items");
        }
        List<Item> items = new ArrayList<>(rows.size());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            JsonNode row = rows.get(i);
            String where = source + " item " + i;
            if (!row.isObject()) {
                throw new IllegalArgumentException(where + " is not an object");
            }
            JsonNode idNode = row.path("id");
            if (!(idNode.isIntegralNumber() || idNode.isTextual()) || idNode.asText().isBlank()) {
                throw new IllegalArgumentException(where + ": 'id' must be a number or a non-empty string");
            }
            String id = idNode.asText();
            if (!ids.add(id)) {
                throw new IllegalArgumentException(where + ": 'id' " + id + " repeats an earlier item's");
            }
            String instruction = text(row, "instruction", where);
            if (instruction.isBlank()) {
                throw new IllegalArgumentException(where + " (id " + id + "): 'instruction' must be a non-empty string");
            }
            String categoryName = text(row, "category", where);
            Category category = Category.of(categoryName).orElseThrow(() -> new IllegalArgumentException(
                    where + " (id " + id + "): 'category' must be 'regular' or 'safety'"));
            JsonNode output = row.path("output");
            if (!output.isMissingNode() && !output.isNull() && !output.isTextual()) {
                throw new IllegalArgumentException(where + " (id " + id + "): 'output' must be a string");
            }
            items.add(new Item(id, instruction, category, text(row, "dataset", where), text(row, "source_id", where),
                    output.isTextual() ? Optional.of(output.asText()) : Optional.empty()));
        }
        return List.copyOf(items);
    }

    /** A string field, empty when absent. */
    private static String text(JsonNode row, String field, String where) {
        JsonNode node = row.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return "";
        }
        if (!node.isTextual()) {
            throw new IllegalArgumentException(where + ": '" + field + "' must be a string");
        }
        return node.asText();
    }
}
