package io.rlrf.model.generate;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.rlrf.model.LlamaConfig;
import io.rlrf.model.LlamaWeights;
import io.rlrf.model.checkpoint.Checkpoint;
import io.rlrf.model.checkpoint.Safetensors;

/**
 * A checkpoint whose greedy output is known in advance: its attention and MLP write nothing into the
 * residual stream (o_proj and down_proj are zero), so the hidden state at a position is the embedding
 * of the token there, and the logits depend on the current token only. Token {@code from} gets a
 * one-hot embedding and its LM-head row points at {@code to}: a bigram table the model follows
 * greedily. A token with no successor embeds as zero, so every logit is 0 and greedy picks id 0.
 * The tokenizer files come from fixtures/templates/{family}.
 */
public final class ScriptedCheckpoint {

    private ScriptedCheckpoint() {
    }

    public static Path fixture(String family) {
        try {
            return Path.of(ScriptedCheckpoint.class.getResource("/fixtures/templates/" + family).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes the checkpoint to {@code dir}.
     *
     * @param vocab     vocab_size (at least the tokenizer's)
     * @param eos       config.json's eos_token_id (one id is written as a number, several as a list)
     * @param next      the bigram table: after token k comes next.get(k)
     * @param files     fixture files of {@code family} to copy beside (tokenizer.json, tokenizer_config.json...)
     */
    public static Path write(Path dir, String family, int vocab, List<Integer> eos, Map<Integer, Integer> next,
            List<String> files) throws IOException {
        Files.createDirectories(dir);
        int c = 8; // hidden size: one one-hot slot per scripted token
        if (next.size() > c) {
            throw new IllegalArgumentException("at most " + c + " scripted transitions");
        }
        LlamaConfig config = LlamaConfig.of(vocab, c, 16, 1, 2, 2, 256, false);
        float[] embed = new float[vocab * c]; // (V, C)
        float[] head = new float[vocab * c]; // (V, C)
        int slot = 0;
        for (Map.Entry<Integer, Integer> e : next.entrySet()) {
            embed[e.getKey() * c + slot] = 1f;
            head[e.getValue() * c + slot] = 1f;
            slot++;
        }
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : LlamaWeights.shapes(config).entrySet()) {
            long[] shape = e.getValue();
            int size = 1;
            for (long d : shape) {
                size *= (int) d;
            }
            float[] data;
            if (e.getKey().equals(LlamaWeights.EMBED)) {
                data = embed;
            } else if (e.getKey().equals(LlamaWeights.LM_HEAD)) {
                data = head;
            } else if (e.getKey().endsWith("norm.weight")) {
                data = new float[size];
                java.util.Arrays.fill(data, 1f);
            } else {
                data = new float[size]; // every projection zero: the residual stream is the embedding
            }
            tensors.put(e.getKey(), new Safetensors.Tensor(shape, data));
        }
        Safetensors.write(dir.resolve(Checkpoint.WEIGHTS), tensors, Map.of("format", "pt"));
        JsonObject json = JsonParser.parseString(config.toJson()).getAsJsonObject();
        if (eos.size() == 1) {
            json.addProperty("eos_token_id", eos.get(0));
        } else {
            JsonArray ids = new JsonArray();
            eos.forEach(ids::add);
            json.add("eos_token_id", ids);
        }
        Files.writeString(dir.resolve(Checkpoint.CONFIG), new GsonBuilder().setPrettyPrinting().create().toJson(json));
        for (String f : files) {
            Files.copy(fixture(family).resolve(f), dir.resolve(f));
        }
        return dir;
    }
}
