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

    /** Every verifier judge id, the default first. */
    public static final List<String> IDS = List.of(VERIFIER, VERIFIER_NO_VALUES);

    private VerifierJudges() {
    }

    /** The settings judge {@code id} verifies with, given the configured ones; empty for another judge. */
    public static Optional<VerifierParams> params(String id, VerifierParams configured) {
        return switch (id) {
            case VERIFIER -> Optional.of(configured);
            case VERIFIER_NO_VALUES -> Optional.of(configured.withCritiqueValues(false));
            default -> Optional.empty();
        };
    }
}
