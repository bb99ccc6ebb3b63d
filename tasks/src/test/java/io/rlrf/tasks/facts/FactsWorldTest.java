package io.rlrf.tasks.facts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.rlrf.tasks.Split;
import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierParams;

class FactsWorldTest {

    @Test
    void theSameSeedGivesTheSameWorldAndAnotherSeedAnotherOne() {
        assertEquals(new FactsWorld(3, 20, 8).entities(), new FactsWorld(3, 20, 8).entities());
        assertTrue(!new FactsWorld(3, 20, 8).entities().equals(new FactsWorld(4, 20, 8).entities()));
    }

    @Test
    void everyDescriptionIsItsOwnRecordAndTheVerifierCallsItCorrect() {
        FactsVerifier verifier = new FactsVerifier(VerifierParams.DEFAULTS);
        for (FactsWorld.Entity e : FactsWorld.BUILT_IN.entities()) {
            FactsVerifier.EntityRecord r = FactsVerifier.record(e.description()).orElseThrow();
            assertEquals(e.name(), r.name());
            assertEquals(e.attributes(), r.attributes());
            assertEquals(Verdict.Outcome.CORRECT, verifier.verify(e.description(), e.description()).outcome());
            assertTrue(e.description().length() <= 90, e.description());
        }
    }

    @Test
    void splitsAreDisjointByEntityAndEachHeldOutSplitHasEntities() {
        List<FactsWorld.Entity> all = FactsWorld.BUILT_IN.entities();
        assertEquals(128, all.size());
        Set<String> names = new HashSet<>();
        int total = 0;
        for (Split s : Split.values()) {
            for (FactsWorld.Entity e : FactsWorld.BUILT_IN.entities(s)) {
                assertTrue(names.add(e.name()), e.name());
                assertEquals(s, FactsWorld.splitOf(e.name()));
                assertTrue(e.id().startsWith("facts-" + s.label() + "-"));
            }
            total += FactsWorld.BUILT_IN.entities(s).size();
        }
        assertEquals(all.size(), total);
        assertTrue(FactsWorld.BUILT_IN.entities(Split.TEST).size() >= 15);
    }

    @Test
    void everyBirthplaceIsACityOfTheWorld() {
        Set<String> cities = new HashSet<>();
        FactsWorld.BUILT_IN.entities().stream().filter(e -> e.kind() == FactsWorld.Kind.CITY).forEach(e -> cities.add(e.name()));
        FactsWorld.BUILT_IN.entities().stream().filter(e -> e.kind() == FactsWorld.Kind.PERSON)
                .forEach(e -> assertTrue(cities.contains(e.attributes().get(Relation.BIRTHPLACE))));
    }
}
