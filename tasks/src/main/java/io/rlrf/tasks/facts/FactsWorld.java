package io.rlrf.tasks.facts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import io.rlrf.tasks.Split;

/**
 * The built-in factuality world [ours]: a seeded knowledge base of invented people and cities (no
 * real data), each with three attributes, and prompts that ask the policy to describe one entity.
 * The reference of a prompt is the entity's canonical description, one atomic claim per sentence
 * ({@link Relation} has the sentence patterns), short enough for a character-level policy:
 * <pre>
 * Tell me about Mara Voss.
 *
 * Mara Voss was born in 1862. She came from Tellan. She was a painter.
 * </pre>
 * <pre>
 * Tell me about Tellan.
 *
 * Tellan is a city in Orvia. It was founded in 1204. It has 52000 people.
 * </pre>
 * A person's birthplace is one of the world's cities. The {@link FactsVerifier} judges an answer
 * against the reference, which is the entity's record in the knowledge base.
 *
 * <p><b>Splits are by entity.</b> An entity's split is a function of its name alone (the first bytes
 * of its SHA-256: 70% train, 10% dev, 20% test), so no held-out prompt asks about an entity a
 * training prompt asks about. The built-in bootstrap teaches every entity's description (the base
 * "has read about" the held-out entities too, imperfectly); runs train on train-split entities and
 * evaluate on test-split ones.
 */
public final class FactsWorld {

    /** An entity's kind: what attributes it has. */
    public enum Kind {
        PERSON(List.of(Relation.BIRTH_YEAR, Relation.BIRTHPLACE, Relation.PROFESSION)),
        CITY(List.of(Relation.COUNTRY, Relation.FOUNDED, Relation.POPULATION));

        private final List<Relation> relations;

        Kind(List<Relation> relations) {
            this.relations = relations;
        }

        /** The attributes every entity of this kind has, in the order its description states them. */
        public List<Relation> relations() {
            return relations;
        }
    }

    /**
     * One entity of the knowledge base.
     *
     * @param pronoun    how the description refers to it after the first sentence: She, He or It
     * @param attributes one value per relation of the kind, in the kind's order
     */
    public record Entity(String name, Kind kind, String pronoun, Map<Relation, String> attributes) {

        public Entity {
            attributes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        }

        /** The prompt that asks about it. */
        public String question() {
            return "Tell me about " + name + ".";
        }

        /** The canonical description: one sentence per attribute, the name first, then the pronoun. */
        public String description() {
            List<String> sentences = new ArrayList<>();
            for (Relation r : kind.relations()) {
                sentences.add(r.sentence(sentences.isEmpty() ? name : pronoun, attributes.get(r)));
            }
            return String.join(" ", sentences);
        }

        /** Stable id, e.g. {@code facts-test-3fa9c01b2e}. */
        public String id() {
            return "facts-" + splitOf(name).label() + "-" + sha256(name).substring(0, 10);
        }
    }

    static final String[] FIRST_SHE = {"Mara", "Ilsa", "Calla", "Esme", "Hesta", "Jora", "Lira", "Pella", "Rena",
        "Tamsin", "Vela", "Nessa", "Orla", "Sabine", "Yara", "Wenna"};
    static final String[] FIRST_HE = {"Tovin", "Bren", "Dorin", "Fenn", "Galen", "Ivo", "Kael", "Orin", "Sorel",
        "Brant", "Cass", "Edric", "Hal", "Joss", "Luth", "Mirek"};
    static final String[] LAST = {"Voss", "Harrow", "Quell", "Brandt", "Ostrel", "Mirren", "Kade", "Thorne", "Vell",
        "Drask", "Penn", "Corrow", "Ashby", "Lund", "Marek", "Sallow", "Tirn", "Wexley"};
    static final String[] CITY_HEAD = {"Tel", "Mor", "Kes", "Bar", "Dun", "Fal", "Gor", "Hal", "Lor", "Nim", "Ost",
        "Pel", "Ral", "Sev", "Tor", "Ul"};
    static final String[] CITY_TAIL = {"lan", "vik", "dra", "mere", "holt", "wen", "dor", "brook", "gate", "moor"};
    static final String[] COUNTRIES = {"Orvia", "Kesh", "Lunmar", "Brevonne", "Taskor", "Zell"};
    static final String[] PROFESSIONS = {"painter", "sailor", "doctor", "baker", "poet", "teacher", "miner", "weaver",
        "potter", "judge"};

    private static final int TRAIN_PERCENT = 70;
    private static final int DEV_PERCENT = 10;

    /** The built-in world's seed and size: 96 people and 32 cities (declared after the name lists it draws from). */
    public static final FactsWorld BUILT_IN = new FactsWorld(17, 96, 32);

    private final long seed;
    private final List<Entity> entities;

    /** A world of {@code people} people and {@code cities} cities drawn from {@code seed}. */
    public FactsWorld(long seed, int people, int cities) {
        if (people < 0 || cities < 1 || people > FIRST_SHE.length * 2 * LAST.length
                || cities > CITY_HEAD.length * CITY_TAIL.length) {
            throw new IllegalArgumentException("a facts world needs 1 to " + CITY_HEAD.length * CITY_TAIL.length
                    + " cities and 0 to " + FIRST_SHE.length * 2 * LAST.length + " people, got " + cities + " and " + people);
        }
        this.seed = seed;
        SplittableRandom random = new SplittableRandom(seed);
        List<Entity> all = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        List<String> cityNames = new ArrayList<>();
        while (cityNames.size() < cities) {
            String name = CITY_HEAD[random.nextInt(CITY_HEAD.length)] + CITY_TAIL[random.nextInt(CITY_TAIL.length)];
            if (names.add(name)) {
                cityNames.add(name);
                Map<Relation, String> a = new LinkedHashMap<>();
                a.put(Relation.COUNTRY, COUNTRIES[random.nextInt(COUNTRIES.length)]);
                a.put(Relation.FOUNDED, Integer.toString(1100 + random.nextInt(700)));
                a.put(Relation.POPULATION, Integer.toString(1000 * (10 + random.nextInt(90))));
                all.add(new Entity(name, Kind.CITY, "It", a));
            }
        }
        int made = 0;
        while (made < people) {
            boolean she = random.nextBoolean();
            String[] first = she ? FIRST_SHE : FIRST_HE;
            String name = first[random.nextInt(first.length)] + " " + LAST[random.nextInt(LAST.length)];
            if (names.add(name)) {
                Map<Relation, String> a = new LinkedHashMap<>();
                a.put(Relation.BIRTH_YEAR, Integer.toString(1800 + random.nextInt(100)));
                a.put(Relation.BIRTHPLACE, cityNames.get(random.nextInt(cityNames.size())));
                a.put(Relation.PROFESSION, PROFESSIONS[random.nextInt(PROFESSIONS.length)]);
                all.add(new Entity(name, Kind.PERSON, she ? "She" : "He", a));
                made++;
            }
        }
        this.entities = List.copyOf(all);
    }

    public long seed() {
        return seed;
    }

    /** Every entity, cities first, in the order drawn. */
    public List<Entity> entities() {
        return entities;
    }

    /** The entities of {@code split}, in the order drawn. */
    public List<Entity> entities(Split split) {
        return entities.stream().filter(e -> splitOf(e.name()) == split).toList();
    }

    /** The split an entity belongs to (see the class comment). */
    public static Split splitOf(String name) {
        int bucket = Integer.parseInt(sha256(name).substring(0, 4), 16) % 100;
        return bucket < TRAIN_PERCENT ? Split.TRAIN : bucket < TRAIN_PERCENT + DEV_PERCENT ? Split.DEV : Split.TEST;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
