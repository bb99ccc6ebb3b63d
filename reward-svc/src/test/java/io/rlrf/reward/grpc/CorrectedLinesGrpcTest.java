package io.rlrf.reward.grpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.RewardGrpc;

/**
 * {@code rlrf.reward.verifier.corrected-lines} with {@code chained-corrections} (issue 14's copy study):
 * a wrong step's critique is its corrected line as the answers write it, and the wrong value is not
 * repeated; the no-values judge still withholds the value.
 */
@QuarkusTest
@TestProfile(CorrectedLinesGrpcTest.Profile.class)
class CorrectedLinesGrpcTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlrf.reward.cache.enabled", "false", "rlrf.reward.verifier.corrected-lines", "true",
                    "rlrf.reward.verifier.chained-corrections", "true");
        }
    }

    private static String robustness(String judge) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
        try {
            EvaluateRequest.Builder request = EvaluateRequest.newBuilder().setTask("arith")
                    .addItems(EvaluationItem.newBuilder().setId("a").setPrompt("Ann has 12 pens and gets 12 more, then 5 more.")
                            .setAnswer("12+12=<<12+12=23>>23\n23+5=<<23+5=28>>28\n#### 28")
                            .setReference("12+12=<<12+12=24>>24\n24+5=<<24+5=29>>29\n#### 29"));
            if (!judge.isEmpty()) {
                request.setJudge(judge);
            }
            Feedback f = RewardGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .evaluate(request.build()).getFeedback(0);
            return f.getAspectsList().stream().filter(a -> a.getAspect().equals("logical_robustness"))
                    .map(AspectFeedback::getCritique).findFirst().orElseThrow();
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void aWrongStepsCritiqueIsItsCorrectedLineAndTheCarriedStepGetsOneToo() {
        String critique = robustness("");
        assertTrue(critique.contains("line 1 should be 12+12=<<12+12=24>>24"), critique);
        assertTrue(critique.contains("line 2 should be 24+5=<<24+5=29>>29"), critique);
        assertFalse(critique.contains("23"), "the draft's wrong value is not repeated: " + critique);
    }

    @Test
    void theNoValuesJudgeStillWithholdsTheRightValue() {
        String critique = robustness("verifier-gsm8k-novalues");
        assertFalse(critique.contains("24"), critique);
        assertTrue(critique.contains("line 1"), critique);
    }
}
