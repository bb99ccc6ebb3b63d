package io.rlrf.tasks.prompt;

import java.util.Objects;

/**
 * The prompt the policy answers a question under: in sampling, evaluation, the bootstrap's answering
 * examples and training, where chosen answers (rewrites included) are trained as answers to exactly
 * this prompt, without the feedback in context.
 *
 * @param template text with the placeholder {@code {question}}
 */
public record AnswerPrompt(String template) {

    /** [ours] The default template. */
    public static final String DEFAULT_TEMPLATE = "Question:\n{question}\nAnswer:\n";
    public static final AnswerPrompt DEFAULT = new AnswerPrompt(DEFAULT_TEMPLATE);

    public AnswerPrompt {
        Objects.requireNonNull(template, "template");
        if (!template.contains("{question}")) {
            throw new IllegalArgumentException("the answer template must contain {question}");
        }
    }

    public String render(String question) {
        return template.replace("{question}", question);
    }
}
