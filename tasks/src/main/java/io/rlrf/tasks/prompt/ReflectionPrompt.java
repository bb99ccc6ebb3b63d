package io.rlrf.tasks.prompt;

import java.util.List;
import java.util.Objects;

/**
 * The reflection prompt of step 4 (the policy rewrites its answer given the judge's critiques), in
 * one place for everyone who builds one: reflector-svc at run time, and the bootstrap's revision
 * examples, which must look exactly like it. It owns the template and its version, the rule for what
 * counts as a fault (an aspect rated below 3 on the 1-3 scale), and how critiques are rendered:
 * one line {@code - aspect (rating r/3): critique} per faulted aspect.
 *
 * @param template text with the placeholders {@code {prompt}}, {@code {answer}} and {@code {critiques}}
 * @param version  names the template in lineage and cache keys; change it whenever the text changes
 */
public record ReflectionPrompt(String template, String version) {

    /** The placeholders a template must contain. */
    public static final List<String> PLACEHOLDERS = List.of("{prompt}", "{answer}", "{critiques}");

    /** [ours] The default template. */
    public static final String DEFAULT_TEMPLATE = "Question:\n{prompt}\nPrevious answer:\n{answer}\nFeedback:\n"
            + "{critiques}\nRevised answer (fix every problem the feedback names):\n";
    /** The default template's version. */
    public static final String DEFAULT_VERSION = "reflect-v2";
    public static final ReflectionPrompt DEFAULT = new ReflectionPrompt(DEFAULT_TEMPLATE, DEFAULT_VERSION);

    /** What the critiques block says when no aspect is faulted. */
    static final String NOTHING_FAULTED = "- no aspect was rated below 3; improve the answer where you can";

    public ReflectionPrompt {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(version, "version");
        for (String placeholder : PLACEHOLDERS) {
            if (!template.contains(placeholder)) {
                throw new IllegalArgumentException("the reflection template must contain " + placeholder);
            }
        }
        if (version.isBlank()) {
            throw new IllegalArgumentException("the reflection template needs a version");
        }
    }

    /** One aspect's rating (1-3) and critique, as a judge gave them. */
    public record Rating(String aspect, int rating, String critique) {
    }

    /** Whether a rating marks a fault the rewrite should fix: below 3 on the 1-3 scale. */
    public static boolean isFault(int rating) {
        return rating < 3;
    }

    /** The faulted aspects, in the judge's order. */
    public static List<String> faulted(List<Rating> ratings) {
        return ratings.stream().filter(r -> isFault(r.rating())).map(Rating::aspect).toList();
    }

    /** The critiques block: one line per faulted aspect, or an empty string when nothing is faulted. */
    public static String critiques(List<Rating> ratings) {
        StringBuilder out = new StringBuilder();
        for (Rating r : ratings) {
            if (isFault(r.rating())) {
                out.append("- ").append(r.aspect()).append(" (rating ").append(r.rating()).append("/3): ")
                        .append(r.critique().strip()).append('\n');
            }
        }
        return out.toString().strip();
    }

    /**
     * The prompt asking for a rewrite of {@code answer} to {@code prompt} given {@code ratings}; with no
     * faulted aspect, the critiques block asks for a general improvement.
     */
    public String render(String prompt, String answer, List<Rating> ratings) {
        String critiques = critiques(ratings);
        return template.replace("{prompt}", prompt).replace("{answer}", answer)
                .replace("{critiques}", critiques.isEmpty() ? NOTHING_FAULTED : critiques);
    }
}
