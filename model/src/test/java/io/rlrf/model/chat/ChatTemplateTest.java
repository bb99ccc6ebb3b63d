package io.rlrf.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.rlrf.model.tokenizer.TokenizerConfig;

/**
 * The real Qwen2.5-Instruct and Llama-3.2-Instruct chat templates (fixtures/templates/*) rendered here
 * must equal, character for character, what jinja2 set up as transformers sets it up renders
 * (expected_renders.json, written by src/test/python/make_template_fixtures.py).
 */
class ChatTemplateTest {

    /** The day the reference renders' strftime_now saw. */
    static final Clock MARCH_14_2025 = Clock.fixed(LocalDateTime.of(2025, 3, 14, 12, 0).toInstant(ZoneOffset.UTC),
            ZoneOffset.UTC);

    static Path fixture(String name) {
        try {
            return Path.of(ChatTemplateTest.class.getResource("/fixtures/templates/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static ChatTemplate load(String family) throws IOException {
        TokenizerConfig c = TokenizerConfig.read(fixture(family));
        return ChatTemplate.compile(c.chatTemplate(), c.chatTemplateOrigin(), c.bosToken(), c.eosToken(), MARCH_14_2025);
    }

    @Test
    void qwen2TemplateRendersOneUserTurnExactly() throws IOException {
        String text = load("qwen2").render(List.of(ChatMessage.user("What is 2+3?")), true);
        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+3?<|im_end|>\n"
                + "<|im_start|>assistant\n", text);
    }

    @Test
    void llama3TemplateRendersOneUserTurnExactly() throws IOException {
        String text = load("llama3").render(List.of(ChatMessage.user("What is 2+3?")), true);
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 14 Mar 2025\n\n<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+3?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", text);
    }

    @Test
    void everyReferenceConversationRendersAsJinja2RendersIt() throws IOException {
        JsonElement all = JsonParser.parseString(Files.readString(fixture("expected_renders.json")));
        int checked = 0;
        for (JsonElement e : all.getAsJsonArray()) {
            JsonObject c = e.getAsJsonObject();
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonElement m : c.getAsJsonArray("messages")) {
                messages.add(new ChatMessage(m.getAsJsonObject().get("role").getAsString(),
                        m.getAsJsonObject().get("content").getAsString()));
            }
            String actual = load(c.get("template").getAsString()).render(messages, c.get("add_generation_prompt").getAsBoolean());
            assertEquals(c.get("expected").getAsString(), actual, c.get("template").getAsString() + ": " + c.get("name"));
            checked++;
        }
        assertEquals(8, checked);
    }

    @Test
    void raiseExceptionBecomesAnErrorWithTheTemplatesMessage() {
        ChatTemplate t = ChatTemplate.compile("{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversation "
                + "roles must start with user') }}{% endif %}{{ messages[0]['content'] }}", "test.jinja", null, null);
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> t.render(List.of(ChatMessage.assistant("hi")), false));
        assertEquals("test.jinja: the chat template raised an exception: Conversation roles must start with user", e.getMessage());
    }

    @Test
    void aTemplateThatDoesNotParseFailsNamingTheFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(TokenizerConfig.FILE),
                "{\"chat_template\": \"{% for m in messages %}{{ m.content | nosuchfilter }}{% endfor %}\"}");
        TokenizerConfig c = TokenizerConfig.read(dir);
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> ChatTemplate.compile(c.chatTemplate(), c.chatTemplateOrigin(), null, null));
        assertEquals(dir.resolve(TokenizerConfig.FILE) + ": the chat template uses a filter that does not exist: "
                + "'nosuchfilter' (line 1)", e.getMessage());

        ChatTemplateException syntax = assertThrows(ChatTemplateException.class,
                () -> ChatTemplate.compile("{{ '<|im_start|>' + }}", "x/tokenizer_config.json", null, null));
        assertTrue(syntax.getMessage().startsWith("x/tokenizer_config.json: the chat template failed at line 1: "),
                syntax.getMessage());

        ChatTemplateException unclosed = assertThrows(ChatTemplateException.class,
                () -> ChatTemplate.compile("{% for m in messages %}{{ m.content }}", "x/chat_template.jinja", null, null));
        assertTrue(unclosed.getMessage().startsWith("x/chat_template.jinja: "), unclosed.getMessage());
    }

    @Test
    void messageTextIsNeverRunAsTemplateCode() {
        ChatTemplate t = ChatTemplate.compile("{% for m in messages %}[{{ m['content'] }}]{% endfor %}", "t", null, null);
        assertEquals("[{{ 7 * 6 }} {% if true %}x{% endif %}]",
                t.render(List.of(ChatMessage.user("{{ 7 * 6 }} {% if true %}x{% endif %}")), false));
    }

    @Test
    void pythonismsOfRealTemplatesWork() { // namespace, loop.last, str methods, {% generation %}, comments
        ChatTemplate t = ChatTemplate.compile("""
                {%- set ns = namespace(users=0) %}
                {%- for m in messages %}
                    {%- if m.role == 'user' %}{% set ns.users = ns.users + 1 %}{% endif %}
                    {{- m['content'].strip() ~ '|' ~ m.content.split('</think>')[-1].lstrip() ~ '|' }}
                    {%- if m.role == 'assistant' %}{% generation %}{{ 'A' }}{% endgeneration %}{% elif m.role.startswith('us') %}U{% endif %}
                    {{- ',' if not loop.last }}
                {%- endfor %}
                {{- ';' ~ ns.users }}
                {#- a comment #}
                """, "t", null, null);
        assertEquals("x y|x y |U,<think>a</think> b|b|A;1",
                t.render(List.of(ChatMessage.user(" x y "), ChatMessage.assistant("<think>a</think> b")), false));
    }

    @Test
    void aListOfTemplatesUsesTheOneNamedDefaultAndAJinjaFileBesideWins(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(TokenizerConfig.FILE), """
                {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>",
                 "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "{{ bos_token }}D"}]}
                """);
        TokenizerConfig c = TokenizerConfig.read(dir);
        assertEquals("{{ bos_token }}D", c.chatTemplate());
        assertEquals("<s>", c.bosToken());
        assertEquals("</s>", c.eosToken());

        Files.writeString(dir.resolve(TokenizerConfig.TEMPLATE_FILE), "{{ eos_token }}J\n");
        TokenizerConfig withFile = TokenizerConfig.read(dir);
        assertEquals(dir.resolve(TokenizerConfig.TEMPLATE_FILE).toString(), withFile.chatTemplateOrigin());
        assertEquals("</s>J", ChatTemplate.compile(withFile.chatTemplate(), withFile.chatTemplateOrigin(),
                withFile.bosToken(), withFile.eosToken()).render(List.of(ChatMessage.user("x")), true));

        Files.delete(dir.resolve(TokenizerConfig.TEMPLATE_FILE));
        Files.writeString(dir.resolve(TokenizerConfig.FILE), "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"}]}");
        IOException e = assertThrows(IOException.class, () -> TokenizerConfig.read(dir));
        assertTrue(e.getMessage().contains(TokenizerConfig.FILE) && e.getMessage().contains("'default'"), e.getMessage());
    }

    @Test
    void aCheckpointWithoutTokenizerConfigHasNoTemplate(@TempDir Path dir) throws IOException {
        assertFalse(TokenizerConfig.read(dir).hasChatTemplate());
    }
}
