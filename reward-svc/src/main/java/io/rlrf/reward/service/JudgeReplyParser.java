package io.rlrf.reward.service;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads the model judge's replies under a strict schema. A reply must be exactly one JSON object
 * (surrounding whitespace aside): no text before or after it, no code fences, no extra keys.
 * <ul>
 * <li>rating: {@code {"rating": 1|2|3, "critique": "..."}}, the rating an integer literal, the
 *     critique a string, non-empty unless the rating is 3;</li>
 * <li>selection: {@code {"aspects": ["name", ...]}}, 1..max distinct names of the catalog's selectable (FLASK) aspects.</li>
 * </ul>
 * Anything else is a {@link Invalid} with the reason, which the judge sends back on its retry.
 */
public final class JudgeReplyParser {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    /** The outcome of parsing one reply. */
    public sealed interface Parsed<T> permits Valid, Invalid {
    }

    public record Valid<T>(T value) implements Parsed<T> {
    }

    public record Invalid<T>(String reason) implements Parsed<T> {
    }

    /** A valid rating reply. */
    public record RatingReply(int rating, String critique) {
    }

    private JudgeReplyParser() {
    }

    public static Parsed<RatingReply> rating(String reply) {
        JsonNode root;
        try {
            root = object(reply);
        } catch (IllegalArgumentException e) {
            return new Invalid<>(e.getMessage());
        }
        String keys = unexpectedKeys(root, Set.of("rating", "critique"));
        if (keys != null) {
            return new Invalid<>(keys);
        }
        JsonNode rating = root.get("rating");
        if (rating == null || !rating.isIntegralNumber()) {
            return new Invalid<>("\"rating\" must be the integer 1, 2 or 3");
        }
        if (!rating.canConvertToInt() || rating.intValue() < 1 || rating.intValue() > 3) {
            return new Invalid<>("\"rating\" must be 1, 2 or 3, got " + rating);
        }
        JsonNode critique = root.get("critique");
        if (critique == null || !critique.isTextual()) {
            return new Invalid<>("\"critique\" must be a string");
        }
        if (rating.intValue() < 3 && critique.asText().isBlank()) {
            return new Invalid<>("\"critique\" must say what is wrong when the rating is below 3");
        }
        return new Valid<>(new RatingReply(rating.intValue(), critique.asText().strip()));
    }

    public static Parsed<List<String>> selection(String reply, int maxAspects) {
        JsonNode root;
        try {
            root = object(reply);
        } catch (IllegalArgumentException e) {
            return new Invalid<>(e.getMessage());
        }
        String keys = unexpectedKeys(root, Set.of("aspects"));
        if (keys != null) {
            return new Invalid<>(keys);
        }
        JsonNode aspects = root.get("aspects");
        if (aspects == null || !aspects.isArray() || aspects.isEmpty() || aspects.size() > maxAspects) {
            return new Invalid<>("\"aspects\" must be a list of 1 to " + maxAspects + " aspect names");
        }
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode a : aspects) {
            if (!a.isTextual() || AspectCatalog.find(a.asText()).filter(d -> d.family() == AspectCatalog.Family.FLASK)
                    .isEmpty()) {
                return new Invalid<>(a + " is not an aspect name; valid names: " + AspectCatalog.selectableNames());
            }
            if (!seen.add(a.asText())) {
                return new Invalid<>("\"aspects\" repeats " + a);
            }
            names.add(a.asText());
        }
        return new Valid<>(List.copyOf(names));
    }

    /** Exactly one JSON object; the message says what is wrong otherwise. */
    private static JsonNode object(String reply) {
        String text = reply == null ? "" : reply.strip();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("the reply is empty");
        }
        if (!text.startsWith("{")) {
            throw new IllegalArgumentException("the reply must start with '{' (no text or code fence before the JSON object)");
        }
        JsonNode node;
        try (JsonParser parser = JSON.createParser(text)) {
            try {
                node = JSON.readTree(parser);
            } catch (IOException e) {
                String m = e.getMessage() == null ? "" : e.getMessage();
                if (m.contains("end-of-input")) {
                    throw new IllegalArgumentException("the JSON object is truncated");
                }
                if (m.contains("Duplicate field")) {
                    throw new IllegalArgumentException("the JSON object repeats a key");
                }
                throw new IllegalArgumentException("the reply is not valid JSON");
            }
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("the reply is not a JSON object");
            }
            boolean trailing;
            try {
                trailing = parser.nextToken() != null;
            } catch (IOException e) {
                trailing = true;
            }
            if (trailing) {
                throw new IllegalArgumentException("there is text after the JSON object");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("the reply is not valid JSON");
        }
        return node;
    }

    private static String unexpectedKeys(JsonNode root, Set<String> allowed) {
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!allowed.contains(key)) {
                return "unexpected key \"" + key + "\"; the object has only " + allowed;
            }
        }
        return null;
    }
}
