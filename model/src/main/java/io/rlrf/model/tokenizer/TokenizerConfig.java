package io.rlrf.model.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * What this library reads from a checkpoint's {@code tokenizer_config.json} (and the
 * {@code chat_template.jinja} beside it): the chat template and the BOS and EOS strings the template
 * is given. Read once, when the checkpoint loads.
 *
 * @param chatTemplate       the Jinja chat template, or null when the checkpoint has none
 * @param chatTemplateOrigin the file it came from (named in template errors), or null
 * @param bosToken           {@code bos_token} as text, or null
 * @param eosToken           {@code eos_token} as text, or null
 */
public record TokenizerConfig(String chatTemplate, String chatTemplateOrigin, String bosToken, String eosToken) {

    public static final String FILE = "tokenizer_config.json";
    public static final String TEMPLATE_FILE = "chat_template.jinja";

    /** A checkpoint without a {@code tokenizer_config.json}: no template, no special-token strings. */
    public static final TokenizerConfig NONE = new TokenizerConfig(null, null, null, null);

    public boolean hasChatTemplate() {
        return chatTemplate != null;
    }

    /**
     * Reads {@code dir}'s {@code tokenizer_config.json} and {@code chat_template.jinja}, either or both
     * of which may be absent. The template is, as in {@code transformers}: {@code chat_template.jinja}
     * when present, else {@code chat_template} of the JSON, either a string or a list of
     * {@code {name, template}} of which the one named {@code default} is used.
     *
     * @throws IOException naming the file and field when one is malformed
     */
    public static TokenizerConfig read(Path dir) throws IOException {
        Path json = dir.resolve(FILE);
        Path jinja = dir.resolve(TEMPLATE_FILE);
        String template = null;
        String origin = null;
        String bos = null;
        String eos = null;
        if (Files.isRegularFile(json)) {
            JsonObject root;
            try {
                root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw new IOException(json + " is not a JSON object: " + e.getMessage(), e);
            }
            bos = tokenText(root, "bos_token", json);
            eos = tokenText(root, "eos_token", json);
            template = template(root, json);
            origin = template == null ? null : json.toString();
        }
        if (Files.isRegularFile(jinja)) {
            template = Files.readString(jinja);
            origin = jinja.toString();
        }
        return new TokenizerConfig(template, origin, bos, eos);
    }

    /** A special token as text: a string, or an AddedToken object's {@code content}; null if unset. */
    private static String tokenText(JsonObject root, String field, Path file) throws IOException {
        JsonElement e = root.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
            return e.getAsJsonObject().get("content").getAsString();
        }
        throw new IOException(file + ": " + field + " must be a string or an object with a content field, got " + e);
    }

    private static String template(JsonObject root, Path file) throws IOException {
        JsonElement e = root.get("chat_template");
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        if (e.isJsonArray()) {
            List<String> names = new ArrayList<>();
            for (JsonElement item : e.getAsJsonArray()) {
                if (!item.isJsonObject() || !item.getAsJsonObject().has("name") || !item.getAsJsonObject().has("template")) {
                    throw new IOException(file + ": chat_template is a list whose items must be {name, template}, got " + item);
                }
                String name = item.getAsJsonObject().get("name").getAsString();
                if (name.equals("default")) {
                    return item.getAsJsonObject().get("template").getAsString();
                }
                names.add(name);
            }
            throw new IOException(file + ": chat_template lists templates " + names + " but none named 'default'");
        }
        throw new IOException(file + ": chat_template must be a string or a list of {name, template}, got " + e);
    }
}
