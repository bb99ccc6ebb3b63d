package io.rlrf.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import ai.djl.ndarray.NDManager;

import io.rlrf.model.checkpoint.BaseFiles;
import io.rlrf.model.checkpoint.Checkpoint;
import io.rlrf.model.checkpoint.CheckpointException;
import io.rlrf.model.checkpoint.SaveOptions;
import io.rlrf.model.nn.LlamaModel;
import io.rlrf.model.tokenizer.HfTokenizer;
import io.rlrf.model.tokenizer.Tokenizer;

/**
 * A policy: the network ({@link LlamaModel} over {@link LlamaWeights}) and, when the checkpoint has
 * one, its tokenizer. This is what generator-svc serves and trainer-svc trains; it is loaded from and
 * saved to a {@link Checkpoint} directory. Closing it frees all of its native memory.
 */
public final class Policy implements AutoCloseable {

    private final NDManager manager;
    private final LlamaWeights weights;
    private final LlamaModel model;
    private final Tokenizer tokenizer; // null for id-only checkpoints
    private final String tokenizerJson; // null for id-only checkpoints
    private final BaseFiles base; // what every save inherits: config.json, dtype, tokenizer and generation files

    private Policy(NDManager manager, LlamaWeights weights, Tokenizer tokenizer, String tokenizerJson, BaseFiles base) {
        this.manager = manager;
        this.weights = weights;
        this.model = new LlamaModel(weights);
        this.tokenizer = tokenizer;
        this.tokenizerJson = tokenizerJson;
        this.base = base;
    }

    /** Loads the checkpoint in {@code dir} on the engine's default device. */
    public static Policy load(Path dir) throws IOException {
        NDManager manager = Engines.pytorch().newBaseManager();
        try {
            LlamaConfig config = Checkpoint.readConfig(dir);
            Path tokFile = dir.resolve(Checkpoint.TOKENIZER);
            String tokJson = null;
            Tokenizer tok = null;
            if (Files.isRegularFile(tokFile)) {
                tokJson = Files.readString(tokFile);
                try {
                    tok = HfTokenizer.load(tokFile);
                } catch (IOException e) {
                    throw new CheckpointException(e.getMessage(), e);
                }
                if (tok.vocabSize() > config.vocabSize()) {
                    tok.close();
                    throw new CheckpointException(tokFile + " has " + tok.vocabSize() + " tokens but "
                            + dir.resolve(Checkpoint.CONFIG) + " has vocab_size " + config.vocabSize());
                }
            }
            LlamaWeights weights;
            BaseFiles base;
            try {
                base = BaseFiles.read(dir);
                weights = Checkpoint.loadWeights(dir, config, manager);
            } catch (IOException | RuntimeException e) {
                if (tok != null) {
                    tok.close();
                }
                throw e;
            }
            return new Policy(manager, weights, tok, tokJson, base);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A freshly initialised policy (weights reproducible from {@code seed}). {@code tokenizerJson}
     * may be null for an id-only model.
     */
    public static Policy initialize(LlamaConfig config, String tokenizerJson, long seed) throws IOException {
        NDManager manager = Engines.pytorch().newBaseManager();
        Tokenizer tok = null;
        try {
            if (tokenizerJson != null) {
                tok = HfTokenizer.fromJson(tokenizerJson);
                if (tok.vocabSize() > config.vocabSize()) {
                    throw new IllegalArgumentException("the tokenizer has " + tok.vocabSize()
                            + " tokens but vocab_size is " + config.vocabSize());
                }
            }
            return new Policy(manager, LlamaWeights.initialize(config, manager, seed), tok, tokenizerJson,
                    BaseFiles.fresh(tokenizerJson));
        } catch (IOException | RuntimeException e) {
            if (tok != null) {
                tok.close();
            }
            manager.close();
            throw e;
        }
    }

    /**
     * Saves atomically to {@code dir} (which must not exist yet) as the checkpoint it was loaded from was
     * saved: its dtype, config and tokenizer files ({@link SaveOptions#DEFAULT}).
     */
    public void save(Path dir, Map<String, String> metadata) throws IOException {
        save(dir, metadata, Map.of(), SaveOptions.DEFAULT);
    }

    /** As {@link #save(Path, Map)}, with {@code extraFiles} (name to text) published in the same folder. */
    public void save(Path dir, Map<String, String> metadata, Map<String, String> extraFiles) throws IOException {
        save(dir, metadata, extraFiles, SaveOptions.DEFAULT);
    }

    /** As {@link #save(Path, Map, Map)}, with the stored dtype and shard size of {@code options}. */
    public void save(Path dir, Map<String, String> metadata, Map<String, String> extraFiles, SaveOptions options)
            throws IOException {
        Checkpoint.save(dir, weights, base, options, metadata, extraFiles);
    }

    /**
     * An independent deep copy (same tokenizer definition), e.g. the frozen reference policy of a DPO
     * iteration. The copy does not require gradients.
     */
    public Policy copy() throws IOException {
        NDManager m = Engines.pytorch().newBaseManager();
        Tokenizer tok = null;
        try {
            if (tokenizerJson != null) {
                tok = HfTokenizer.fromJson(tokenizerJson);
            }
            LlamaWeights w = GradMode.withoutGradients(() -> weights.copy(m));
            w.setRequiresGradient(false);
            return new Policy(m, w, tok, tokenizerJson, base);
        } catch (IOException | RuntimeException e) {
            if (tok != null) {
                tok.close();
            }
            m.close();
            throw e;
        }
    }

    public LlamaConfig config() {
        return weights.config();
    }

    public LlamaWeights weights() {
        return weights;
    }

    public LlamaModel model() {
        return model;
    }

    public Optional<Tokenizer> tokenizer() {
        return Optional.ofNullable(tokenizer);
    }

    /** The tokenizer, or an error saying this checkpoint works on token ids only. */
    public Tokenizer requireTokenizer() {
        if (tokenizer == null) {
            throw new IllegalStateException("this checkpoint has no tokenizer.json; it works on token ids only");
        }
        return tokenizer;
    }

    /** The {@code tokenizer.json} text, or null. */
    public String tokenizerJson() {
        return tokenizerJson;
    }

    /** {@code text} as prompt ids: BOS followed by the text's tokens. */
    public int[] encodePrompt(String text) {
        int[] body = requireTokenizer().encode(text);
        int[] out = new int[body.length + 1];
        out[0] = config().bosTokenId();
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    /** {@code text} as completion ids: the text's tokens followed by EOS. */
    public int[] encodeCompletion(String text) {
        int[] body = requireTokenizer().encode(text);
        int[] out = java.util.Arrays.copyOf(body, body.length + 1);
        out[body.length] = config().eosTokenId();
        return out;
    }

    @Override
    public void close() {
        model.close();
        if (tokenizer != null) {
            tokenizer.close();
        }
        weights.close();
        manager.close();
    }
}
