package io.rlrf.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.model.chat.ChatMessage;
import io.rlrf.model.checkpoint.Checkpoint;
import io.rlrf.model.checkpoint.CheckpointException;
import io.rlrf.model.generate.ScriptedCheckpoint;
import io.rlrf.model.generate.StopTokens;
import io.rlrf.model.tokenizer.CharTokenizerSpec;

/**
 * {@link Policy#encodePrompt}: the one place a prompt becomes ids. With a chat template the prompt is
 * the template's conversation, its special tokens single ids and BOS only where the template puts it;
 * without one it is BOS + text, as the built-in policy has always been prompted.
 */
class PromptEncodingTest {

    static final List<String> ALL_FILES = List.of(Checkpoint.TOKENIZER, "tokenizer_config.json",
            StopTokens.GENERATION_CONFIG);

    static long count(int[] ids, int id) {
        return Arrays.stream(ids).filter(t -> t == id).count();
    }

    @Test
    void llama3PromptStartsWithOneBosAndItsHeadersAreSingleIds(@TempDir Path tmp) throws IOException {
        // Llama-3 fixture ids: <|begin_of_text|> 261, <|end_of_text|> 262, <|start_header_id|> 263,
        // <|end_header_id|> 264, <|eot_id|> 265
        Path dir = ScriptedCheckpoint.write(tmp.resolve("llama3"), "llama3", 272, List.of(262), Map.of(), ALL_FILES);
        try (Policy p = Policy.load(dir)) {
            int[] ids = p.encodePrompt("What is 2+3?");
            assertEquals(261, ids[0]);
            assertEquals(1, count(ids, 261), "one BOS: the template's");
            assertEquals(3, count(ids, 263), "system, user and assistant headers");
            assertEquals(3, count(ids, 264));
            assertEquals(2, count(ids, 265), "the system and user turns end with <|eot_id|>");
            String rendered = p.chatTemplate().orElseThrow().render(List.of(ChatMessage.user("What is 2+3?")), true);
            assertArrayEquals(p.requireTokenizer().encode(rendered), ids);
            assertTrue(rendered.endsWith("What is 2+3?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"));

            // stopping: <|eot_id|> (tokenizer_config's eos_token) first, then config.json's and generation_config's
            assertArrayEquals(new int[] {265, 262}, p.stopTokens().ids());
            int[] completion = p.encodeCompletion("5");
            assertEquals(265, completion[completion.length - 1]);
        }
    }

    @Test
    void qwen2PromptIsTheTemplatesConversationWithoutBos(@TempDir Path tmp) throws IOException {
        // Qwen2 fixture ids: <|endoftext|> 261, <|im_start|> 262, <|im_end|> 263; Qwen2 has no BOS token
        Path dir = ScriptedCheckpoint.write(tmp.resolve("qwen2"), "qwen2", 272, List.of(263), Map.of(), ALL_FILES);
        try (Policy p = Policy.load(dir)) {
            int[] ids = p.encodePrompt("What is 2+3?");
            assertEquals(262, ids[0]);
            assertEquals(0, count(ids, 261));
            assertEquals(3, count(ids, 262));
            assertEquals(2, count(ids, 263));
            assertEquals("system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.\nuser\nWhat is 2+3?\n"
                    + "assistant\n", p.requireTokenizer().decode(ids)); // special tokens skipped

            int[] chat = p.encodeChat(List.of(ChatMessage.system("Rate it."), ChatMessage.user("5")));
            assertEquals("system\nRate it.\nuser\n5\nassistant\n", p.requireTokenizer().decode(chat));
        }
    }

    @Test
    void aPolicyWithoutChatTemplateIsPromptedWithBosAndText() throws IOException {
        try (Policy p = Policy.initialize(LlamaConfig.of(CharTokenizerSpec.vocabSize(CharTokenizerSpec.PRINTABLE_ASCII),
                16, 32, 1, 2, 2, 32, true), CharTokenizerSpec.toJson(CharTokenizerSpec.PRINTABLE_ASCII), 1)) {
            assertTrue(p.chatTemplate().isEmpty());
            int[] body = p.requireTokenizer().encode("12+3=");
            int[] ids = p.encodePrompt("12+3=");
            assertEquals(CharTokenizerSpec.BOS, ids[0]);
            assertArrayEquals(body, Arrays.copyOfRange(ids, 1, ids.length));
            assertArrayEquals(new int[] {CharTokenizerSpec.EOS}, p.stopTokens().ids());
            assertEquals(CharTokenizerSpec.EOS, p.encodeCompletion("15")[2]);
            assertThrows(IllegalStateException.class, () -> p.encodeChat(List.of(ChatMessage.user("x"))));
        }
    }

    @Test
    void aSavedPolicyIsPromptedAndStoppedAsTheOneItWasLoadedFrom(@TempDir Path tmp) throws IOException {
        Path dir = ScriptedCheckpoint.write(tmp.resolve("a"), "qwen2", 272, List.of(263), Map.of(), ALL_FILES);
        try (Policy p = Policy.load(dir)) {
            p.save(tmp.resolve("b"), Map.of());
            try (Policy q = Policy.load(tmp.resolve("b"))) {
                assertArrayEquals(p.encodePrompt("What is 2+3?"), q.encodePrompt("What is 2+3?"));
                assertEquals(p.stopTokens(), q.stopTokens());
                assertArrayEquals(new int[] {263, 261}, q.stopTokens().ids());
            }
            try (Policy copy = p.copy()) {
                assertArrayEquals(p.encodePrompt("x"), copy.encodePrompt("x"));
            }
        }
    }

    @Test
    void aBrokenChatTemplateFailsTheLoadNamingTheFile(@TempDir Path tmp) throws IOException {
        Path dir = ScriptedCheckpoint.write(tmp.resolve("bad"), "qwen2", 272, List.of(263), Map.of(),
                List.of(Checkpoint.TOKENIZER));
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"chat_template\": \"{% for m in messages %}{{ m.content }}{% if %}{% endfor %}\"}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Policy.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer_config.json") + ": the chat template failed"),
                e.getMessage());
        assertFalse(e.getMessage().contains("Exception"), e.getMessage());
    }
}
