package io.rlrf.reward.service;

import java.util.List;

import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.reward.client.ChatBackend.Message;

/**
 * The model judge's prompts (our own wording of the aspects in {@link AspectCatalog}): one to select
 * the relevant FLASK aspects of a prompt, one per aspect (FLASK's or Just-Eval's) to rate an
 * answer. Both demand a single JSON object. A change here is a new {@link #VERSION}, because the
 * version is part of every cache key.
 */
public final class RubricPrompts {

    public static final String VERSION = "model-rubric-v1";

    private static final String SYSTEM = "You are a strict, fair evaluator of answers to user prompts. "
            + "You follow the rubric exactly, name concrete errors (quote the step or claim), and reply with a "
            + "single JSON object and nothing else: no prose, no code fences.";

    private RubricPrompts() {
    }

    /** Asks for the 1..max aspects most relevant to judging answers to this prompt. */
    public static List<Message> selection(EvaluationItem item, int maxAspects) {
        StringBuilder user = new StringBuilder();
        user.append("Choose the aspects that matter most for judging an answer to the prompt below: at least 1, at most ")
                .append(maxAspects).append(".\n\nAspects (name: what it checks):\n");
        for (AspectCatalog.AspectDefinition a : AspectCatalog.selectable()) {
            user.append("- ").append(a.name()).append(": ").append(a.description()).append('\n');
        }
        user.append("\nPrompt:\n<<<\n").append(item.getPrompt()).append("\n>>>\n\n")
                .append("Reply with exactly this JSON object, using names from the list:\n")
                .append("{\"aspects\": [\"<name>\", ...]}");
        return List.of(new Message("system", SYSTEM), new Message("user", user.toString()));
    }

    /** Asks for a rating of one aspect with a critique. */
    public static List<Message> rating(EvaluationItem item, AspectCatalog.AspectDefinition aspect) {
        StringBuilder user = new StringBuilder();
        user.append("Rate the answer below on one aspect only: ").append(aspect.displayName()).append(".\n")
                .append(aspect.displayName()).append(": ").append(aspect.description()).append("\n\n")
                .append("Ratings:\n")
                .append("1 = ").append(aspect.rating1()).append('\n')
                .append("2 = ").append(aspect.rating2()).append('\n')
                .append("3 = ").append(aspect.rating3()).append("\n\n")
                .append("Prompt:\n<<<\n").append(item.getPrompt()).append("\n>>>\n\n")
                .append("Answer to rate:\n<<<\n").append(item.getAnswer()).append("\n>>>\n\n");
        if (!item.getReference().isBlank()) {
            user.append("Reference (trusted; use it to check facts and the final result):\n<<<\n")
                    .append(item.getReference()).append("\n>>>\n\n");
        }
        user.append("Reply with exactly this JSON object:\n")
                .append("{\"rating\": <1, 2 or 3>, \"critique\": \"<what is wrong and where; may be empty only when the "
                        + "rating is 3>\"}");
        return List.of(new Message("system", SYSTEM), new Message("user", user.toString()));
    }

    /** The follow-up after a reply that did not match the schema. */
    public static Message correction(String problem) {
        return new Message("user", "Your reply did not match the required format: " + problem
                + ". Reply again with only the JSON object, nothing before or after it.");
    }
}
