package io.rlrf.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * The sizes of a Llama-family decoder, with the field names of a Hugging Face
 * {@code LlamaForCausalLM} {@code config.json}. Validated once, here.
 *
 * @param vocabSize             V, rows of the token embedding
 * @param hiddenSize            C, the residual stream width
 * @param intermediateSize      F, the SwiGLU hidden width
 * @param numHiddenLayers       L, decoder blocks
 * @param numAttentionHeads     H, query heads
 * @param numKeyValueHeads      Hkv, key/value heads (H for plain multi-head attention; fewer for
 *                              grouped-query attention, where query head h uses K/V head h / (H / Hkv))
 * @param headDim               D, per-head width (usually C / H)
 * @param maxPositionEmbeddings the longest sequence (prompt + completion) the model accepts
 * @param rmsNormEps            epsilon inside RMSNorm's square root
 * @param ropeTheta             RoPE base frequency
 * @param tieWordEmbeddings     whether the LM head reuses the token embedding matrix
 * @param bosTokenId            beginning-of-sequence token, prepended to every prompt
 * @param eosTokenId            end-of-sequence token, which ends a completion
 */
public record LlamaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        boolean tieWordEmbeddings,
        int bosTokenId,
        int eosTokenId) {

    public LlamaConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("head_dim", headDim);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for rotary embeddings, got " + headDim);
        }
        if (!(rmsNormEps > 0)) {
            throw new IllegalArgumentException("rms_norm_eps must be > 0, got " + rmsNormEps);
        }
        if (!(ropeTheta > 0)) {
            throw new IllegalArgumentException("rope_theta must be > 0, got " + ropeTheta);
        }
        tokenId("bos_token_id", bosTokenId, vocabSize);
        tokenId("eos_token_id", eosTokenId, vocabSize);
    }

    /**
     * A config with the usual derived values: D = C / H, max positions as given, eps 1e-5, theta
     * 10000, BOS 1, EOS 2.
     */
    public static LlamaConfig of(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads,
            int kvHeads, int maxPositions, boolean tied) {
        if (heads <= 0 || hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden_size (" + hiddenSize + ") must be a multiple of "
                    + "num_attention_heads (" + heads + ")");
        }
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads,
                hiddenSize / heads, maxPositions, 1e-5, 10000.0, tied, 1, 2);
    }

    /** Query heads per K/V head (1 without grouped-query attention). */
    public int queriesPerKvHead() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** Total parameter count; a tied LM head is counted once. */
    public long parameterCount() {
        long c = hiddenSize;
        long attention = c * numAttentionHeads * headDim * 2L + c * numKeyValueHeads * headDim * 2L;
        long mlp = 3L * c * intermediateSize;
        long perLayer = attention + mlp + 2 * c;
        long embeddings = (long) vocabSize * c * (tieWordEmbeddings ? 1 : 2);
        return numHiddenLayers * perLayer + embeddings + c;
    }

    /** Reads a Hugging Face {@code config.json}; a missing or unsupported field is named in the error. */
    public static LlamaConfig read(Path file) throws IOException {
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IOException(file + " is not a JSON object: " + e.getMessage(), e);
        }
        String type = optString(json, "model_type", "llama");
        if (!type.equals("llama")) {
            throw new IOException(file + ": model_type is '" + type + "', only 'llama' is supported");
        }
        if (json.has("rope_scaling") && !json.get("rope_scaling").isJsonNull()) {
            throw new IOException(file + ": rope_scaling is set; only plain RoPE (rope_scaling null) is supported");
        }
        for (String bias : new String[] {"attention_bias", "mlp_bias"}) {
            if (json.has(bias) && json.get(bias).getAsBoolean()) {
                throw new IOException(file + ": " + bias + " is true; biases are not supported");
            }
        }
        String act = optString(json, "hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new IOException(file + ": hidden_act is '" + act + "', only 'silu' (SwiGLU) is supported");
        }
        try {
            int hidden = requiredInt(json, "hidden_size", file);
            int heads = requiredInt(json, "num_attention_heads", file);
            return new LlamaConfig(
                    requiredInt(json, "vocab_size", file),
                    hidden,
                    requiredInt(json, "intermediate_size", file),
                    requiredInt(json, "num_hidden_layers", file),
                    heads,
                    json.has("num_key_value_heads") ? json.get("num_key_value_heads").getAsInt() : heads,
                    json.has("head_dim") && !json.get("head_dim").isJsonNull()
                            ? json.get("head_dim").getAsInt() : hidden / heads,
                    requiredInt(json, "max_position_embeddings", file),
                    json.has("rms_norm_eps") ? json.get("rms_norm_eps").getAsDouble() : 1e-6,
                    json.has("rope_theta") ? json.get("rope_theta").getAsDouble() : 10000.0,
                    json.has("tie_word_embeddings") && json.get("tie_word_embeddings").getAsBoolean(),
                    optTokenId(json, "bos_token_id", 1),
                    optTokenId(json, "eos_token_id", 2));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Writes this config as a Hugging Face {@code LlamaForCausalLM} {@code config.json}. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", new String[] {"LlamaForCausalLM"});
        m.put("model_type", "llama");
        m.put("hidden_size", hiddenSize);
        m.put("intermediate_size", intermediateSize);
        m.put("num_hidden_layers", numHiddenLayers);
        m.put("num_attention_heads", numAttentionHeads);
        m.put("num_key_value_heads", numKeyValueHeads);
        m.put("head_dim", headDim);
        m.put("vocab_size", vocabSize);
        m.put("max_position_embeddings", maxPositionEmbeddings);
        m.put("rms_norm_eps", rmsNormEps);
        m.put("rope_theta", ropeTheta);
        m.put("rope_scaling", null);
        m.put("attention_bias", false);
        m.put("mlp_bias", false);
        m.put("tie_word_embeddings", tieWordEmbeddings);
        m.put("hidden_act", "silu");
        m.put("torch_dtype", "float32");
        m.put("bos_token_id", bosTokenId);
        m.put("eos_token_id", eosTokenId);
        Gson gson = new GsonBuilder().setPrettyPrinting().serializeNulls().create();
        return gson.toJson(m) + "\n";
    }

    private static int requiredInt(JsonObject json, String field, Path file) {
        JsonElement e = json.get(field);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException("required field " + field + " is missing");
        }
        return e.getAsInt();
    }

    private static String optString(JsonObject json, String field, String fallback) {
        JsonElement e = json.get(field);
        return e == null || e.isJsonNull() ? fallback : e.getAsString();
    }

    private static int optTokenId(JsonObject json, String field, int fallback) {
        JsonElement e = json.get(field);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        // Some configs list several EOS ids; the first one is the one this library stops on.
        return e.isJsonArray() ? e.getAsJsonArray().get(0).getAsInt() : e.getAsInt();
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be > 0, got " + value);
        }
    }

    private static void tokenId(String field, int value, int vocab) {
        if (value < 0 || value >= vocab) {
            throw new IllegalArgumentException(field + " must be in [0, vocab_size=" + vocab + "), got " + value);
        }
    }
}
