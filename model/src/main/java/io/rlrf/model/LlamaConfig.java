package io.rlrf.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * The shape and variant of a Llama-family decoder ({@link Architecture}: Llama, Qwen2, Mistral), with
 * the field names of a Hugging Face {@code config.json}. Validated once, here: a field this library
 * cannot honour is an error naming it, never a silent mis-load; fields that change nothing at
 * inference or training here (e.g. {@code pretraining_tp}, {@code use_cache}) are ignored.
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
 * @param architecture          the family, {@code model_type}
 * @param ropeScaling           {@code rope_scaling}, {@link RopeScaling#NONE} for plain RoPE
 * @param qkvBias               whether q_proj, k_proj and v_proj have biases (Qwen2; Llama's
 *                              {@code attention_bias})
 * @param oProjBias             whether o_proj has a bias (Llama's {@code attention_bias})
 * @param slidingWindow         W of sliding-window attention (Mistral's {@code sliding_window}): a query
 *                              at position i sees keys j with {@code i - j < W}; 0 for full causal attention
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
        int eosTokenId,
        Architecture architecture,
        RopeScaling ropeScaling,
        boolean qkvBias,
        boolean oProjBias,
        int slidingWindow) {

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
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(ropeScaling, "ropeScaling (RopeScaling.NONE for plain RoPE)");
        if (slidingWindow < 0) {
            throw new IllegalArgumentException("sliding_window must be > 0 (or null for none), got " + slidingWindow);
        }
    }

    /** A plain Llama: no biases, no RoPE scaling, no sliding window. */
    public LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
            int numKeyValueHeads, int headDim, int maxPositionEmbeddings, double rmsNormEps, double ropeTheta,
            boolean tieWordEmbeddings, int bosTokenId, int eosTokenId) {
        this(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim,
                maxPositionEmbeddings, rmsNormEps, ropeTheta, tieWordEmbeddings, bosTokenId, eosTokenId,
                Architecture.LLAMA, RopeScaling.NONE, false, false, 0);
    }

    /**
     * A plain Llama config with the usual derived values: D = C / H, max positions as given, eps 1e-5,
     * theta 10000, BOS 1, EOS 2.
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
        long qd = (long) numAttentionHeads * headDim;
        long kvd = (long) numKeyValueHeads * headDim;
        long attention = c * qd * 2L + c * kvd * 2L + (qkvBias ? qd + 2 * kvd : 0) + (oProjBias ? c : 0);
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
        try {
            return fromJson(json);
        } catch (IllegalArgumentException | UnsupportedOperationException | IllegalStateException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The config a {@code config.json} object describes.
     *
     * @throws IllegalArgumentException naming the first field that is missing, malformed or unsupported
     */
    public static LlamaConfig fromJson(JsonObject json) {
        // 1. the family, and what no family here supports
        Architecture arch = Architecture.ofModelType(optString(json, "model_type", "llama"));
        String act = optString(json, "hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException("hidden_act is '" + act + "', only 'silu' (SwiGLU) is supported");
        }
        if (optBoolean(json, "mlp_bias", false)) {
            throw new IllegalArgumentException("mlp_bias is true; MLP biases are not supported");
        }
        if (present(json, "quantization_config")) {
            throw new IllegalArgumentException("quantization_config is set; quantized checkpoints are not supported");
        }
        double dropout = optDouble(json, "attention_dropout", 0.0);
        if (dropout != 0.0) {
            throw new IllegalArgumentException("attention_dropout is " + dropout + "; only 0 is supported");
        }
        double rotary = optDouble(json, "partial_rotary_factor", 1.0);
        if (rotary != 1.0) {
            throw new IllegalArgumentException("partial_rotary_factor is " + rotary + "; only 1 (full RoPE) is supported");
        }

        // 2. what varies by family: biases and the attention window
        boolean qkvBias;
        boolean oBias;
        int window = 0;
        switch (arch) {
            case LLAMA -> {
                qkvBias = optBoolean(json, "attention_bias", false);
                oBias = qkvBias;
            }
            case QWEN2 -> {
                qkvBias = true; // Qwen2Attention: bias on q, k, v; none on o
                oBias = false;
                if (optBoolean(json, "use_sliding_window", false)) {
                    throw new IllegalArgumentException("use_sliding_window is true; qwen2's per-layer sliding window "
                            + "(max_window_layers) is not supported");
                }
            }
            case MISTRAL -> {
                qkvBias = false;
                oBias = false;
                window = present(json, "sliding_window") ? intField(json, "sliding_window") : 0;
                if (present(json, "sliding_window") && window <= 0) {
                    throw new IllegalArgumentException("sliding_window must be > 0 or null, got " + window);
                }
            }
            default -> throw new IllegalStateException("unreachable");
        }
        if (present(json, "layer_types")) {
            String expected = window > 0 ? "sliding_attention" : "full_attention";
            for (JsonElement t : json.getAsJsonArray("layer_types")) {
                if (!t.getAsString().equals(expected)) {
                    throw new IllegalArgumentException("layer_types has '" + t.getAsString() + "'; only layers of one "
                            + "kind ('" + expected + "' here) are supported");
                }
            }
        }

        // 3. rotary embeddings: rope_theta and rope_scaling, or transformers 5's rope_parameters
        JsonObject rope = present(json, "rope_parameters") ? json.getAsJsonObject("rope_parameters")
                : present(json, "rope_scaling") ? json.getAsJsonObject("rope_scaling") : null;
        String ropeField = present(json, "rope_parameters") ? "rope_parameters" : "rope_scaling";
        double theta = present(json, "rope_theta") ? doubleField(json, "rope_theta")
                : rope != null && present(rope, "rope_theta") ? doubleField(rope, "rope_theta") : 10000.0;
        RopeScaling scaling = rope == null ? RopeScaling.NONE : ropeScaling(rope, ropeField);

        // 4. sizes
        int hidden = requiredInt(json, "hidden_size");
        int heads = requiredInt(json, "num_attention_heads");
        return new LlamaConfig(
                requiredInt(json, "vocab_size"),
                hidden,
                requiredInt(json, "intermediate_size"),
                requiredInt(json, "num_hidden_layers"),
                heads,
                present(json, "num_key_value_heads") ? intField(json, "num_key_value_heads") : heads,
                present(json, "head_dim") ? intField(json, "head_dim") : hidden / heads,
                requiredInt(json, "max_position_embeddings"),
                optDouble(json, "rms_norm_eps", 1e-6),
                theta,
                optBoolean(json, "tie_word_embeddings", false),
                optTokenId(json, "bos_token_id", 1),
                optTokenId(json, "eos_token_id", 2),
                arch, scaling, qkvBias, oBias, window);
    }

    private static RopeScaling ropeScaling(JsonObject rope, String field) {
        String key = present(rope, "rope_type") || !present(rope, "type") ? "rope_type" : "type";
        String type = present(rope, key) ? rope.get(key).getAsString() : "default";
        return switch (type) {
            case "default" -> RopeScaling.NONE;
            case "linear" -> new RopeScaling.Linear(doubleField(rope, "factor", field));
            case "llama3" -> new RopeScaling.Llama3(doubleField(rope, "factor", field),
                    doubleField(rope, "low_freq_factor", field), doubleField(rope, "high_freq_factor", field),
                    (int) doubleField(rope, "original_max_position_embeddings", field));
            default -> throw new IllegalArgumentException(field + "." + key + " is '" + type
                    + "'; supported: default, linear, llama3");
        };
    }

    /** Writes this config as a Hugging Face {@code config.json} of its architecture. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", new String[] {architecture.className()});
        m.put("model_type", architecture.modelType());
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
        m.put("rope_scaling", ropeScalingJson());
        switch (architecture) {
            case LLAMA -> {
                m.put("attention_bias", qkvBias);
                m.put("mlp_bias", false);
            }
            case QWEN2 -> m.put("use_sliding_window", false);
            case MISTRAL -> m.put("sliding_window", slidingWindow > 0 ? slidingWindow : null);
            default -> throw new IllegalStateException("unreachable");
        }
        m.put("tie_word_embeddings", tieWordEmbeddings);
        m.put("hidden_act", "silu");
        m.put("torch_dtype", "float32");
        m.put("bos_token_id", bosTokenId);
        m.put("eos_token_id", eosTokenId);
        Gson gson = new GsonBuilder().setPrettyPrinting().serializeNulls().create();
        return gson.toJson(m) + "\n";
    }

    private Map<String, Object> ropeScalingJson() {
        Map<String, Object> r = new LinkedHashMap<>();
        if (ropeScaling instanceof RopeScaling.Linear l) {
            r.put("rope_type", "linear");
            r.put("factor", l.factor());
        } else if (ropeScaling instanceof RopeScaling.Llama3 l) {
            r.put("rope_type", "llama3");
            r.put("factor", l.factor());
            r.put("low_freq_factor", l.lowFreqFactor());
            r.put("high_freq_factor", l.highFreqFactor());
            r.put("original_max_position_embeddings", l.originalMaxPositionEmbeddings());
        } else {
            return null; // plain RoPE
        }
        return r;
    }

    private static boolean present(JsonObject json, String field) {
        return json.has(field) && !json.get(field).isJsonNull();
    }

    private static int requiredInt(JsonObject json, String field) {
        if (!present(json, field)) {
            throw new IllegalArgumentException("required field " + field + " is missing");
        }
        return intField(json, field);
    }

    private static int intField(JsonObject json, String field) {
        try {
            return json.get(field).getAsInt();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(field + " is not an integer: " + json.get(field));
        }
    }

    private static double doubleField(JsonObject json, String field) {
        try {
            return json.get(field).getAsDouble();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(field + " is not a number: " + json.get(field));
        }
    }

    private static double doubleField(JsonObject json, String field, String parent) {
        if (!present(json, field)) {
            throw new IllegalArgumentException(parent + "." + field + " is missing");
        }
        return doubleField(json, field);
    }

    private static double optDouble(JsonObject json, String field, double fallback) {
        return present(json, field) ? doubleField(json, field) : fallback;
    }

    private static boolean optBoolean(JsonObject json, String field, boolean fallback) {
        if (!present(json, field)) {
            return fallback;
        }
        try {
            return json.get(field).getAsBoolean();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(field + " is not a boolean: " + json.get(field));
        }
    }

    private static String optString(JsonObject json, String field, String fallback) {
        return present(json, field) ? json.get(field).getAsString() : fallback;
    }

    private static int optTokenId(JsonObject json, String field, int fallback) {
        if (!present(json, field)) {
            return fallback;
        }
        JsonElement e = json.get(field);
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
