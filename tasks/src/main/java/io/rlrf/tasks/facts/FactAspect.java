package io.rlrf.tasks.facts;

import java.util.Arrays;
import java.util.Optional;

/**
 * The aspects the facts verifier rates, named as in FLASK (and reward-svc's aspect catalog) [ours].
 * Rating 1 = a clear error, 2 = partly satisfied, 3 = fully satisfied.
 */
public enum FactAspect {
    /**
     * Precision of the claims (FactScore). 3: at least one claim, and every claim is supported by the
     * knowledge base. 2: at least half are. 1: fewer than half, or no claim. Each unsupported claim is
     * named in the critique, with its right value when the claim is a known attribute stated wrongly.
     */
    FACTUALITY("factuality"),
    /**
     * Coverage of the entity's attributes. 3: every attribute of the entity is stated by a supported
     * claim. 2: at least one is. 1: none. The critique names each attribute not stated right (without
     * its value when it was not stated at all).
     */
    COMPLETENESS("completeness");

    private final String aspectName;

    FactAspect(String aspectName) {
        this.aspectName = aspectName;
    }

    public String aspectName() {
        return aspectName;
    }

    public static Optional<FactAspect> byName(String name) {
        return Arrays.stream(values()).filter(a -> a.aspectName.equals(name)).findFirst();
    }
}
