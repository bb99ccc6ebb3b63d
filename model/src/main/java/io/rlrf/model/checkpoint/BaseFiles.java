package io.rlrf.model.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.rlrf.model.LlamaConfig;
import io.rlrf.model.generate.StopTokens;
import io.rlrf.model.tokenizer.TokenizerConfig;

/**
 * What a checkpoint holds besides its weights, carried from the checkpoint a model was loaded from to
 * every checkpoint saved from it, so the saved one loads with the tools that loaded the base: the base's
 * {@code config.json} (rewritten with only what changed), its storage dtype, and its tokenizer and
 * generation files, copied byte for byte.
 */
public final class BaseFiles {

    /**
     * The files copied through: tokenizers (fast, SentencePiece, BPE vocab and merges), their configs
     * (chat template included), special tokens, and the generation defaults.
     */
    public static final List<String> COMPANIONS = List.of(
            Checkpoint.TOKENIZER, TokenizerConfig.FILE, "special_tokens_map.json", "added_tokens.json",
            "tokenizer.model", "vocab.json", "merges.txt", TokenizerConfig.TEMPLATE_FILE, "chat_template.json",
            StopTokens.GENERATION_CONFIG);

    private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().serializeNulls().create();

    private final String configJson; // null: no base on disk
    private final String torchDtype; // null: not stated (float32, as transformers assumes)
    private final Map<String, byte[]> companions;

    private BaseFiles(String configJson, String torchDtype, Map<String, byte[]> companions) {
        this.configJson = configJson;
        this.torchDtype = torchDtype;
        this.companions = companions;
    }

    /** No base on disk (a freshly initialised model): float32, and {@code tokenizer.json} when given. */
    public static BaseFiles fresh(String tokenizerJson) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (tokenizerJson != null) {
            files.put(Checkpoint.TOKENIZER, tokenizerJson.getBytes(StandardCharsets.UTF_8));
        }
        return new BaseFiles(null, null, Collections.unmodifiableMap(files));
    }

    /** The base files of checkpoint directory {@code dir}. */
    public static BaseFiles read(Path dir) throws CheckpointException {
        Path config = dir.resolve(Checkpoint.CONFIG);
        try {
            String text = Files.readString(config);
            JsonObject json = JsonParser.parseString(text).getAsJsonObject();
            String dtypeKey = dtypeKey(json);
            String dtype = json.has(dtypeKey) && !json.get(dtypeKey).isJsonNull() ? json.get(dtypeKey).getAsString() : null;
            Map<String, byte[]> files = new LinkedHashMap<>();
            for (String name : COMPANIONS) {
                Path f = dir.resolve(name);
                if (Files.isRegularFile(f)) {
                    files.put(name, Files.readAllBytes(f));
                }
            }
            return new BaseFiles(text, dtype, Collections.unmodifiableMap(files));
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(config + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** The dtype weights are saved in when the options name none: the base's {@code torch_dtype}. */
    public Dtype dtype() throws CheckpointException {
        if (torchDtype == null) {
            return Dtype.F32;
        }
        try {
            return Dtype.ofTorchName(torchDtype);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("the base's config.json: " + e.getMessage() + "; name a dtype in SaveOptions");
        }
    }

    /** The companion files by name (unmodifiable; their bytes are not to be changed). */
    public Map<String, byte[]> companions() {
        return companions;
    }

    /**
     * The {@code config.json} to save weights of {@code config} in {@code dtype}: the base's, byte for
     * byte when the dtype is the base's, else with its dtype field set and every other field kept; this
     * library's own rendering ({@link LlamaConfig#toJson}) when there is no base or it describes another
     * network.
     */
    String configJson(LlamaConfig config, Dtype dtype) {
        if (configJson != null) {
            JsonObject base = JsonParser.parseString(configJson).getAsJsonObject();
            if (describes(base, config)) {
                String key = dtypeKey(base);
                if (base.has(key) && !base.get(key).isJsonNull() && base.get(key).getAsString().equals(dtype.torchName())) {
                    return configJson;
                }
                base.addProperty(key, dtype.torchName());
                return PRETTY.toJson(base) + "\n";
            }
        }
        String own = config.toJson(); // states float32
        if (dtype == Dtype.F32) {
            return own;
        }
        JsonObject json = JsonParser.parseString(own).getAsJsonObject();
        json.addProperty("torch_dtype", dtype.torchName());
        return PRETTY.toJson(json) + "\n";
    }

    private static boolean describes(JsonObject json, LlamaConfig config) {
        try {
            return LlamaConfig.fromJson(json).equals(config);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** transformers 5 writes {@code dtype}, earlier versions {@code torch_dtype}. */
    private static String dtypeKey(JsonObject json) {
        return !json.has("torch_dtype") && json.has("dtype") ? "dtype" : "torch_dtype";
    }
}
