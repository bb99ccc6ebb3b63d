package io.rlrf.reward.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.grpc.Status.Code;
import io.quarkus.test.junit.QuarkusTest;
import io.rlrf.api.reward.v1.Aspect;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.ListAspectsRequest;
import io.rlrf.api.reward.v1.ListRubricsRequest;
import io.rlrf.api.reward.v1.RatingLevel;
import io.rlrf.api.reward.v1.RewardGrpc;
import io.rlrf.common.testing.ServiceConformanceTests;

/**
 * reward-svc over real gRPC on loopback: the conformance checks, the aspect catalog, every
 * validation rule of this build, and UNIMPLEMENTED for valid Evaluate calls (no judge is built).
 * The test profile sets max-batch = 4.
 */
@QuarkusTest
class RewardGrpcServiceTest extends ServiceConformanceTests {

    @Override
    protected String grpcServiceName() {
        return "rlrf.reward.v1.Reward";
    }

    private RewardGrpc.RewardBlockingStub stub() {
        return RewardGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static EvaluationItem.Builder item() {
        return EvaluationItem.newBuilder().setId("a-1").setPrompt("What is 12 + 12?")
                .setAnswer("12 + 12 = <<12+12=24>>24\n#### 24").setReference("12 + 12 = <<12+12=24>>24\n#### 24");
    }

    private static EvaluateRequest.Builder valid() {
        return EvaluateRequest.newBuilder().addItems(item()).setTask("arith");
    }

    @Test
    void listAspectsReturnsTheTwelveFlaskAspectsWithThreeLevelsEach() {
        List<Aspect> aspects = stub().listAspects(ListAspectsRequest.getDefaultInstance()).getAspectsList();
        assertEquals(12, aspects.size());
        assertEquals("logical_correctness", aspects.get(0).getName());
        for (Aspect aspect : aspects) {
            assertEquals(List.of(1, 2, 3), aspect.getLevelsList().stream().map(RatingLevel::getRating).toList());
            assertFalse(aspect.getDescription().isBlank(), aspect.getName());
        }
    }

    @Test
    void validEvaluateIsUnimplementedNotInvented() {
        assertStatus(Code.UNIMPLEMENTED, "Evaluate is not implemented yet", () -> stub().evaluate(valid().build()));
    }

    @Test
    void listRubricsIsUnimplemented() {
        assertStatus(Code.UNIMPLEMENTED, "ListRubrics is not implemented yet",
                () -> stub().listRubrics(ListRubricsRequest.getDefaultInstance()));
    }

    @Test
    void shouldRejectEmptyBatch() {
        assertStatus(Code.INVALID_ARGUMENT, "items must contain at least one entry",
                () -> stub().evaluate(valid().clearItems().build()));
    }

    @Test
    void shouldRejectEmptyPrompt() {
        assertStatus(Code.INVALID_ARGUMENT, "items[0].prompt must not be empty",
                () -> stub().evaluate(valid().setItems(0, item().setPrompt("")).build()));
    }

    @Test
    void shouldRejectEmptyAnswer() {
        assertStatus(Code.INVALID_ARGUMENT, "items[0].answer must not be empty",
                () -> stub().evaluate(valid().setItems(0, item().setAnswer("\n")).build()));
    }

    @Test
    void shouldRequireATaskOrAspects() {
        assertStatus(Code.INVALID_ARGUMENT, "task is required unless aspects are listed",
                () -> stub().evaluate(valid().clearTask().build()));
    }

    @Test
    void unknownAspectIsRejectedAndTheValidNamesAreListed() {
        var e = assertStatus(Code.INVALID_ARGUMENT, "aspects[1] 'truthiness' is not a known aspect; valid aspects: logical_correctness,",
                () -> stub().evaluate(valid().addAspects("factuality").addAspects("truthiness").build()));
        assertFalse(e.getStatus().getDescription().contains("Exception"));
    }

    @Test
    void repeatedAspectIsRejected() {
        assertStatus(Code.INVALID_ARGUMENT, "aspects[1] repeats 'factuality'",
                () -> stub().evaluate(valid().addAspects("factuality").addAspects("factuality").build()));
    }

    @Test
    void moreThanThreeAspectsIsResourceExhausted() {
        assertStatus(Code.RESOURCE_EXHAUSTED, "rlrf.reward.limits.max-aspects",
                () -> stub().evaluate(valid().addAspects("factuality").addAspects("completeness")
                        .addAspects("conciseness").addAspects("readability").build()));
    }

    @Test
    void batchAboveTheLimitIsResourceExhausted() {
        EvaluateRequest.Builder request = valid();
        for (int i = 0; i < 4; i++) {
            request.addItems(item());
        }
        assertStatus(Code.RESOURCE_EXHAUSTED, "above the limit of 4 (set by rlrf.reward.limits.max-batch)",
                () -> stub().evaluate(request.build()));
    }
}
