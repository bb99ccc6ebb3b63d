package io.rlrf.tasks.verify;

import java.util.List;
import java.util.Optional;

/**
 * The verifier's judge ids, one home for reward-svc and the loop's in-process judge: the verifier as
 * configured, and its ablation whose critiques name the faulty line but withhold the right value
 * (issue 14: does the content of the feedback matter?). Both share the rubric version; the settings
 * they differ in are in their feedback fingerprints ({@link VerifierParams#toString()}).
 */
public final class VerifierJudges {

    /** The verifier with the configured settings. */
    public static final String VERIFIER = "verifier-gsm8k";
    /** The same verifier, critiques without right values ({@link VerifierParams#critiqueValues()} false). */
    public static final String VERIFIER_NO_VALUES = "verifier-gsm8k-novalues";
    /** Bumped whenever the verifier's rating rules or critique wording change (it is in every cache key). */
    public static final String RUBRIC_VERSION = "verifier-gsm8k-v1";

    /** Every math verifier judge id, the default first. */
    public static final List<String> IDS = List.of(VERIFIER, VERIFIER_NO_VALUES);

    /** The facts world's verifier ({@link io.rlrf.tasks.facts.FactsVerifier}) with the configured settings. */
    public static final String FACTS = "verifier-facts";
    /** The facts verifier whose critiques name the unsupported claim but not its right value. */
    public static final String FACTS_NO_VALUES = "verifier-facts-novalues";
    /** Bumped whenever the facts verifier's claim patterns, rating rules or critique wording change. */
    public static final String FACTS_RUBRIC_VERSION = "verifier-facts-v1";
    /** Every facts verifier judge id, the default first. */
    public static final List<String> FACTS_IDS = List.of(FACTS, FACTS_NO_VALUES);
    /** The task of the factuality world. */
    public static final String FACTS_TASK = "facts";

    private VerifierJudges() {
    }

    /** The default verifier judge of {@code task}: the facts verifier for {@value #FACTS_TASK}, else the math one. */
    public static String defaultFor(String task) {
        return FACTS_TASK.equals(task) ? FACTS : VERIFIER;
    }

    /** The judge of {@code task} whose critiques withhold the right values (the ablation). */
    public static String noValuesFor(String task) {
        return FACTS_TASK.equals(task) ? FACTS_NO_VALUES : VERIFIER_NO_VALUES;
    }

    /** The rubric version of verifier judge {@code id}. */
    public static String rubricVersion(String id) {
        return FACTS_IDS.contains(id) ? FACTS_RUBRIC_VERSION : RUBRIC_VERSION;
    }

    /**
     * The facts verifier reads only {@code maxCritiqueItems} and {@code critiqueValues}; the other
     * settings are left at their defaults, so that its fingerprint does not change with the math ones.
     */
    private static VerifierParams facts(VerifierParams configured) {
        return new VerifierParams(VerifierParams.DEFAULTS.lengthRatio(), VerifierParams.DEFAULTS.minLengthBound(),
                configured.maxCritiqueItems(), false);
    }

    /** The feedback fingerprint of verifier judge {@code id} verifying with {@code params} (part of cache and content keys). */
    public static String fingerprint(String id, VerifierParams params) {
        return id + "|" + rubricVersion(id) + "|" + params;
    }

    /** The settings judge {@code id} verifies with, given the configured ones; empty for another judge. */
    public static Optional<VerifierParams> params(String id, VerifierParams configured) {
        return switch (id) {
            case VERIFIER -> Optional.of(configured);
            case VERIFIER_NO_VALUES -> Optional.of(configured.withCritiqueValues(false));
            case FACTS -> Optional.of(facts(configured));
            case FACTS_NO_VALUES -> Optional.of(facts(configured).withCritiqueValues(false));
            default -> Optional.empty();
        };
    }
}
