package io.rlrf.model.tokenizer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

/**
 * A Hugging Face {@code tokenizer.json}, run by the Rust tokenizers library through DJL (no
 * network: the native library ships in the jar). Truncation and padding are off; the library does
 * its own batching.
 */
public final class HfTokenizer implements Tokenizer {

    private final HuggingFaceTokenizer delegate;
    private final int vocabSize;
    private final Map<String, Integer> addedTokens;

    private HfTokenizer(HuggingFaceTokenizer delegate, int vocabSize, Map<String, Integer> addedTokens) {
        this.delegate = delegate;
        this.vocabSize = vocabSize;
        this.addedTokens = addedTokens;
    }

    /** Loads {@code file} (a {@code tokenizer.json}). */
    public static HfTokenizer load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " does not exist or is not a file");
        }
        try {
            return fromJson(Files.readString(file));
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Builds a tokenizer from the text of a {@code tokenizer.json}. */
    public static HfTokenizer fromJson(String json) throws IOException {
        int size = countVocabulary(json);
        Map<String, Integer> added = addedTokens(json);
        System.setProperty("ai.djl.offline", "true");
        Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
        try (InputStream in = new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))) {
            return new HfTokenizer(HuggingFaceTokenizer.newInstance(in, options), size, added);
        } catch (RuntimeException e) {
            throw new IOException("not a valid tokenizer.json: " + e.getMessage(), e);
        }
    }

    private static int countVocabulary(String text) throws IOException {
        try {
            JsonObject json = JsonParser.parseString(text).getAsJsonObject();
            int max = -1;
            JsonObject model = json.getAsJsonObject("model");
            if (model != null && model.has("vocab") && model.get("vocab").isJsonObject()) {
                for (var e : model.getAsJsonObject("vocab").entrySet()) {
                    max = Math.max(max, e.getValue().getAsInt());
                }
            }
            if (json.has("added_tokens")) {
                for (var t : json.getAsJsonArray("added_tokens")) {
                    max = Math.max(max, t.getAsJsonObject().get("id").getAsInt());
                }
            }
            return max + 1;
        } catch (RuntimeException e) {
            throw new IOException("not a valid tokenizer.json: " + e.getMessage(), e);
        }
    }

    /** {@code added_tokens}: content to id, in file order. */
    private static Map<String, Integer> addedTokens(String text) throws IOException {
        try {
            JsonObject json = JsonParser.parseString(text).getAsJsonObject();
            Map<String, Integer> out = new LinkedHashMap<>();
            if (json.has("added_tokens")) {
                for (var t : json.getAsJsonArray("added_tokens")) {
                    JsonObject o = t.getAsJsonObject();
                    out.put(o.get("content").getAsString(), o.get("id").getAsInt());
                }
            }
            return Collections.unmodifiableMap(out);
        } catch (RuntimeException e) {
            throw new IOException("not a valid tokenizer.json: added_tokens: " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, Integer> addedTokens() {
        return addedTokens;
    }

    @Override
    public int[] encode(String text) {
        long[] ids = delegate.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return delegate.decode(l, true);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public void close() {
        delegate.close();
    }
}
