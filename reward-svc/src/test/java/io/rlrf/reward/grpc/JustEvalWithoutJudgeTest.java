package io.rlrf.reward.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/**
 * {@code rlrf just-eval} against a reward-svc with no model judge configured: the command stops at its
 * first Evaluate with reward-svc's FAILED_PRECONDITION message, which says what to set, and exits 1.
 */
@QuarkusTest
@TestProfile(JustEvalWithoutJudgeTest.Profile.class)
class JustEvalWithoutJudgeTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlrf.reward.cache.enabled", "false");
        }
    }

    @Test
    void withoutAModelJudgeTheCommandPrintsTheFailedPreconditionAndExitsOne() throws Exception {
        var r = JustEvalCliTest.cli("just-eval", "--outputs", JustEvalCliTest.outputsFile().toString(), "--batch-size", "4");
        assertEquals(1, r.status(), r.out());
        assertEquals(List.of("error: reward-svc at 127.0.0.1:" + RestAssured.port + " answered FAILED_PRECONDITION: task "
                + "'open' is judged by the model judge, and none is configured on this server; set "
                + "rlrf.reward.model-judge.backend=openai with rlrf.reward.model-judge.openai.url and .model (or =local "
                + "with rlrf.reward.model-judge.local.checkpoint), or use a verifier task (arith, gsm8k, svamp, facts)"),
                r.err().lines().toList());
    }
}
