package io.rlrf.tasks.facts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierParams;

class FactsVerifierTest {

    private static final String MARA = "Mara Voss was born in 1862. She came from Tellan. She was a painter.";
    private static final String TELLAN = "Tellan is a city in Orvia. It was founded in 1204. It has 52000 people.";
    private static final FactsVerifier VERIFIER = new FactsVerifier(VerifierParams.DEFAULTS);

    private static FactsVerdict.Rating rating(FactsVerdict v, FactAspect aspect) {
        return v.ratings().stream().filter(r -> r.aspect() == aspect).findFirst().orElseThrow();
    }

    @Test
    void theCanonicalDescriptionIsFullySupportedAndCorrect() {
        FactsVerdict v = VERIFIER.verify(MARA, MARA);
        assertEquals(Verdict.Outcome.CORRECT, v.outcome());
        assertEquals(1.0, v.precision());
        assertEquals(1.0, v.score());
        assertEquals(3, rating(v, FactAspect.FACTUALITY).rating());
        assertEquals(3, rating(v, FactAspect.COMPLETENESS).rating());
        assertEquals("", rating(v, FactAspect.FACTUALITY).critique());
    }

    @Test
    void aWrongValueIsUnsupportedAndItsCritiqueNamesTheRightValue() {
        FactsVerdict v = VERIFIER.verify("Mara Voss was born in 1874. She came from Tellan. She was a painter.", MARA);
        assertEquals(Verdict.Outcome.INCORRECT, v.outcome());
        assertEquals(FactsVerdict.Status.WRONG, v.claims().get(0).status());
        assertEquals(2.0 / 3, v.precision(), 1e-12);
        assertEquals(2.0 / 3, v.score(), 1e-12);
        assertEquals(2, rating(v, FactAspect.FACTUALITY).rating());
        assertEquals("claim 1: \"Mara Voss was born in 1874\" is wrong; she was born in 1862",
                rating(v, FactAspect.FACTUALITY).critique());
        assertEquals("her birth year is stated wrongly (claim 1)", rating(v, FactAspect.COMPLETENESS).critique());
    }

    @Test
    void withoutValuesTheCritiqueNamesTheClaimOnly() {
        FactsVerdict v = new FactsVerifier(VerifierParams.DEFAULTS.withCritiqueValues(false))
                .verify("Tellan is a city in Kesh. It was founded in 1204. It has 52000 people.", TELLAN);
        assertEquals("claim 1: \"Tellan is a city in Kesh\" is wrong", rating(v, FactAspect.FACTUALITY).critique());
    }

    @Test
    void unparseableOffSubjectUnknownAndRepeatedClaimsCountAsUnsupported() {
        String answer = "Mara Voss was born in 1862. She liked the sea. Ivo Lund was a poet. She was founded in 1300. "
                + "She was born in 1862.";
        FactsVerdict v = VERIFIER.verify(answer, MARA);
        assertEquals(List.of(FactsVerdict.Status.SUPPORTED, FactsVerdict.Status.UNPARSEABLE, FactsVerdict.Status.OFF_SUBJECT,
                FactsVerdict.Status.UNKNOWN_RELATION, FactsVerdict.Status.REPEATED),
                v.claims().stream().map(FactsVerdict.Claim::status).toList());
        assertEquals(0.2, v.precision(), 1e-12);
        assertEquals(1, rating(v, FactAspect.FACTUALITY).rating());
        String critique = rating(v, FactAspect.FACTUALITY).critique();
        assertTrue(critique.contains("claim 2: \"She liked the sea\" is not a fact the knowledge base can check"), critique);
        assertTrue(critique.contains("claim 3: \"Ivo Lund was a poet\" is not about Mara Voss"), critique);
        assertTrue(critique.contains("claim 4: \"She was founded in 1300\" is unsupported: the knowledge base has no "
                + "founding year for Mara Voss"), critique);
        assertTrue(critique.contains("claim 5: \"She was born in 1862\" states the birth year again"), critique);
        assertEquals("the answer never states her birthplace\nthe answer never states her profession",
                rating(v, FactAspect.COMPLETENESS).critique());
    }

    @Test
    void aPronounOfAnotherEntityIsOffSubject() {
        FactsVerdict v = VERIFIER.verify("Mara Voss was born in 1862. He came from Tellan. She was a painter.", MARA);
        assertEquals(FactsVerdict.Status.OFF_SUBJECT, v.claims().get(1).status());
    }

    @Test
    void sayingLittleIsPreciseButScoresByTheClaimFloorAndIsNotCorrect() {
        FactsVerdict v = VERIFIER.verify("Tellan was founded in 1204.", TELLAN);
        assertEquals(1.0, v.precision());
        assertEquals(1.0 / 3, v.score(), 1e-12);
        assertEquals(1.0 / 3, v.coverage(), 1e-12);
        assertEquals(Verdict.Outcome.INCORRECT, v.outcome());
        assertEquals(3, rating(v, FactAspect.FACTUALITY).rating());
        assertEquals(2, rating(v, FactAspect.COMPLETENESS).rating());
        assertEquals("the answer never states its country\nthe answer never states its population",
                rating(v, FactAspect.COMPLETENESS).critique());
    }

    @Test
    void repeatingARightClaimDoesNotRaiseTheScore() {
        FactsVerdict v = VERIFIER.verify("Tellan has 52000 people. It has 52000 people. It has 52000 people.", TELLAN);
        assertEquals(1.0 / 3, v.score(), 1e-12);
    }

    @Test
    void extraUnsupportedClaimsLowerPrecisionBelowTheFloor() {
        FactsVerdict v = VERIFIER.verify(TELLAN + " It was a baker.", TELLAN);
        assertEquals(0.75, v.score(), 1e-12);
        assertEquals(Verdict.Outcome.INCORRECT, v.outcome());
    }

    @Test
    void anAnswerWithoutACheckableClaimIsNoAnswer() {
        FactsVerdict v = VERIFIER.verify("I do not know", MARA);
        assertEquals(Verdict.Outcome.NO_ANSWER, v.outcome());
        assertEquals(0.0, v.score());
        assertEquals(1, rating(v, FactAspect.FACTUALITY).rating());
        assertEquals(1, rating(v, FactAspect.COMPLETENESS).rating());
        FactsVerdict empty = VERIFIER.verify("", MARA);
        assertEquals("no claim: the answer states no fact about Mara Voss", rating(empty, FactAspect.FACTUALITY).critique());
    }

    @Test
    void sentencesSplitOnLineBreaksAndEndMarks() {
        FactsVerdict v = VERIFIER.verify("Mara Voss was born in 1862\nShe came from Tellan!  She   was a painter?", MARA);
        assertEquals(Verdict.Outcome.CORRECT, v.outcome());
    }

    @Test
    void critiquesAreBoundedAndListAtMostTheConfiguredItems() {
        String answer = "She was born in 1. ".repeat(200);
        FactsVerdict v = VERIFIER.verify(answer, MARA);
        String critique = rating(v, FactAspect.FACTUALITY).critique();
        assertTrue(critique.length() <= FactsVerifier.MAX_CRITIQUE_CHARS);
        assertTrue(critique.endsWith("(195 more unsupported claims)"), critique);
        assertEquals(200, v.claims().size());
    }

    @Test
    void aReferenceIsARecordOnlyInTheWorldsPatterns() {
        FactsVerifier.EntityRecord r = FactsVerifier.record(MARA).orElseThrow();
        assertEquals("Mara Voss", r.name());
        assertEquals("She", r.pronoun());
        assertEquals(Map.of(Relation.BIRTH_YEAR, "1862", Relation.BIRTHPLACE, "Tellan", Relation.PROFESSION, "painter"),
                r.attributes());
        assertFalse(FactsVerifier.record("#### 12").isPresent());
        assertFalse(FactsVerifier.record("She was born in 1862.").isPresent());
        assertFalse(FactsVerifier.record("Mara Voss was born in 1862. Mara Voss was born in 1863.").isPresent());
        assertFalse(FactsVerifier.record("Tellan is a city in Orvia. It was born in 1862.").isPresent());
        assertThrows(IllegalArgumentException.class, () -> VERIFIER.verify("x", "12"));
    }
}
