package io.rlrf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.loop.config.InProcessVerifierConfig;
import io.rlrf.loop.local.LocalReward;
import io.rlrf.tasks.verify.VerifierParams;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The critique-form properties of reward-svc reach the in-process judge of {@code experiment --in-process} (here, where SmallRye can build the mapping). */
class InProcessVerifierConfigTest {

    private static InProcessVerifierConfig config(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(properties, "test", 500))
                .withMapping(InProcessVerifierConfig.class).build();
        return config.getConfigMapping(InProcessVerifierConfig.class);
    }

    private static String robustnessCritique(VerifierParams params) {
        Feedback f = new LocalReward(params).evaluate(EvaluateRequest.newBuilder().setTask("arith")
                .addItems(EvaluationItem.newBuilder().setId("a").setPrompt("Ann has 12 pens and gets 12 more. How many?")
                        .setAnswer("12+12=<<12+12=23>>23\n#### 23").setReference("12+12=<<12+12=24>>24\n#### 24"))
                .build()).getFeedback(0);
        return f.getAspectsList().stream().filter(a -> a.getAspect().equals("logical_robustness"))
                .map(AspectFeedback::getCritique).findFirst().orElseThrow();
    }

    @Test
    void withoutPropertiesTheInProcessJudgeServesTheFormTheBuiltInBaseIsRefinedOn() {
        VerifierParams params = config(Map.of()).params();
        assertEquals(VerifierParams.SERVED, params);
        assertTrue(params.chainedCorrections() && params.correctedLines(), params.toString());
        String critique = robustnessCritique(params);
        assertTrue(critique.contains("line 1 should be 12+12=<<12+12=24>>24"), critique);
        assertTrue(!critique.contains("23"), "the wrong value is not repeated: " + critique);
    }

    @Test
    void reward_svcsCritiqueFormPropertiesReachTheInProcessJudge() {
        VerifierParams params = config(Map.of("rlrf.reward.verifier.chained-corrections", "false",
                "rlrf.reward.verifier.corrected-lines", "false")).params();
        assertEquals(VerifierParams.DEFAULTS, params);
        assertTrue(robustnessCritique(params).contains("12 + 12 = 23 is wrong; 12 + 12 = 24"), robustnessCritique(params));
    }
}
