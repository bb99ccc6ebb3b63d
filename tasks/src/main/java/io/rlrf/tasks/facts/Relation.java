package io.rlrf.tasks.facts;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An attribute of the factuality world and the one sentence pattern that states it: the claim
 * patterns the {@link FactsVerifier} parses. {@code S} is the entity's name or its pronoun.
 */
public enum Relation {
    /** {@code S was born in 1862.} */
    BIRTH_YEAR("birth year", "was born in %s", "was born in (\\d{1,4})"),
    /** {@code S came from Tellan.} */
    BIRTHPLACE("birthplace", "came from %s", "came from ([A-Z][a-z]+)"),
    /** {@code S was a painter.} */
    PROFESSION("profession", "was a %s", "was an? ([a-z]+)"),
    /** {@code S is a city in Orvia.} */
    COUNTRY("country", "is a city in %s", "is a city in ([A-Z][a-z]+)"),
    /** {@code S was founded in 1204.} */
    FOUNDED("founding year", "was founded in %s", "was founded in (\\d{1,4})"),
    /** {@code S has 52000 people.} */
    POPULATION("population", "has %s people", "has (\\d{1,9}) people");

    private final String label;
    private final String format;
    private final Pattern predicate;

    Relation(String label, String format, String predicate) {
        this.label = label;
        this.format = format;
        this.predicate = Pattern.compile("^" + predicate + "$");
    }

    /** What the attribute is called in critiques, e.g. {@code birth year}. */
    public String label() {
        return label;
    }

    /** The sentence that states {@code value} of {@code subject}, with its full stop. */
    public String sentence(String subject, String value) {
        return clause(subject, value) + ".";
    }

    /** The claim without the full stop, e.g. {@code she was born in 1862}. */
    public String clause(String subject, String value) {
        return subject + " " + String.format(Locale.ROOT, format, value);
    }

    /** The value this relation's pattern reads from a predicate (the sentence after its subject), or null. */
    String read(String predicateText) {
        var m = predicate.matcher(predicateText);
        return m.matches() ? m.group(1) : null;
    }
}
