package io.rlrf.reward.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import io.rlrf.model.Policy;
import io.rlrf.model.chat.ChatMessage;
import io.rlrf.model.chat.ChatTemplateException;
import io.rlrf.model.checkpoint.Checkpoint;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.generate.SamplingParams;

/**
 * A judge model run in process through the model library: any checkpoint in the library's Hugging
 * Face layout with a {@code tokenizer.json}. When the checkpoint has a chat template
 * ({@code tokenizer_config.json}'s {@code chat_template} or {@code chat_template.jinja}), the messages
 * are rendered by it and the reply ends at one of the checkpoint's EOS ids, as the model was trained;
 * without one they are joined with a plain template ({@code <|system|>}, {@code <|user|>},
 * {@code <|assistant|>} headers, one per line) and the reply ends at the next {@code <|}. One reply at
 * a time: the policy is not shared between threads.
 */
public final class LocalModelChatBackend implements ChatBackend, AutoCloseable {

    private final Policy policy;
    private final Generator generator;
    private final String modelId;
    private final long seed;

    private LocalModelChatBackend(Policy policy, String modelId, long seed) {
        this.policy = policy;
        this.generator = policy.generator(); // stops on every EOS id of the checkpoint
        this.modelId = modelId;
        this.seed = seed;
    }

    /**
     * Loads the checkpoint in {@code dir}.
     *
     * @throws IOException with the file and tensor at fault when the checkpoint is missing or damaged, or
     *                     when it has no tokenizer
     */
    public static LocalModelChatBackend load(Path dir, long seed) throws IOException {
        Policy policy = Policy.load(dir);
        if (policy.tokenizer().isEmpty()) {
            policy.close();
            throw new IOException(dir + " has no " + Checkpoint.TOKENIZER + "; a judge model must read and write text");
        }
        return new LocalModelChatBackend(policy, "local:" + dir.getFileName() + "@" + digest(dir.resolve(Checkpoint.WEIGHTS)),
                seed);
    }

    /** The first 12 hex digits of the weights' SHA-256: a changed checkpoint never reuses cached feedback. */
    private static String digest(Path weights) throws IOException {
        try (InputStream in = Files.newInputStream(weights)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String modelId() {
        return modelId;
    }

    /** The fallback chat template: each message as {@code <|role|>\ncontent\n}, then {@code <|assistant|>\n}. */
    static String render(List<Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            sb.append("<|").append(m.role()).append("|>\n").append(m.content()).append('\n');
        }
        return sb.append("<|assistant|>\n").toString();
    }

    /** The prompt ids of {@code messages}: the checkpoint's chat template, or {@link #render} after BOS. */
    int[] prompt(List<Message> messages) throws RejectedException {
        if (policy.chatTemplate().isEmpty()) {
            return policy.encodePrompt(render(messages));
        }
        try {
            return policy.encodeChat(messages.stream().map(m -> new ChatMessage(m.role(), m.content())).toList());
        } catch (ChatTemplateException e) {
            throw new RejectedException("the local model " + modelId + " cannot take these messages: " + e.getMessage());
        }
    }

    @Override
    public synchronized String complete(List<Message> messages, Options options) throws RejectedException {
        int[] prompt = prompt(messages);
        int room = policy.config().maxPositionEmbeddings() - prompt.length;
        if (room < 1) {
            throw new RejectedException("the judge prompt is " + prompt.length + " tokens; the local model " + modelId
                    + " has " + policy.config().maxPositionEmbeddings() + " positions");
        }
        List<String> stop = policy.chatTemplate().isEmpty() ? List.of("<|") : List.of(); // templated: EOS ends it
        SamplingParams params = new SamplingParams(options.temperature(), 1.0, 0, Math.min(options.maxTokens(), room),
                stop, seed, false);
        Completion c = generator.generate(List.of(new GenerationRequest(prompt, params))).get(0);
        return c.text();
    }

    @Override
    public void close() {
        policy.close();
    }
}
