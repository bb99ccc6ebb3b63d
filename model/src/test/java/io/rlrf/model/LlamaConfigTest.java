package io.rlrf.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * {@code config.json} as the Hub publishes it (src/test/resources/configs: the configs of
 * Llama-3.2-1B-Instruct, Qwen2.5-0.5B-Instruct, Mistral-7B-v0.1, TinyLlama-1.1B-Chat-v1.0 and
 * SmolLM-135M) reads into the right variant, and every field this library cannot honour is refused
 * with its name and value.
 */
class LlamaConfigTest {

    @TempDir
    Path tmp;

    static Path published(String name) {
        try {
            return Path.of(LlamaConfigTest.class.getResource("/configs/" + name + ".json").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void llama32ReadsWithLlama3RopeScalingAndTiedEmbeddings() throws IOException {
        LlamaConfig c = LlamaConfig.read(published("Llama-3.2-1B-Instruct"));
        assertEquals(Architecture.LLAMA, c.architecture());
        assertEquals(new RopeScaling.Llama3(32.0, 1.0, 4.0, 8192), c.ropeScaling());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(128001, c.eosTokenId(), "the first of the eos_token_id list");
        assertEquals(1_235_814_400L, c.parameterCount(), "Llama 3.2 1B's published parameter count");
    }

    @Test
    void qwen25ReadsWithQkvBiasesAndNoSlidingWindow() throws IOException {
        LlamaConfig c = LlamaConfig.read(published("Qwen2.5-0.5B-Instruct"));
        assertEquals(Architecture.QWEN2, c.architecture());
        assertTrue(c.qkvBias());
        assertFalse(c.oProjBias());
        assertEquals(0, c.slidingWindow(), "use_sliding_window is false: sliding_window is not used");
        assertEquals(64, c.headDim());
        assertEquals(494_032_768L, c.parameterCount(), "Qwen2.5 0.5B's published parameter count");
    }

    @Test
    void mistralReadsWithItsSlidingWindow() throws IOException {
        LlamaConfig c = LlamaConfig.read(published("Mistral-7B-v0.1"));
        assertEquals(Architecture.MISTRAL, c.architecture());
        assertEquals(4096, c.slidingWindow());
        assertFalse(c.qkvBias());
        assertEquals(7_241_732_096L, c.parameterCount(), "Mistral 7B's published parameter count");
    }

    @Test
    void tinyLlamaAndSmolLmReadAsPlainLlama() throws IOException {
        for (String name : new String[] {"TinyLlama-1.1B-Chat-v1.0", "SmolLM-135M"}) {
            LlamaConfig c = LlamaConfig.read(published(name));
            assertEquals(Architecture.LLAMA, c.architecture(), name);
            assertEquals(RopeScaling.NONE, c.ropeScaling(), name);
            assertFalse(c.qkvBias() || c.oProjBias(), name);
            assertEquals(0, c.slidingWindow(), name);
        }
        assertEquals(64, LlamaConfig.read(published("SmolLM-135M")).headDim(), "576 / 9 heads");
    }

    @Test
    void linearScalingReadsFromTheOlderTypeKey() throws IOException {
        LlamaConfig c = read("TinyLlama-1.1B-Chat-v1.0", j -> j.add("rope_scaling",
                JsonParser.parseString("{\"type\": \"linear\", \"factor\": 4.0}")));
        assertEquals(new RopeScaling.Linear(4.0), c.ropeScaling());
    }

    @Test
    void attentionBiasPutsBiasesOnAllFourProjections() throws IOException {
        LlamaConfig c = read("TinyLlama-1.1B-Chat-v1.0", j -> j.addProperty("attention_bias", true));
        assertTrue(c.qkvBias() && c.oProjBias());
    }

    @Test
    void transformers5RopeParametersGiveThetaAndScaling() throws IOException {
        LlamaConfig c = read("Llama-3.2-1B-Instruct", j -> {
            JsonObject rope = j.remove("rope_scaling").getAsJsonObject();
            rope.add("rope_theta", j.remove("rope_theta"));
            j.add("rope_parameters", rope);
        });
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(new RopeScaling.Llama3(32.0, 1.0, 4.0, 8192), c.ropeScaling());
    }

    @Test
    void unsupportedFieldsAreRefusedByName() {
        refused("Qwen2.5-0.5B-Instruct", j -> j.addProperty("model_type", "gemma"), "model_type is 'gemma'");
        refused("Llama-3.2-1B-Instruct", j -> j.getAsJsonObject("rope_scaling").addProperty("rope_type", "yarn"),
                "rope_scaling.rope_type is 'yarn'");
        refused("TinyLlama-1.1B-Chat-v1.0", j -> j.add("rope_scaling",
                JsonParser.parseString("{\"type\": \"dynamic\", \"factor\": 2.0}")), "rope_scaling.type is 'dynamic'");
        refused("Llama-3.2-1B-Instruct", j -> j.getAsJsonObject("rope_scaling").remove("low_freq_factor"),
                "rope_scaling.low_freq_factor is missing");
        refused("TinyLlama-1.1B-Chat-v1.0", j -> j.addProperty("mlp_bias", true), "mlp_bias is true");
        refused("Qwen2.5-0.5B-Instruct", j -> j.addProperty("use_sliding_window", true), "use_sliding_window is true");
        refused("Mistral-7B-v0.1", j -> j.addProperty("hidden_act", "gelu"), "hidden_act is 'gelu'");
        refused("Mistral-7B-v0.1", j -> j.addProperty("attention_dropout", 0.1), "attention_dropout is 0.1");
        refused("Mistral-7B-v0.1", j -> j.addProperty("sliding_window", 0), "sliding_window must be > 0");
        refused("Qwen2.5-0.5B-Instruct", j -> j.add("quantization_config",
                JsonParser.parseString("{\"quant_method\": \"gptq\"}")), "quantization_config is set");
        refused("Qwen2.5-0.5B-Instruct", j -> {
            JsonArray types = new JsonArray();
            types.add("full_attention");
            types.add("sliding_attention");
            j.add("layer_types", types);
        }, "layer_types has 'sliding_attention'");
        refused("SmolLM-135M", j -> j.addProperty("partial_rotary_factor", 0.5), "partial_rotary_factor is 0.5");
        refused("SmolLM-135M", j -> j.remove("hidden_size"), "required field hidden_size is missing");
        refused("SmolLM-135M", j -> j.addProperty("num_key_value_heads", 2), "num_attention_heads (9) must be a multiple "
                + "of num_key_value_heads (2)");
    }

    @Test
    void thePlainLlamaConfigIsWrittenAsBefore() {
        // the built-in policy's config.json: a change here would change every checkpoint the experiment writes
        String json = LlamaConfig.of(100, 128, 512, 4, 4, 2, 1024, true).toJson();
        assertTrue(json.contains("\"rope_scaling\": null,\n  \"attention_bias\": false,\n  \"mlp_bias\": false,\n"), json);
        assertFalse(json.contains("sliding_window"), json);
    }

    @Test
    void everyVariantRoundTripsThroughItsOwnJson() throws IOException {
        for (String name : new String[] {"Llama-3.2-1B-Instruct", "Qwen2.5-0.5B-Instruct", "Mistral-7B-v0.1"}) {
            LlamaConfig c = LlamaConfig.read(published(name));
            assertEquals(c, LlamaConfig.fromJson(JsonParser.parseString(c.toJson()).getAsJsonObject()), name);
        }
    }

    private LlamaConfig read(String name, Consumer<JsonObject> edit) throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(published(name))).getAsJsonObject();
        edit.accept(json);
        Path file = tmp.resolve(name + "-edited.json");
        Files.writeString(file, json.toString());
        return LlamaConfig.read(file);
    }

    private void refused(String name, Consumer<JsonObject> edit, String message) {
        IOException e = assertThrows(IOException.class, () -> read(name, edit), message);
        assertTrue(e.getMessage().contains(message), "expected '" + message + "' in: " + e.getMessage());
        assertTrue(e.getMessage().contains(name + "-edited.json"), "the file is named: " + e.getMessage());
    }
}
