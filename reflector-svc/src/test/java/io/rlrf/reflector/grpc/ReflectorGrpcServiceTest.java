package io.rlrf.reflector.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.grpc.Status.Code;
import io.quarkus.test.junit.QuarkusTest;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.api.reflector.v1.DescribeReflectorRequest;
import io.rlrf.api.reflector.v1.DescribeReflectorResponse;
import io.rlrf.api.reflector.v1.RefineItem;
import io.rlrf.api.reflector.v1.RefineRequest;
import io.rlrf.api.reflector.v1.ReflectorGrpc;
import io.rlrf.api.reflector.v1.SourceAnswer;
import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.common.testing.ServiceConformanceTests;

/**
 * reflector-svc over real gRPC on loopback: the conformance checks, every validation rule, UNAVAILABLE
 * when generator-svc cannot be reached (nothing listens on the test profile's generator port), and
 * DescribeReflector. No Infinispan Server runs for this class, so the cache is down and the service
 * works uncached. The test profile sets max-items = 4 and max-m = 4.
 */
@QuarkusTest
class ReflectorGrpcServiceTest extends ServiceConformanceTests {

    @Override
    protected String grpcServiceName() {
        return "rlrf.reflector.v1.Reflector";
    }

    private ReflectorGrpc.ReflectorBlockingStub stub() {
        return ReflectorGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static Feedback.Builder feedback() {
        return Feedback.newBuilder().setId("f-1").setStatus(FeedbackStatus.FEEDBACK_STATUS_OK).setScore(0.5)
                .addAspects(AspectFeedback.newBuilder().setAspect("logical_robustness").setRating(1)
                        .setCritique("line 2: 12 + 12 = 23 is wrong; 12 + 12 = 24"));
    }

    private static RefineItem.Builder item() {
        return RefineItem.newBuilder().setPrompt("Tom has 12 apples and buys 12 more. How many?")
                .setAnswer(SourceAnswer.newBuilder().setId("a-1").setText("12 + 12 = 23\n#### 23"))
                .setFeedback(feedback());
    }

    private static RefineRequest.Builder valid() {
        return RefineRequest.newBuilder().addItems(item()).setM(2);
    }

    @Test
    void refineWithoutAReachableGeneratorIsUnavailableAfterRetries() {
        assertStatus(Code.UNAVAILABLE, "generator-svc DescribeModel failed after 3 attempt(s): UNAVAILABLE",
                () -> stub().refine(valid().build()));
    }

    @Test
    void shouldRejectEmptyBatch() {
        assertStatus(Code.INVALID_ARGUMENT, "items must contain at least one entry",
                () -> stub().refine(valid().clearItems().build()));
    }

    @Test
    void shouldRejectEmptyPrompt() {
        assertStatus(Code.INVALID_ARGUMENT, "items[0].prompt must not be empty",
                () -> stub().refine(valid().setItems(0, item().setPrompt("")).build()));
    }

    @Test
    void shouldRejectEmptyAnswer() {
        assertStatus(Code.INVALID_ARGUMENT, "items[0].answer.text must not be empty",
                () -> stub().refine(valid().setItems(0, item().setAnswer(SourceAnswer.newBuilder().setId("a"))).build()));
    }

    @Test
    void shouldRejectMissingFeedback() {
        assertStatus(Code.INVALID_ARGUMENT, "items[0].feedback is required",
                () -> stub().refine(valid().setItems(0, item().clearFeedback()).build()));
    }

    @Test
    void shouldRejectFeedbackFromAFailedJudge() {
        assertStatus(Code.INVALID_ARGUMENT, "items[0].feedback.status must be FEEDBACK_STATUS_OK",
                () -> stub().refine(valid().setItems(0, item().setFeedback(
                        feedback().setStatus(FeedbackStatus.FEEDBACK_STATUS_JUDGE_FAILURE))).build()));
    }

    @Test
    void shouldRejectRatingOutsideOneToThree() {
        assertStatus(Code.INVALID_ARGUMENT, "items[0].feedback.aspects[0].rating must be 1, 2 or 3, got 4",
                () -> stub().refine(valid().setItems(0, item().setFeedback(feedback().setAspects(0,
                        AspectFeedback.newBuilder().setAspect("conciseness").setRating(4)))).build()));
    }

    @Test
    void critiquesOfOneItemShareOneTextBudget() {
        String half = "x".repeat(9000); // each below the 16384-character limit, together above it
        assertStatus(Code.RESOURCE_EXHAUSTED, "items[0].feedback.aspects[*].critique (characters in total) is 18000",
                () -> stub().refine(valid().setItems(0, item().setFeedback(feedback()
                        .setAspects(0, AspectFeedback.newBuilder().setAspect("logical_robustness").setRating(1).setCritique(half))
                        .addAspects(AspectFeedback.newBuilder().setAspect("completeness").setRating(2).setCritique(half))))
                        .build()));
    }

    @Test
    void anItemsOwnMaxNewTokensIsCheckedLikeSamplings() {
        assertStatus(Code.INVALID_ARGUMENT, "items[0].max_new_tokens must be at least 1, got 0",
                () -> stub().refine(valid().setItems(0, item().setMaxNewTokens(0)).build()));
        assertStatus(Code.RESOURCE_EXHAUSTED, "(set by rlrf.reflector.limits.max-new-tokens)",
                () -> stub().refine(valid().setItems(0, item().setMaxNewTokens(513)).build()));
    }

    @Test
    void shouldRejectMBelowOne() {
        assertStatus(Code.INVALID_ARGUMENT, "m must be at least 1, got 0", () -> stub().refine(valid().setM(0).build()));
    }

    @Test
    void shouldRejectNegativeTemperature() {
        assertStatus(Code.INVALID_ARGUMENT, "sampling.temperature must be a finite number >= 0",
                () -> stub().refine(valid().setSampling(SamplingParams.newBuilder().setTemperature(-0.5f)).build()));
    }

    @Test
    void mAboveTheLimitIsResourceExhaustedAndNamesTheProperty() {
        assertStatus(Code.RESOURCE_EXHAUSTED, "(set by rlrf.reflector.limits.max-m)",
                () -> stub().refine(valid().setM(5).build()));
    }

    @Test
    void batchAboveTheLimitIsResourceExhausted() {
        RefineRequest.Builder request = valid();
        for (int i = 0; i < 4; i++) {
            request.addItems(item());
        }
        assertStatus(Code.RESOURCE_EXHAUSTED, "rlrf.reflector.limits.max-items", () -> stub().refine(request.build()));
    }

    @Test
    void describeReflectorReportsTemplateLimitsAndDefaults() {
        DescribeReflectorResponse d = stub().describeReflector(DescribeReflectorRequest.getDefaultInstance());
        assertEquals("reflect-v2", d.getTemplateVersion());
        assertTrue(d.getTemplate().contains("{critiques}"), d.getTemplate());
        assertEquals(4, d.getMaxM());
        assertEquals(0.7f, d.getDefaults().getTemperature());
    }
}
