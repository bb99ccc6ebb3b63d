package io.rlrf.model.generate;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.rlrf.model.tokenizer.Tokenizer;

/**
 * A request's stop strings, split by how they can be seen: one that is a whole added token of the
 * tokenizer ({@code <|im_end|>}, {@code <|eot_id|>}) is matched by its id, because decoding skips
 * special tokens and so its text never appears; any other is matched in the decoded text.
 *
 * @param text   stop strings looked for in the decoded text
 * @param tokens ids of the stop strings that are added tokens
 */
record StopStrings(List<String> text, Set<Integer> tokens) {

    static StopStrings of(List<String> stops, Tokenizer tokenizer) {
        if (stops.isEmpty()) {
            return new StopStrings(List.of(), Set.of());
        }
        List<String> text = new ArrayList<>();
        Set<Integer> tokens = new LinkedHashSet<>();
        for (String s : stops) {
            Integer id = tokenizer == null ? null : tokenizer.addedTokens().get(s);
            if (id != null) {
                tokens.add(id);
            } else {
                text.add(s);
            }
        }
        return new StopStrings(List.copyOf(text), Set.copyOf(tokens));
    }
}
