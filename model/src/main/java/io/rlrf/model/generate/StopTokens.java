package io.rlrf.model.generate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.rlrf.model.LlamaConfig;
import io.rlrf.model.checkpoint.Checkpoint;
import io.rlrf.model.tokenizer.Tokenizer;
import io.rlrf.model.tokenizer.TokenizerConfig;

/**
 * The end-of-sequence ids of a checkpoint, as its files define them: sampling any of them ends a
 * completion with {@link FinishReason#EOS}, and {@code min_new_tokens} holds all of them back. Read
 * once, when the checkpoint loads, from
 * <ol>
 *   <li>{@code tokenizer_config.json}'s {@code eos_token} (what {@code transformers}' tokenizer and
 *       TRL end a training completion with, e.g. {@code <|eot_id|>} of Llama-3 Instruct; vLLM stops on
 *       it too);</li>
 *   <li>{@code config.json}'s {@code eos_token_id}, a number or a list;</li>
 *   <li>{@code generation_config.json}'s {@code eos_token_id}, a number or a list (what
 *       {@code transformers}' {@code generate} stops on).</li>
 * </ol>
 * The first id found, in that order, is the {@link #primary} one, which
 * {@link io.rlrf.model.Policy#encodeCompletion} appends. The other settings of
 * {@code generation_config.json} (temperature, top_p...) are not applied: each request brings its own
 * {@link SamplingParams}.
 */
public final class StopTokens {

    public static final String GENERATION_CONFIG = "generation_config.json";

    private final int[] eosIds; // distinct, the primary one first

    private StopTokens(int[] eosIds) {
        if (eosIds.length == 0) {
            throw new IllegalArgumentException("at least one EOS id is needed");
        }
        this.eosIds = eosIds;
    }

    /** Exactly these ids (duplicates dropped, order kept; the first is primary). */
    public static StopTokens of(int... ids) {
        return new StopTokens(Arrays.stream(ids).distinct().toArray());
    }

    /** The single EOS id of {@code config} (a model built in memory, with no files to read). */
    public static StopTokens of(LlamaConfig config) {
        return of(config.eosTokenId());
    }

    /**
     * Reads the EOS ids of the checkpoint in {@code dir} (see the class comment). {@code tokenizer} may
     * be null (id-only checkpoint); {@code tokenizerConfig} is what {@link TokenizerConfig#read} found.
     *
     * @throws IOException naming the file and field when an id is malformed or outside the vocabulary
     */
    public static StopTokens read(Path dir, LlamaConfig config, Tokenizer tokenizer, TokenizerConfig tokenizerConfig)
            throws IOException {
        Set<Integer> ids = new LinkedHashSet<>();
        if (tokenizer != null && tokenizerConfig.eosToken() != null) {
            Integer id = tokenizer.addedTokens().get(tokenizerConfig.eosToken());
            if (id != null) {
                ids.add(id);
            }
        }
        ids.addAll(eosIds(dir.resolve(Checkpoint.CONFIG), config.vocabSize()));
        Path generation = dir.resolve(GENERATION_CONFIG);
        if (Files.isRegularFile(generation)) {
            ids.addAll(eosIds(generation, config.vocabSize()));
        }
        if (ids.isEmpty()) {
            ids.add(config.eosTokenId());
        }
        return new StopTokens(ids.stream().mapToInt(Integer::intValue).toArray());
    }

    /** {@code eos_token_id} of a JSON file: absent, null, a number or a list of numbers. */
    private static Set<Integer> eosIds(Path file, int vocabSize) throws IOException {
        Set<Integer> out = new LinkedHashSet<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        JsonElement e;
        try {
            JsonObject root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            e = root.get("eos_token_id");
        } catch (JsonParseException | IllegalStateException ex) {
            throw new IOException(file + " is not a JSON object: " + ex.getMessage(), ex);
        }
        if (e == null || e.isJsonNull()) {
            return out;
        }
        for (JsonElement id : e.isJsonArray() ? e.getAsJsonArray() : List.of(e)) {
            if (!id.isJsonPrimitive() || !id.getAsJsonPrimitive().isNumber()) {
                throw new IOException(file + ": eos_token_id must be a token id or a list of them, got " + e);
            }
            int value = id.getAsInt();
            if (value < 0 || value >= vocabSize) {
                throw new IOException(file + ": eos_token_id " + value + " is outside the vocabulary [0, " + vocabSize + ")");
            }
            out.add(value);
        }
        return out;
    }

    /** Whether sampling {@code token} ends the completion. */
    public boolean isEos(int token) {
        for (int id : eosIds) {
            if (id == token) {
                return true;
            }
        }
        return false;
    }

    /** The EOS id a completion is trained to end with. */
    public int primary() {
        return eosIds[0];
    }

    /** Every EOS id, the primary one first. */
    public int[] ids() {
        return eosIds.clone();
    }

    /** Sets every EOS logit of {@code logits[offset, offset + vocab)} to minus infinity. */
    void mask(float[] logits, int offset) {
        for (int id : eosIds) {
            logits[offset + id] = Float.NEGATIVE_INFINITY;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StopTokens s && Arrays.equals(s.eosIds, eosIds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(eosIds);
    }

    @Override
    public String toString() {
        return "StopTokens" + Arrays.toString(eosIds);
    }
}
