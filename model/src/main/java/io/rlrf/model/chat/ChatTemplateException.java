package io.rlrf.model.chat;

/**
 * A chat template that cannot be compiled or rendered: a Jinja syntax error, a
 * {@code raise_exception(...)} the template called, a filter or method it uses that does not exist.
 * The message names where the template came from (e.g. {@code .../tokenizer_config.json}).
 */
public class ChatTemplateException extends IllegalArgumentException {

    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
