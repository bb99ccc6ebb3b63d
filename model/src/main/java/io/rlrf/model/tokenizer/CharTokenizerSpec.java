package io.rlrf.model.tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.gson.GsonBuilder;

/**
 * Writes the {@code tokenizer.json} of a character-level vocabulary: one token per character, so
 * numbers are tokenised digit by digit (what lets a small model learn arithmetic). Ids 0..3 are
 * {@code <pad>}, {@code <s>} (BOS), {@code </s>} (EOS) and {@code <unk>}; characters follow in the
 * order given.
 *
 * <p>In Hugging Face terms: a BPE model with no merges (so every character is its own token), no
 * normaliser or pre-tokeniser, and the {@code Fuse} decoder (tokens are concatenated as they are).
 * Any tool that reads {@code tokenizer.json} tokenises it the same way.
 */
public final class CharTokenizerSpec {

    public static final int PAD = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;
    public static final int UNK = 3;
    public static final List<String> SPECIALS = List.of("<pad>", "<s>", "</s>", "<unk>");

    /** Printable ASCII (space to tilde) plus newline: enough for the built-in tasks. */
    public static final String PRINTABLE_ASCII;

    static {
        StringBuilder sb = new StringBuilder("\n");
        for (char c = ' '; c <= '~'; c++) {
            sb.append(c);
        }
        PRINTABLE_ASCII = sb.toString();
    }

    private CharTokenizerSpec() {
    }

    /** Vocabulary size for {@code alphabet}: the specials plus its distinct characters. */
    public static int vocabSize(String alphabet) {
        return SPECIALS.size() + distinct(alphabet).size();
    }

    /** The {@code tokenizer.json} text for {@code alphabet} (duplicates ignored, order kept). */
    public static String toJson(String alphabet) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<Map<String, Object>> added = new ArrayList<>();
        for (int i = 0; i < SPECIALS.size(); i++) {
            vocab.put(SPECIALS.get(i), i);
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("id", i);
            t.put("content", SPECIALS.get(i));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
            added.add(t);
        }
        for (String ch : distinct(alphabet)) {
            vocab.put(ch, vocab.size());
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", "<unk>");
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        model.put("vocab", vocab);
        model.put("merges", List.of());

        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        root.put("added_tokens", added);
        root.put("normalizer", null);
        root.put("pre_tokenizer", null);
        root.put("post_processor", null);
        root.put("decoder", Map.of("type", "Fuse"));
        root.put("model", model);
        return new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(root)
                + "\n";
    }

    private static Set<String> distinct(String alphabet) {
        Set<String> out = new LinkedHashSet<>();
        alphabet.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
        for (String s : SPECIALS) {
            out.remove(s);
        }
        return out;
    }
}
