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
import io.rlrf.model.checkpoint.Checkpoint;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.generate.SamplingParams;

/**
 * A judge model run in process through the model library: any checkpoint in the library's Hugging
 * Face layout with a {@code tokenizer.json}. Messages are joined with a plain chat template
 * ({@code <|system|>}, {@code <|user|>}, {@code <|assistant|>} headers, one per line) because the
 * library reads no chat template from the checkpoint; use a model trained with this template, or the
 * OpenAI-compatible backend for instruction-tuned models served elsewhere. One reply at a time: the
 * policy is not shared between threads.
 */
public final class LocalModelChatBackend implements ChatBackend, AutoCloseable {

    private final Policy policy;
    private final Generator generator;
    private final String modelId;
    private final long seed;

    private LocalModelChatBackend(Policy policy, String modelId, long seed) {
        this.policy = policy;
        this.generator = new Generator(policy.model(), policy.requireTokenizer());
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

    /** The chat template: each message as {@code <|role|>\ncontent\n}, then {@code <|assistant|>\n}. */
    static String render(List<Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            sb.append("<|").append(m.role()).append("|>\n").append(m.content()).append('\n');
        }
        return sb.append("<|assistant|>\n").toString();
    }

    @Override
    public synchronized String complete(List<Message> messages, Options options) throws RejectedException {
        int[] prompt = policy.encodePrompt(render(messages));
        int room = policy.config().maxPositionEmbeddings() - prompt.length;
        if (room < 1) {
            throw new RejectedException("the judge prompt is " + prompt.length + " tokens; the local model " + modelId
                    + " has " + policy.config().maxPositionEmbeddings() + " positions");
        }
        SamplingParams params = new SamplingParams(options.temperature(), 1.0, 0, Math.min(options.maxTokens(), room),
                List.of("<|"), seed, false);
        Completion c = generator.generate(List.of(new GenerationRequest(prompt, params))).get(0);
        return c.text();
    }

    @Override
    public void close() {
        policy.close();
    }
}
