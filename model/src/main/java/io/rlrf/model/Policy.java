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
import io.rlrf.model.lora.LoraConfig;
import io.rlrf.model.lora.LoraWeights;
import io.rlrf.model.lora.PeftAdapter;
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
 *
 * <p>A policy may carry a LoRA adapter ({@link #attachAdapter}, {@link #newAdapter},
 * {@link #loadAdapter}): then {@link #model()} is the base with the adapter applied (what is trained
 * and sampled), {@link #baseModel()} the base alone (the DPO reference: no second copy), a save
 * writes the merged weights and {@link #saveAdapter} the adapter alone in PEFT's layout.
 */
public final class Policy implements AutoCloseable {

    private final NDManager manager;
    private final LlamaWeights weights;
    private final LlamaModel model;
    private final Tokenizer tokenizer; // null for id-only checkpoints
    private final String tokenizerJson; // null for id-only checkpoints
    private final Prompting prompting;
    private final BaseFiles base; // what every save inherits: config.json, dtype, tokenizer and generation files
    private LoraWeights adapter; // null: the base alone (full fine-tuning)
    private LlamaModel adapted; // model.withAdapter(adapter), or null

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

    /**
     * Loads {@code dir}: a checkpoint as {@link #load(Path)} does, or a LoRA adapter in PEFT's layout
     * ({@code adapter_config.json}, no {@code config.json}), which is loaded onto its base: the
     * {@code base_model_name_or_path} it names, resolved against {@code storeRoot} (a full checkpoint
     * inside it), with the adapter attached.
     */
    public static Policy load(Path dir, Path storeRoot) throws IOException {
        return load(dir, storeRoot, Compute.CPU);
    }

    /** As {@link #load(Path, Path)}, onto {@code compute}'s device and dtype. */
    public static Policy load(Path dir, Path storeRoot, Compute compute) throws IOException {
        if (Files.isRegularFile(dir.resolve(Checkpoint.CONFIG)) || !PeftAdapter.isAdapter(dir)) {
            return load(dir, compute);
        }
        String baseName = PeftAdapter.readConfig(dir).baseModelNameOrPath();
        Path root = storeRoot.toAbsolutePath().normalize();
        Path base = root.resolve(baseName).normalize();
        if (baseName.isEmpty() || !base.startsWith(root) || !Files.isRegularFile(base.resolve(Checkpoint.CONFIG))) {
            throw new CheckpointException(dir.resolve(PeftAdapter.CONFIG) + ": base_model_name_or_path '" + baseName
                    + "' is not a checkpoint in " + root);
        }
        Policy policy = load(base, compute);
        try {
            policy.loadAdapter(dir);
            return policy;
        } catch (IOException | RuntimeException e) {
            policy.close();
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
        if (adapter == null) {
            Checkpoint.save(dir, weights, base, options, metadata, extraFiles);
            return;
        }
        // an adapter is merged into a copy of the base: the checkpoint computes what this policy computes
        try (NDManager m = Engines.pytorch().newBaseManager(); LlamaWeights merged = mergedWeights(m)) {
            Checkpoint.save(dir, merged, base, options, metadata, extraFiles);
        }
    }

    /** The base weights with the adapter (if any) added, on a new sub-manager of {@code parent}. */
    private LlamaWeights mergedWeights(NDManager parent) {
        LlamaWeights w = GradMode.withoutGradients(() -> weights.copy(parent));
        w.setRequiresGradient(false);
        if (adapter != null) {
            adapter.mergeInto(w);
        }
        return w;
    }

    /**
     * Applies {@code adapter} (made for this policy's config; ownership passes to this policy) in
     * place of any adapter it had, which is closed.
     */
    public void attachAdapter(LoraWeights adapter) {
        if (compute().half()) {
            adapter.close();
            throw new IllegalStateException("LoRA adapters compute in float32; this policy computes in float16 "
                    + "(set the compute dtype to float32 to serve or train an adapter)");
        }
        LlamaModel view = model.withAdapter(adapter);
        detachAdapter();
        this.adapter = adapter;
        this.adapted = view;
    }

    /** A fresh adapter (B = 0: the policy still computes what the base does), attached. */
    public LoraWeights newAdapter(LoraConfig lora, long seed) {
        LoraWeights a = LoraWeights.initialize(config(), lora, manager, seed);
        attachAdapter(a);
        return a;
    }

    /** Loads the PEFT adapter in {@code dir} (made for this policy's config) and attaches it. */
    public LoraWeights loadAdapter(Path dir) throws CheckpointException {
        LoraWeights a = PeftAdapter.load(dir, config(), manager);
        attachAdapter(a);
        return a;
    }

    /** Adds the adapter, if any, to the base weights in place and closes it: full fine-tuning from here. */
    public void mergeAdapter() {
        if (adapter != null) {
            adapter.mergeInto(weights);
            detachAdapter();
        }
    }

    /** Closes the adapter, if any: the policy is the base alone again. */
    public void detachAdapter() {
        if (adapter != null) {
            adapter.close();
            adapter = null;
            adapted = null;
        }
    }

    /** The attached adapter, if any. */
    public Optional<LoraWeights> adapter() {
        return Optional.ofNullable(adapter);
    }

    /**
     * Saves the attached adapter alone in PEFT's layout ({@link PeftAdapter}), naming
     * {@code baseModelNameOrPath} as its base.
     */
    public void saveAdapter(Path dir, String baseModelNameOrPath, Map<String, String> metadata) throws IOException {
        if (adapter == null) {
            throw new IllegalStateException("this policy has no adapter to save");
        }
        PeftAdapter.save(dir, adapter, baseModelNameOrPath, metadata);
    }

    /**
     * An independent deep copy (same tokenizer definition), e.g. the frozen reference policy of a DPO
     * iteration. The copy does not require gradients; an adapter is merged into it.
     */
    public Policy copy() throws IOException {
        NDManager m = Engines.pytorch().newBaseManager(manager.getDevice()); // same device, same dtype
        Tokenizer tok = null;
        try {
            if (tokenizerJson != null) {
                tok = HfTokenizer.fromJson(tokenizerJson);
            }
            return new Policy(m, mergedWeights(m), tok, tokenizerJson, prompting, base);
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

    /** The network this policy computes with: the base, with the adapter applied when one is attached. */
    public LlamaModel model() {
        return adapted != null ? adapted : model;
    }

    /** The base network alone, adapters switched off (shares the weights: no copy). */
    public LlamaModel baseModel() {
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
        return new Generator(model(), tokenizer, prompting.eos(), params);
    }

    /** A continuous-batching engine over this policy, stopping on {@link #stopTokens()}. */
    public GenerationEngine generationEngine(EngineParams params) {
        return new GenerationEngine(model(), tokenizer, prompting.eos(), params);
    }

    @Override
    public void close() {
        detachAdapter();
        model.close();
        if (tokenizer != null) {
            tokenizer.close();
        }
        weights.close();
        manager.close();
    }
}
