package io.rlrf.loop.config;

import io.rlrf.tasks.verify.VerifierParams;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The critique form of the in-process judge ({@link io.rlrf.loop.local.LocalReward}): reward-svc's
 * own {@code rlrf.reward.verifier.*} properties (its {@code RewardConfig.Verifier} documents them), read
 * here too so that an in-process experiment judges as a reward-svc started with the same system
 * properties would. The other verifier settings keep {@link VerifierParams#DEFAULTS}.
 */
@ConfigMapping(prefix = "rlrf.reward.verifier")
public interface InProcessVerifierConfig {

    /** As reward-svc's: a step computed with a wrong carried value is faulted with its own right value. */
    @WithDefault(VerifierParams.SERVED_CHAINED_CORRECTIONS)
    boolean chainedCorrections();

    /** As reward-svc's: a wrong step's expression written without spaces ({@code 12+12=24}). */
    @WithDefault("false")
    boolean compactExpressions();

    /** As reward-svc's: a wrong step's critique is its corrected line ({@code line 2 should be 12+12=<<12+12=24>>24}). */
    @WithDefault(VerifierParams.SERVED_CORRECTED_LINES)
    boolean correctedLines();

    /** As reward-svc's: a wrong answer's steps are compared with the reference's ({@code line 2 should be 8-3=<<8-3=5>>5}). */
    @WithDefault(VerifierParams.SERVED_REFERENCE_STEPS)
    boolean referenceSteps();

    /** The verifier settings these properties give. */
    default VerifierParams params() {
        return VerifierParams.DEFAULTS.withChainedCorrections(chainedCorrections())
                .withCompactExpressions(compactExpressions()).withCorrectedLines(correctedLines())
                .withReferenceSteps(referenceSteps());
    }
}
