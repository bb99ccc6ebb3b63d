package io.rlrf.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import ai.djl.ndarray.NDManager;

import io.rlrf.model.chat.ChatMessage;
import io.rlrf.model.chat.ChatTemplate;
import io.rlrf.model.chat.ChatTemplateException;
import io.rlrf.model.checkpoint.BaseFiles;
import io.rlrf.model.checkpoint.Checkpoint;
import io.rlrf.model.checkpoint.CheckpointException;
import io.rlrf.model.checkpoint.SaveOptions;
import io.rlrf.model.generate.EngineParams;
import io.rlrf.model.generate.GenerationEngine;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.generate.StopTokens;
import io.rlrf.model.nn.LlamaModel;
import io.rlrf.model.tokenizer.HfTokenizer;
import io.rlrf.model.tokenizer.Tokenizer;
import io.rlrf.model.tokenizer.TokenizerConfig;

/**
 * A policy: the network ({@link LlamaModel} over {@link LlamaWeights}) and, when the checkpoint has
 * one, its tokenizer, its chat template and its EOS ids. This is what generator-svc serves and
 * trainer-svc trains; it is loaded from and saved to a {@link Checkpoint} directory. Closing it frees
 * all of its native memory.
 *
 * <p>Every prompt for a policy is built by {@link #encodePrompt} (or {@link #encodeChat}): with a
 * chat template, the text is the user turn of a one-turn conversation rendered by the template;
 * without one (the built-in character-level policy), it is BOS followed by the text.
 */
public final class Policy implements AutoCloseable {

    private final NDManager manager;
    private final LlamaWeights weights;
    private final LlamaModel model;
    private final Tokenizer tokenizer; // null for id-only checkpoints
    private final String tokenizerJson; // null for id-only checkpoints
    private final Prompting prompting;
    private final BaseFiles base; // what every save inherits: config.json, dtype, tokenizer and generation files

    /**
     * How the policy is prompted and stopped, read once at load and shared by its copies.
     *
     * @param template the chat template, or null (BOS + text)
     * @param eos      the ids that end a completion
     */
    private record Prompting(ChatTemplate template, StopTokens eos) {
        static Prompting of(LlamaConfig config) {
            return new Prompting(null, StopTokens.of(config));
        }
    }

    private Policy(NDManager manager, LlamaWeights weights, Tokenizer tokenizer, String tokenizerJson,
            Prompting prompting, BaseFiles base) {
        this.manager = manager;
        this.weights = weights;
        this.model = new LlamaModel(weights);
        this.tokenizer = tokenizer;
        this.tokenizerJson = tokenizerJson;
        this.prompting = prompting;
        this.base = base;
    }

    /** Loads the checkpoint in {@code dir} in fp32 on the CPU ({@link Compute#CPU}). */
    public static Policy load(Path dir) throws IOException {
        return load(dir, Compute.CPU);
    }

    /**
     * Loads the checkpoint in {@code dir} onto {@code compute}'s device, its weights converted to
     * {@code compute}'s dtype (checked already by {@link Compute#parse}).
     */
    public static Policy load(Path dir, Compute compute) throws IOException {
        NDManager manager = Engines.pytorch().newBaseManager(compute.device());
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
            Prompting prompting;
            BaseFiles base;
            try {
                prompting = readPrompting(dir, config, tok);
                base = BaseFiles.read(dir);
                weights = Checkpoint.loadWeights(dir, config, manager, compute.dtype());
            } catch (IOException | RuntimeException e) {
                if (tok != null) {
                    tok.close();
                }
                throw e;
            }
            return new Policy(manager, weights, tok, tokJson, prompting, base);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The chat template (compiled, so a broken one fails here naming its file) and the EOS ids. */
    private static Prompting readPrompting(Path dir, LlamaConfig config, Tokenizer tok) throws CheckpointException {
        try {
            TokenizerConfig tc = TokenizerConfig.read(dir);
            ChatTemplate template = null;
            if (tc.hasChatTemplate() && tok != null) {
                template = ChatTemplate.compile(tc.chatTemplate(), tc.chatTemplateOrigin(), tc.bosToken(), tc.eosToken());
            }
            return new Prompting(template, StopTokens.read(dir, config, tok, tc));
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | ChatTemplateException e) {
            throw new CheckpointException(e.getMessage(), e);
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
                    Prompting.of(config), BaseFiles.fresh(tokenizerJson));
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
     * saved: its dtype and config, and its tokenizer, chat template and generation files
     * ({@link BaseFiles}), so the saved checkpoint is prompted and stopped as this one is
     * ({@link SaveOptions#DEFAULT}).
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
        NDManager m = Engines.pytorch().newBaseManager(manager.getDevice()); // same device, same dtype
        Tokenizer tok = null;
        try {
            if (tokenizerJson != null) {
                tok = HfTokenizer.fromJson(tokenizerJson);
            }
            LlamaWeights w = GradMode.withoutGradients(() -> weights.copy(m));
            w.setRequiresGradient(false);
            return new Policy(m, w, tok, tokenizerJson, prompting, base);
        } catch (IOException | RuntimeException e) {
            if (tok != null) {
                tok.close();
            }
            m.close();
            throw e;
        }
    }

    /** The device the weights live on and their dtype. */
    public Compute compute() {
        return new Compute(manager.getDevice(), weights.embedding().getDataType());
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

    /** The checkpoint's chat template, when it has one (and a tokenizer). */
    public Optional<ChatTemplate> chatTemplate() {
        return Optional.ofNullable(prompting.template());
    }

    /** The ids that end a completion: every EOS id of the checkpoint's files ({@link StopTokens}). */
    public StopTokens stopTokens() {
        return prompting.eos();
    }

    /**
     * {@code text} as prompt ids. With a chat template: the template's rendering of one user turn
     * holding {@code text}, followed by the assistant's header (its BOS, if any, is the template's);
     * without: BOS followed by the text's tokens.
     */
    public int[] encodePrompt(String text) {
        if (prompting.template() != null) {
            return encodeChat(List.of(ChatMessage.user(text)));
        }
        int[] body = requireTokenizer().encode(text);
        int[] out = new int[body.length + 1];
        out[0] = config().bosTokenId();
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    /**
     * {@code messages} rendered by the chat template, with the assistant's header after them, as ids
     * (special tokens written by the template become their single ids; no BOS is added to the
     * template's).
     *
     * @throws IllegalStateException if the checkpoint has no chat template
     */
    public int[] encodeChat(List<ChatMessage> messages) {
        if (prompting.template() == null) {
            throw new IllegalStateException("this checkpoint has no chat template (" + TokenizerConfig.FILE
                    + " chat_template or " + TokenizerConfig.TEMPLATE_FILE + ")");
        }
        return requireTokenizer().encode(prompting.template().render(messages, true));
    }

    /** {@code text} as completion ids: the text's tokens followed by the primary EOS id ({@link StopTokens#primary}). */
    public int[] encodeCompletion(String text) {
        int[] body = requireTokenizer().encode(text);
        int[] out = Arrays.copyOf(body, body.length + 1);
        out[body.length] = prompting.eos().primary();
        return out;
    }

    /** A generator over this policy with {@link EngineParams#defaults()}, stopping on {@link #stopTokens()}. */
    public Generator generator() {
        return generator(EngineParams.defaults());
    }

    /** A generator over this policy with {@code params} (null: the plain path), stopping on {@link #stopTokens()}. */
    public Generator generator(EngineParams params) {
        return new Generator(model, tokenizer, prompting.eos(), params);
    }

    /** A continuous-batching engine over this policy, stopping on {@link #stopTokens()}. */
    public GenerationEngine generationEngine(EngineParams params) {
        return new GenerationEngine(model, tokenizer, prompting.eos(), params);
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
