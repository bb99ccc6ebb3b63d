package io.rlrf.reward.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.tokenizer.CharTokenizerSpec;

/** The in-process judge backend runs a real (tiny, untrained) checkpoint through the model library. */
public class LocalModelChatBackendTest {

    @TempDir
    Path tmp;

    public static Path tinyCheckpoint(Path dir, int positions, boolean withTokenizer) throws IOException {
        String alphabet = CharTokenizerSpec.PRINTABLE_ASCII;
        LlamaConfig config = LlamaConfig.of(CharTokenizerSpec.vocabSize(alphabet), 32, 64, 1, 4, 2, positions, true);
        try (Policy p = Policy.initialize(config, withTokenizer ? CharTokenizerSpec.toJson(alphabet) : null, 5)) {
            p.save(dir, Map.of());
        }
        return dir;
    }

    @Test
    void greedyRepliesAreReproducibleAndBoundedByMaxTokens() throws Exception {
        try (LocalModelChatBackend backend = LocalModelChatBackend.load(tinyCheckpoint(tmp.resolve("judge"), 512, true), 0)) {
            List<ChatBackend.Message> messages = List.of(new ChatBackend.Message("system", "Rate the answer."),
                    new ChatBackend.Message("user", "Q: 2+2? A: 4"));
            String first = backend.complete(messages, new ChatBackend.Options(0, 20, false));
            String second = backend.complete(messages, new ChatBackend.Options(0, 20, false));
            assertEquals(first, second);
            assertTrue(first.length() <= 20, "one character per token, at most 20: '" + first + "'");
            assertTrue(backend.modelId().matches("local:judge@[0-9a-f]{12}"), backend.modelId());
            assertEquals("<|system|>\nRate the answer.\n<|user|>\nQ: 2+2? A: 4\n<|assistant|>\n",
                    LocalModelChatBackend.render(messages));
        }
    }

    /** ChatML, as Qwen2 writes it (its system default left out). */
    static final String CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content']"
            + " + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** The character-level tokenizer with ChatML's two special tokens added after it; EOS is <|im_end|>. */
    static Path templatedCheckpoint(Path dir) throws IOException {
        String alphabet = CharTokenizerSpec.PRINTABLE_ASCII;
        int v = CharTokenizerSpec.vocabSize(alphabet);
        JsonObject tok = JsonParser.parseString(CharTokenizerSpec.toJson(alphabet)).getAsJsonObject();
        for (String special : List.of("<|im_start|>", "<|im_end|>")) {
            JsonObject t = new JsonObject();
            t.addProperty("id", v + tok.getAsJsonArray("added_tokens").size() - CharTokenizerSpec.SPECIALS.size());
            t.addProperty("content", special);
            t.addProperty("single_word", false);
            t.addProperty("lstrip", false);
            t.addProperty("rstrip", false);
            t.addProperty("normalized", false);
            t.addProperty("special", true);
            tok.getAsJsonArray("added_tokens").add(t);
        }
        JsonObject tokenizerConfig = new JsonObject();
        tokenizerConfig.addProperty("chat_template", CHATML);
        tokenizerConfig.addProperty("eos_token", "<|im_end|>");
        LlamaConfig config = LlamaConfig.of(v + 2, 32, 64, 1, 4, 2, 512, true);
        try (Policy p = Policy.initialize(config, tok.toString(), 5)) {
            p.save(dir, Map.of(), Map.of("tokenizer_config.json", tokenizerConfig.toString()));
        }
        return dir;
    }

    @Test
    void aJudgeWithAChatTemplateIsPromptedThroughItAndStopsAtItsEos() throws Exception {
        try (LocalModelChatBackend backend = LocalModelChatBackend.load(templatedCheckpoint(tmp.resolve("chat")), 0)) {
            int imStart = CharTokenizerSpec.vocabSize(CharTokenizerSpec.PRINTABLE_ASCII);
            List<ChatBackend.Message> messages = List.of(new ChatBackend.Message("system", "Rate the answer."),
                    new ChatBackend.Message("user", "Q: 2+2? A: 4"));
            int[] prompt = backend.prompt(messages);
            assertEquals(imStart, prompt[0], "the template's first token, no BOS before it");
            assertEquals(3, Arrays.stream(prompt).filter(t -> t == imStart).count());
            assertEquals(2, Arrays.stream(prompt).filter(t -> t == imStart + 1).count());
            String reply = backend.complete(messages, new ChatBackend.Options(0, 20, false));
            assertEquals(reply, backend.complete(messages, new ChatBackend.Options(0, 20, false)));
        }
    }

    @Test
    void aPromptLongerThanTheModelsContextIsRejectedNotTruncated() throws Exception {
        try (LocalModelChatBackend backend = LocalModelChatBackend.load(tinyCheckpoint(tmp.resolve("small"), 64, true), 0)) {
            ChatBackend.RejectedException e = assertThrows(ChatBackend.RejectedException.class, () -> backend.complete(
                    List.of(new ChatBackend.Message("user", "x".repeat(100))), new ChatBackend.Options(0, 8, false)));
            assertTrue(e.getMessage().contains("has 64 positions"), e.getMessage());
        }
    }

    @Test
    void aCheckpointWithoutTokenizerCannotJudge() throws Exception {
        Path dir = tinyCheckpoint(tmp.resolve("ids-only"), 64, false);
        IOException e = assertThrows(IOException.class, () -> LocalModelChatBackend.load(dir, 0));
        assertTrue(e.getMessage().contains("has no tokenizer.json"), e.getMessage());
    }
}
