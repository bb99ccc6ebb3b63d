package io.rlrf.model.lora;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import io.rlrf.core.AtomicFiles;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Tensors;
import io.rlrf.model.checkpoint.CheckpointException;
import io.rlrf.model.checkpoint.Dtype;
import io.rlrf.model.checkpoint.Safetensors;

/**
 * A LoRA adapter on disk in PEFT's layout, so that {@code PeftModel.from_pretrained(base, dir)} loads
 * what this project trains and the other way round: {@code adapter_config.json} ({@code peft_type}
 * LORA, {@code task_type} CAUSAL_LM, {@code r}, {@code lora_alpha}, {@code lora_dropout},
 * {@code target_modules}, {@code base_model_name_or_path}, {@code bias} none) and
 * {@code adapter_model.safetensors} with PEFT's tensor names ({@link LoraWeights#name}), float32.
 *
 * <p>What PEFT can express and this project cannot run is refused with the field named, never loaded
 * wrongly: another {@code peft_type}, {@code bias} other than none, {@code use_rslora},
 * {@code use_dora}, {@code fan_in_fan_out}, {@code modules_to_save}, {@code layers_to_transform},
 * per-module {@code rank_pattern} / {@code alpha_pattern}, and {@code target_modules} given as a regular
 * expression or naming a module other than the seven projections.
 */
public final class PeftAdapter {

    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";

    private PeftAdapter() {
    }

    /**
     * An adapter's {@code adapter_config.json}.
     *
     * @param lora                  r, alpha, dropout, target modules
     * @param baseModelNameOrPath   what the adapter was trained on (a hub id, a path, or a store version); may be empty
     */
    public record Description(LoraConfig lora, String baseModelNameOrPath) {
    }

    /** Whether {@code dir} holds an adapter (its {@code adapter_config.json}) rather than a full checkpoint. */
    public static boolean isAdapter(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG));
    }

    /** Writes {@code adapter} to {@code dir} atomically (it must not exist yet), naming its base. */
    public static void save(Path dir, LoraWeights adapter, String baseModelNameOrPath, Map<String, String> metadata)
            throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        if (metadata != null) {
            meta.putAll(metadata);
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        adapter.byName().forEach((name, a) -> shapes.put(name, a.getShape().getShape()));
        String json = configJson(adapter.lora(), baseModelNameOrPath);
        AtomicFiles.publishFolder(dir, staging -> {
            Files.writeString(staging.resolve(CONFIG), json);
            Safetensors.write(staging.resolve(WEIGHTS), shapes, name -> adapter.byName().get(name).toFloatArray(), Dtype.F32,
                    meta);
        });
    }

    /** The {@code adapter_config.json} text PEFT writes for this adapter (the fields PEFT's LoraConfig has by default). */
    static String configJson(LoraConfig lora, String baseModelNameOrPath) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("base_model_name_or_path", baseModelNameOrPath == null ? "" : baseModelNameOrPath);
        c.put("r", lora.r());
        c.put("lora_alpha", lora.alpha() == Math.rint(lora.alpha()) ? (Object) (long) lora.alpha() : lora.alpha());
        c.put("lora_dropout", lora.dropout());
        c.put("target_modules", lora.targetModules());
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.put("init_lora_weights", true);
        c.put("use_rslora", false);
        c.put("use_dora", false);
        c.put("modules_to_save", null);
        c.put("layers_to_transform", null);
        c.put("rank_pattern", Map.of());
        c.put("alpha_pattern", Map.of());
        return new GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(c) + "\n";
    }

    /** Reads and checks {@code dir/adapter_config.json}; an unsupported or malformed field fails naming it. */
    public static Description readConfig(Path dir) throws CheckpointException {
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + " is missing: " + dir + " is not a LoRA adapter");
        }
        JsonObject j;
        try {
            j = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file + " is not a JSON object: " + e.getMessage(), e);
        }
        try {
            String type = string(j, "peft_type", "LORA");
            if (!type.equals("LORA")) {
                throw new CheckpointException(file + ": peft_type is " + type + "; only LORA adapters load");
            }
            String task = string(j, "task_type", "CAUSAL_LM");
            if (!task.equals("CAUSAL_LM")) {
                throw new CheckpointException(file + ": task_type is " + task + "; only CAUSAL_LM adapters load");
            }
            String bias = string(j, "bias", "none");
            if (!bias.equals("none")) {
                throw new CheckpointException(file + ": bias is " + bias + "; only bias \"none\" is supported");
            }
            for (String flag : List.of("use_rslora", "use_dora", "fan_in_fan_out")) {
                if (j.has(flag) && !j.get(flag).isJsonNull() && j.get(flag).getAsBoolean()) {
                    throw new CheckpointException(file + ": " + flag + " is true; not supported");
                }
            }
            for (String field : List.of("modules_to_save", "layers_to_transform", "layers_pattern")) {
                JsonElement e = j.get(field);
                if (e != null && !e.isJsonNull() && !(e.isJsonArray() && e.getAsJsonArray().isEmpty())) {
                    throw new CheckpointException(file + ": " + field + " is " + e + "; not supported (must be null)");
                }
            }
            for (String field : List.of("rank_pattern", "alpha_pattern")) {
                JsonElement e = j.get(field);
                if (e != null && !e.isJsonNull() && !(e.isJsonObject() && e.getAsJsonObject().isEmpty())) {
                    throw new CheckpointException(file + ": " + field + " is " + e + "; not supported (must be empty)");
                }
            }
            JsonElement targets = j.get("target_modules");
            if (targets == null || !targets.isJsonArray()) {
                throw new CheckpointException(file + ": target_modules must be a list of module names (one of "
                        + LoraConfig.MODULES + "), got " + targets);
            }
            List<String> modules = new ArrayList<>();
            targets.getAsJsonArray().forEach(e -> modules.add(e.getAsString()));
            if (!j.has("r")) {
                throw new CheckpointException(file + ": r is missing");
            }
            int r = j.get("r").getAsInt();
            double alpha = j.has("lora_alpha") ? j.get("lora_alpha").getAsDouble() : 8; // PEFT's default
            double dropout = j.has("lora_dropout") && !j.get("lora_dropout").isJsonNull() ? j.get("lora_dropout").getAsDouble() : 0;
            LoraConfig lora;
            try {
                lora = new LoraConfig(r, alpha, dropout, modules);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file + ": " + e.getMessage(), e);
            }
            String base = j.has("base_model_name_or_path") && !j.get("base_model_name_or_path").isJsonNull()
                    ? j.get("base_model_name_or_path").getAsString() : "";
            return new Description(lora, base);
        } catch (CheckpointException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CheckpointException(file + " is malformed: " + e.getMessage(), e);
        }
    }

    private static String string(JsonObject j, String field, String absent) {
        JsonElement e = j.get(field);
        return e == null || e.isJsonNull() ? absent : e.getAsString();
    }

    /**
     * Loads the adapter in {@code dir} for a base of {@code config} onto a new sub-manager of
     * {@code parent}: every tensor PEFT's names and the config's shapes call for, none other.
     */
    public static LoraWeights load(Path dir, LlamaConfig config, NDManager parent) throws CheckpointException {
        Description d = readConfig(dir);
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + " is missing");
        }
        NDManager manager = parent.newSubManager();
        try (Safetensors.File st = Safetensors.open(file)) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (String name : st.entries().keySet()) {
                Safetensors.Tensor t = st.read(name);
                arrays.put(name, Tensors.of(manager, t.data(), new Shape(t.shape())));
            }
            try {
                return LoraWeights.fromArrays(config, d.lora(), manager, arrays);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file + ": " + e.getMessage(), e);
            }
        } catch (IOException | RuntimeException e) {
            manager.close();
            if (e instanceof CheckpointException ce) {
                throw ce;
            }
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
    }
}
