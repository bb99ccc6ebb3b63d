package io.rlrf.model.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import io.rlrf.core.AtomicFiles;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.LlamaWeights;
import io.rlrf.model.Tensors;

/**
 * A checkpoint directory in Hugging Face layout: {@code config.json} (a Llama, Qwen2 or Mistral
 * config, see {@link io.rlrf.model.Architecture}), {@code model.safetensors} (or shards listed in
 * {@code model.safetensors.index.json}) with Hugging Face tensor names in F32, BF16 or F16, and the
 * tokenizer and generation files ({@link BaseFiles}). What this library writes loads in
 * {@code transformers} unchanged, and real checkpoints of those architectures load here unchanged.
 *
 * <p>Saving is atomic: files are written and fsynced in a temporary sibling directory that is then
 * renamed into place, so a crash leaves either no checkpoint or a whole one.
 */
public final class Checkpoint {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    public static final String TOKENIZER = "tokenizer.json";

    private Checkpoint() {
    }

    /** Reads and validates {@code config.json} of {@code dir}. */
    public static LlamaConfig readConfig(Path dir) throws CheckpointException {
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + " is missing: " + dir + " is not a checkpoint directory");
        }
        try {
            return LlamaConfig.read(file);
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
    }

    /**
     * Loads the weights of {@code dir} for {@code config} onto a new sub-manager of {@code parent}.
     * Every tensor the config needs must be present with its exact shape; a tensor the config does
     * not know is an error (it means another architecture), except a tied {@code lm_head.weight} and
     * RoPE {@code inv_freq} buffers, which are derived and ignored.
     */
    public static LlamaWeights loadWeights(Path dir, LlamaConfig config, NDManager parent) throws CheckpointException {
        return loadWeights(dir, config, parent, DataType.FLOAT32);
    }

    /**
     * As {@link #loadWeights(Path, LlamaConfig, NDManager)}, every tensor converted to {@code compute}
     * ({@link DataType#FLOAT32} or {@link DataType#FLOAT16}, see {@code Compute}) on {@code parent}'s device.
     */
    public static LlamaWeights loadWeights(Path dir, LlamaConfig config, NDManager parent, DataType compute)
            throws CheckpointException {
        Map<String, Path> fileOf = tensorFiles(dir);
        Map<String, long[]> expected = LlamaWeights.shapes(config);
        Set<String> unexpected = new TreeSet<>();
        for (String name : fileOf.keySet()) {
            boolean derived = name.endsWith("rotary_emb.inv_freq")
                    || (config.tieWordEmbeddings() && name.equals(LlamaWeights.LM_HEAD));
            if (!expected.containsKey(name) && !derived) {
                unexpected.add(name);
            }
        }
        if (!unexpected.isEmpty()) {
            throw new CheckpointException(dir.resolve(WEIGHTS) + " has tensors this config (" + dir.resolve(CONFIG)
                    + ") does not describe: " + unexpected);
        }
        NDManager manager = parent.newSubManager();
        Map<Path, Safetensors.File> open = new HashMap<>();
        try {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                String name = e.getKey();
                Path file = fileOf.get(name);
                if (file == null) {
                    throw new CheckpointException(dir.resolve(WEIGHTS) + ": tensor " + name + " is missing (expected shape "
                            + Arrays.toString(e.getValue()) + ")");
                }
                Safetensors.File st = open.get(file);
                if (st == null) {
                    st = Safetensors.open(file);
                    open.put(file, st);
                }
                long[] actual = st.entries().get(name).shape();
                if (!Arrays.equals(actual, e.getValue())) {
                    throw new CheckpointException(file + ": tensor " + name + " has shape " + Arrays.toString(actual)
                            + ", but " + dir.resolve(CONFIG) + " requires " + Arrays.toString(e.getValue()));
                }
                Safetensors.Tensor t = st.read(name);
                NDArray array = Tensors.of(manager, t.data(), new Shape(t.shape())); // fp32
                if (compute != DataType.FLOAT32) {
                    NDArray converted = array.toType(compute, false);
                    array.close();
                    array = converted;
                }
                arrays.put(name, array);
            }
            return LlamaWeights.fromArrays(config, manager, arrays);
        } catch (CheckpointException | RuntimeException e) {
            manager.close();
            throw e;
        } finally {
            for (Safetensors.File f : open.values()) {
                try {
                    f.close();
                } catch (IOException ignored) {
                    // read-only handle
                }
            }
        }
    }

    /** Tensor name to the file that holds it: one file, or the shards of an index. */
    private static Map<String, Path> tensorFiles(Path dir) throws CheckpointException {
        Path single = dir.resolve(WEIGHTS);
        Path index = dir.resolve(WEIGHTS_INDEX);
        Map<String, Path> out = new LinkedHashMap<>();
        if (Files.isRegularFile(single)) {
            try (Safetensors.File st = Safetensors.open(single)) {
                for (String name : st.entries().keySet()) {
                    out.put(name, single);
                }
            } catch (CheckpointException e) {
                throw e;
            } catch (IOException e) {
                throw new CheckpointException(single + ": " + e.getMessage(), e);
            }
            return out;
        }
        if (Files.isRegularFile(index)) {
            try {
                JsonObject json = JsonParser.parseString(Files.readString(index)).getAsJsonObject();
                for (Map.Entry<String, JsonElement> e : json.getAsJsonObject("weight_map").entrySet()) {
                    Path shard = dir.resolve(e.getValue().getAsString()).normalize();
                    if (!shard.startsWith(dir.normalize())) {
                        throw new CheckpointException(index + ": shard " + e.getValue().getAsString()
                                + " of tensor " + e.getKey() + " lies outside " + dir);
                    }
                    out.put(e.getKey(), shard);
                }
                return out;
            } catch (CheckpointException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                throw new CheckpointException(index + " is damaged: " + e.getMessage(), e);
            }
        }
        throw new CheckpointException(single + " is missing (and there is no " + WEIGHTS_INDEX + ")");
    }

    /**
     * Writes a checkpoint to {@code dir} atomically, float32 in one file. {@code tokenizerJson} (the text
     * of a {@code tokenizer.json}) may be null for id-only models. Fails if {@code dir} already exists.
     */
    public static void save(Path dir, LlamaWeights weights, String tokenizerJson, Map<String, String> metadata)
            throws IOException {
        save(dir, weights, tokenizerJson, metadata, Map.of());
    }

    /**
     * As {@link #save(Path, LlamaWeights, String, Map)}, with {@code extraFiles} (name to text) written
     * into the same folder, published with it.
     */
    public static void save(Path dir, LlamaWeights weights, String tokenizerJson, Map<String, String> metadata,
            Map<String, String> extraFiles) throws IOException {
        save(dir, weights, BaseFiles.fresh(tokenizerJson), SaveOptions.DEFAULT, metadata, extraFiles);
    }

    /**
     * Writes a checkpoint to {@code dir} atomically, as its base was written: the base's
     * {@code config.json} (dtype updated), its tokenizer and generation files copied byte for byte, the
     * weights in {@code options}' dtype (the base's by default) in one {@code model.safetensors} or, above
     * the shard size, in shards listed by {@code model.safetensors.index.json}. {@code extraFiles} (name to
     * text) are published with it and win over a base file of the same name. Fails if {@code dir} exists.
     */
    public static void save(Path dir, LlamaWeights weights, BaseFiles base, SaveOptions options,
            Map<String, String> metadata, Map<String, String> extraFiles) throws IOException {
        Dtype dtype = options.dtype() != null ? options.dtype() : base.dtype();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt"); // what transformers expects in __metadata__
        if (metadata != null) {
            meta.putAll(metadata);
        }
        List<Map<String, long[]>> shards = shards(weights, dtype, options.maxShardBytes());
        AtomicFiles.publishFolder(dir, staging -> {
            // 1. config.json: the base's, with the dtype the weights are stored in
            Files.writeString(staging.resolve(CONFIG), base.configJson(weights.config(), dtype));
            // 2. weights, one tensor at a time on the heap; shards named and indexed as transformers does
            Map<String, String> weightMap = new TreeMap<>();
            long totalBytes = 0;
            for (int i = 0; i < shards.size(); i++) {
                String file = shards.size() == 1 ? WEIGHTS
                        : String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                Safetensors.write(staging.resolve(file), shards.get(i), name -> weights.byName().get(name).toFloatArray(),
                        dtype, meta);
                for (Map.Entry<String, long[]> t : shards.get(i).entrySet()) {
                    weightMap.put(t.getKey(), file);
                    totalBytes += Safetensors.elements(t.getValue()) * dtype.bytes();
                }
            }
            if (shards.size() > 1) {
                Map<String, Object> index = new LinkedHashMap<>();
                index.put("metadata", Map.of("total_size", totalBytes));
                index.put("weight_map", weightMap);
                Files.writeString(staging.resolve(WEIGHTS_INDEX),
                        new GsonBuilder().setPrettyPrinting().create().toJson(index) + "\n");
            }
            // 3. the base's tokenizer and generation files, then this save's own files
            for (Map.Entry<String, byte[]> f : base.companions().entrySet()) {
                Files.write(staging.resolve(f.getKey()), f.getValue());
            }
            for (Map.Entry<String, String> f : extraFiles.entrySet()) {
                Files.writeString(staging.resolve(f.getKey()), f.getValue());
            }
        });
    }

    /**
     * Tensors (name to shape, canonical order) grouped into shards of at most {@code maxBytes} each, as
     * transformers groups them: in order, a new shard when the next tensor would overflow the current
     * one; a tensor larger than the limit gets a shard of its own.
     */
    static List<Map<String, long[]>> shards(LlamaWeights weights, Dtype dtype, long maxBytes) {
        List<Map<String, long[]>> shards = new ArrayList<>();
        Map<String, long[]> current = new LinkedHashMap<>();
        long size = 0;
        for (Map.Entry<String, NDArray> e : weights.byName().entrySet()) {
            long[] shape = e.getValue().getShape().getShape();
            long bytes = Safetensors.elements(shape) * dtype.bytes();
            if (!current.isEmpty() && size + bytes > maxBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                size = 0;
            }
            current.put(e.getKey(), shape);
            size += bytes;
        }
        shards.add(current);
        return shards;
    }

    /** Removes temporary directories left by saves that crashed before their rename. */
    public static int removeIncompleteSaves(Path parent) throws IOException {
        return AtomicFiles.removeLeftovers(parent);
    }
}
