package io.rlrf.tasks.facts;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The verifier judge of the factuality world, FactScore-style [ours]: splits an answer into atomic
 * claims (one per sentence: text up to {@code .}, {@code !}, {@code ?} or a line break), checks
 * each against the knowledge base's record of the entity asked about (the reference: the entity's
 * canonical description, {@link FactsWorld.Entity#description()}), and rates the two aspects of
 * {@link FactAspect}. A claim is supported only when it is a sentence in one of the world's claim
 * patterns ({@link Relation}), its subject is the entity (its name or its pronoun), and it states a
 * value the record holds; a sentence that parses to nothing, is about another subject, names an
 * attribute the entity does not have, or repeats an attribute stated before counts as unsupported.
 * Critiques name each unsupported claim, and the right value of a wrong one:
 * {@code claim 2: "Mara Voss was born in 1874" is wrong; she was born in 1862}.
 *
 * <p>Against saying little: the score is precision with a claim floor ({@link FactsVerdict#score()}),
 * a second aspect rates coverage, and the outcome is CORRECT only when every claim is supported and
 * every attribute is stated. Pure and thread-safe; no critique is longer than
 * {@link #MAX_CRITIQUE_CHARS} characters, and at most {@link #MAX_CLAIMS} claims are parsed (the
 * rest count as unsupported, unparsed).
 */
public final class FactsVerifier {

    /** Longest critique of one aspect, in characters. */
    public static final int MAX_CRITIQUE_CHARS = 1000;
    /** Most claims parsed one by one; later sentences count as unparseable claims. */
    public static final int MAX_CLAIMS = 64;
    /** Longest quote of a claim in a critique. */
    private static final int MAX_QUOTE = 80;

    private static final List<FactAspect> ALL = List.of(FactAspect.values());
    private static final Pattern SENTENCE_END = Pattern.compile("[.!?\\n]+");
    private static final Pattern SUBJECT = Pattern.compile("^(She|He|It|[A-Z][a-z]+(?: [A-Z][a-z]+)?) (.+)$");
    private static final List<String> PRONOUNS = List.of("She", "He", "It");

    /** The knowledge base's record of one entity, as its reference states it. */
    public record EntityRecord(String name, String pronoun, Map<Relation, String> attributes) {
    }

    private final VerifierParams params;

    /** Uses {@link VerifierParams#maxCritiqueItems()} and {@link VerifierParams#critiqueValues()}. */
    public FactsVerifier(VerifierParams params) {
        this.params = Objects.requireNonNull(params, "params");
    }

    public FactsVerdict verify(String answer, String reference) {
        return verify(answer, reference, ALL);
    }

    /**
     * Judges {@code answer} against {@code reference} on the given aspects.
     *
     * @throws IllegalArgumentException if the reference is no entity record (check with {@link #record} first)
     */
    public FactsVerdict verify(String answer, String reference, List<FactAspect> aspects) {
        EntityRecord entity = record(reference).orElseThrow(() -> new IllegalArgumentException(
                "the reference is not an entity's description in the facts world's claim patterns"));
        List<FactsVerdict.Claim> claims = claims(answer, entity);
        int facts = entity.attributes().size();
        long supported = claims.stream().filter(FactsVerdict.Claim::supported).count();
        boolean anyParsed = claims.stream().anyMatch(c -> c.relation() != null);
        Verdict.Outcome outcome = !anyParsed ? Verdict.Outcome.NO_ANSWER
                : supported == claims.size() && supported == facts ? Verdict.Outcome.CORRECT : Verdict.Outcome.INCORRECT;
        List<FactsVerdict.Rating> ratings = new ArrayList<>();
        for (FactAspect aspect : aspects) {
            ratings.add(bounded(switch (aspect) {
                case FACTUALITY -> factuality(claims, entity);
                case COMPLETENESS -> completeness(claims, entity);
            }));
        }
        return new FactsVerdict(ratings, outcome, claims, facts);
    }

    /**
     * The entity record a reference states: its first sentence names the entity, the others refer to
     * it by one pronoun, every sentence is a claim in the world's patterns, the attributes are of one
     * kind and none is stated twice. Empty when the reference is not such a description.
     */
    public static Optional<EntityRecord> record(String reference) {
        List<String> sentences = sentences(reference);
        if (sentences.isEmpty() || sentences.size() > Relation.values().length) {
            return Optional.empty();
        }
        String name = null;
        String pronoun = null;
        Map<Relation, String> attributes = new EnumMap<>(Relation.class);
        for (int i = 0; i < sentences.size(); i++) {
            Matcher m = SUBJECT.matcher(sentences.get(i));
            if (!m.matches()) {
                return Optional.empty();
            }
            String subject = m.group(1);
            if (i == 0) {
                if (PRONOUNS.contains(subject)) {
                    return Optional.empty();
                }
                name = subject;
            } else if (!subject.equals(name)) {
                if (!PRONOUNS.contains(subject) || (pronoun != null && !pronoun.equals(subject))) {
                    return Optional.empty();
                }
                pronoun = subject;
            }
            Optional<Parsed> parsed = parse(m.group(2));
            if (parsed.isEmpty() || attributes.putIfAbsent(parsed.get().relation(), parsed.get().value()) != null) {
                return Optional.empty();
            }
        }
        FactsWorld.Kind kind = null;
        for (FactsWorld.Kind k : FactsWorld.Kind.values()) {
            if (k.relations().containsAll(attributes.keySet())) {
                kind = k;
            }
        }
        if (kind == null) {
            return Optional.empty();
        }
        if (pronoun == null) {
            pronoun = kind == FactsWorld.Kind.CITY ? "It" : "They";
        }
        return Optional.of(new EntityRecord(name, pronoun, attributes));
    }

    private record Parsed(Relation relation, String value) {
    }

    private static Optional<Parsed> parse(String predicate) {
        for (Relation r : Relation.values()) {
            String value = r.read(predicate);
            if (value != null) {
                return Optional.of(new Parsed(r, value));
            }
        }
        return Optional.empty();
    }

    /** The sentences of a text, whitespace collapsed, without their end marks; blank ones dropped. */
    static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        for (String s : SENTENCE_END.split(text)) {
            String t = s.strip().replaceAll("\\s+", " ");
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    private static List<FactsVerdict.Claim> claims(String answer, EntityRecord entity) {
        List<String> sentences = sentences(answer);
        List<FactsVerdict.Claim> out = new ArrayList<>(sentences.size());
        Map<Relation, Integer> stated = new EnumMap<>(Relation.class);
        for (int i = 0; i < sentences.size(); i++) {
            String text = sentences.get(i);
            int index = i + 1;
            if (i >= MAX_CLAIMS) {
                out.add(new FactsVerdict.Claim(index, text, FactsVerdict.Status.UNPARSEABLE, null, null));
                continue;
            }
            Matcher m = SUBJECT.matcher(text);
            Optional<Parsed> parsed = m.matches() ? parse(m.group(2)) : Optional.empty();
            if (parsed.isEmpty()) {
                out.add(new FactsVerdict.Claim(index, text, FactsVerdict.Status.UNPARSEABLE, null, null));
                continue;
            }
            Relation relation = parsed.get().relation();
            String value = parsed.get().value();
            String subject = m.group(1);
            FactsVerdict.Status status;
            if (!subject.equals(entity.name()) && !subject.equals(entity.pronoun())) {
                status = FactsVerdict.Status.OFF_SUBJECT;
            } else if (!entity.attributes().containsKey(relation)) {
                status = FactsVerdict.Status.UNKNOWN_RELATION;
            } else if (stated.putIfAbsent(relation, index) != null) {
                status = FactsVerdict.Status.REPEATED;
            } else {
                status = entity.attributes().get(relation).equals(value) ? FactsVerdict.Status.SUPPORTED
                        : FactsVerdict.Status.WRONG;
            }
            out.add(new FactsVerdict.Claim(index, text, status, relation, value));
        }
        return out;
    }

    private FactsVerdict.Rating factuality(List<FactsVerdict.Claim> claims, EntityRecord entity) {
        FactAspect aspect = FactAspect.FACTUALITY;
        if (claims.stream().noneMatch(c -> c.relation() != null)) {
            return new FactsVerdict.Rating(aspect, 1, claims.isEmpty()
                    ? "no claim: the answer states no fact about " + entity.name()
                    : list(claims.stream().map(c -> critique(c, entity, claims)).toList(), "unsupported claims")
                            + "\nno sentence is a fact the knowledge base can check");
        }
        List<String> unsupported = claims.stream().filter(c -> !c.supported()).map(c -> critique(c, entity, claims))
                .toList();
        if (unsupported.isEmpty()) {
            return new FactsVerdict.Rating(aspect, 3, "");
        }
        int rating = 2 * (claims.size() - unsupported.size()) >= claims.size() ? 2 : 1;
        return new FactsVerdict.Rating(aspect, rating, list(unsupported, "unsupported claims"));
    }

    private String critique(FactsVerdict.Claim c, EntityRecord entity, List<FactsVerdict.Claim> claims) {
        String head = "claim " + c.index() + ": \"" + quote(c.text()) + "\"";
        return switch (c.status()) {
            case SUPPORTED -> head + " is supported";
            case WRONG -> head + " is wrong" + (params.critiqueValues()
                    ? "; " + c.relation().clause(entity.pronoun().toLowerCase(Locale.ROOT),
                            entity.attributes().get(c.relation()))
                    : "");
            case UNKNOWN_RELATION -> head + " is unsupported: the knowledge base has no " + c.relation().label()
                    + " for " + entity.name();
            case OFF_SUBJECT -> head + " is not about " + entity.name() + " (unsupported)";
            case REPEATED -> head + " states the " + c.relation().label() + " again (unsupported)";
            case UNPARSEABLE -> head + " is not a fact the knowledge base can check (unsupported)";
        };
    }

    private FactsVerdict.Rating completeness(List<FactsVerdict.Claim> claims, EntityRecord entity) {
        FactAspect aspect = FactAspect.COMPLETENESS;
        List<String> missing = new ArrayList<>();
        int covered = 0;
        String possessive = possessive(entity);
        for (Relation r : entity.attributes().keySet()) {
            Optional<FactsVerdict.Claim> first = claims.stream()
                    .filter(c -> c.relation() == r && (c.status() == FactsVerdict.Status.SUPPORTED
                            || c.status() == FactsVerdict.Status.WRONG))
                    .findFirst();
            if (first.isPresent() && first.get().supported()) {
                covered++;
            } else if (first.isPresent()) {
                missing.add(possessive + " " + r.label() + " is stated wrongly (claim " + first.get().index() + ")");
            } else {
                missing.add("the answer never states " + possessive + " " + r.label());
            }
        }
        if (missing.isEmpty()) {
            return new FactsVerdict.Rating(aspect, 3, "");
        }
        return new FactsVerdict.Rating(aspect, covered > 0 ? 2 : 1, list(missing, "missing attributes"));
    }

    private static String possessive(EntityRecord entity) {
        return switch (entity.pronoun()) {
            case "She" -> "her";
            case "He" -> "his";
            case "It" -> "its";
            default -> "their";
        };
    }

    private static String quote(String text) {
        return text.length() <= MAX_QUOTE ? text : text.substring(0, MAX_QUOTE - 3) + "...";
    }

    private static FactsVerdict.Rating bounded(FactsVerdict.Rating rating) {
        String critique = rating.critique();
        return critique.length() <= MAX_CRITIQUE_CHARS ? rating
                : new FactsVerdict.Rating(rating.aspect(), rating.rating(), critique.substring(0, MAX_CRITIQUE_CHARS - 3) + "...");
    }

    /** One item per line, at most maxCritiqueItems, then how many more. */
    private String list(List<String> items, String what) {
        int max = params.maxCritiqueItems();
        if (items.size() <= max) {
            return String.join("\n", items);
        }
        return String.join("\n", items.subList(0, max)) + "\n(" + (items.size() - max) + " more " + what + ")";
    }
}
