package io.rlrf.reward.grpc;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.grpc.Status.Code;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.rlrf.api.reward.v1.Aspect;
import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.JudgeKind;
import io.rlrf.api.reward.v1.ListRubricsResponse;
import io.rlrf.api.reward.v1.Outcome;
import io.rlrf.api.reward.v1.Rubric;
import io.rlrf.api.reward.v1.TaskInfo;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluateResponse;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.ListAspectsRequest;
import io.rlrf.api.reward.v1.ListRubricsRequest;
import io.rlrf.api.reward.v1.RatingLevel;
import io.rlrf.api.reward.v1.RewardGrpc;
import io.rlrf.common.testing.InfinispanServerResource;
import io.rlrf.common.testing.ServiceConformanceTests;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.arith.ArithLevel;
import io.rlrf.tasks.arith.ArithWorld;
import io.rlrf.tasks.datasets.DatasetsRoot;
import io.rlrf.tasks.datasets.Gsm8k;

/**
 * reward-svc over real gRPC on loopback, with a real Infinispan Server (started on free ports by
 * {@link InfinispanServerResource}): the conformance checks, the aspect catalog and rubrics,
 * verifier feedback for the arith world and GSM8K, the feedback cache, the metrics, and every
 * validation rule with its status and message. The test profile sets max-batch = 4; no model judge
 * is configured here (see {@link ModelJudgeGrpcTest}).
 */
@QuarkusTest
@WithTestResource(InfinispanServerResource.class)
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
    void listAspectsReturnsTheTwelveFlaskAspectsThenJustEvalsWithThreeLevelsEach() {
        List<Aspect> aspects = stub().listAspects(ListAspectsRequest.getDefaultInstance()).getAspectsList();
        assertEquals(17, aspects.size());
        assertEquals("logical_correctness", aspects.get(0).getName());
        assertEquals(List.of("helpfulness", "clarity", "depth", "engagement", "safety"),
                aspects.subList(12, 17).stream().map(Aspect::getName).toList());
        for (Aspect aspect : aspects) {
            assertEquals(List.of(1, 2, 3), aspect.getLevelsList().stream().map(RatingLevel::getRating).toList());
            assertFalse(aspect.getDescription().isBlank(), aspect.getName());
        }
    }

    @Test
    void listRubricsNamesTheVerifierAndTheTasks() {
        ListRubricsResponse rubrics = stub().listRubrics(ListRubricsRequest.getDefaultInstance());
        assertEquals(List.of("verifier-gsm8k", "verifier-gsm8k-novalues", "verifier-facts", "verifier-facts-novalues"),
                rubrics.getRubricsList().stream().map(Rubric::getJudgeId).toList());
        assertEquals(JudgeKind.JUDGE_KIND_VERIFIER, rubrics.getRubrics(0).getKind());
        assertEquals(List.of("logical_correctness", "logical_robustness", "completeness", "conciseness"),
                rubrics.getRubrics(0).getAspectsList());
        assertEquals(List.of("arith", "gsm8k", "svamp", "facts", "open"),
                rubrics.getTasksList().stream().map(TaskInfo::getName).toList());
        assertEquals("verifier-gsm8k", rubrics.getTasks(0).getDefaultJudge());
        assertEquals("verifier-facts", rubrics.getTasks(3).getDefaultJudge());
        assertEquals(List.of("factuality", "completeness"), rubrics.getRubrics(2).getAspectsList());
        assertEquals("", rubrics.getTasks(4).getDefaultJudge(), "no model judge configured in this test");
    }

    /** A level-2 reference whose first step's result is off by one, in the annotation and in the text after it. */
    private record SlippedAnswer(EvaluationItem item, int wrongValue) {
        static SlippedAnswer of() {
            MathProblem problem = ArithWorld.generate(ArithLevel.L2, Split.TEST, 1, 99).get(0);
            String[] lines = problem.solution().split("\n");
            String first = lines[0];
            int value = Integer.parseInt(first.substring(first.lastIndexOf(">>") + 2));
            lines[0] = first.substring(0, first.lastIndexOf('=') + 1) + (value + 1) + ">>" + (value + 1);
            return new SlippedAnswer(EvaluationItem.newBuilder().setId("p-1").setPrompt(problem.question())
                    .setAnswer(String.join("\n", lines)).setReference(problem.solution()).build(), value + 1);
        }
    }

    @Test
    void aWrongStepInAnArithAnswerIsNamedByLineAndGivenAsItsCorrectedLine() {
        SlippedAnswer slipped = SlippedAnswer.of();
        int value = slipped.wrongValue() - 1;
        Feedback feedback = stub().evaluate(EvaluateRequest.newBuilder().setTask("arith").addItems(slipped.item()).build())
                .getFeedback(0);
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_OK, feedback.getStatus());
        assertEquals("p-1", feedback.getItemId());
        assertEquals("verifier-gsm8k", feedback.getJudgeId());
        assertEquals("arith", feedback.getTask());
        AspectFeedback robustness = feedback.getAspectsList().stream()
                .filter(a -> a.getAspect().equals("logical_robustness")).findFirst().orElseThrow();
        assertEquals(1, robustness.getRating());
        // the served form (rlrf.reward.verifier.corrected-lines and chained-corrections, on by default)
        assertTrue(robustness.getCritique().startsWith("line 1 should be "), robustness.getCritique());
        assertTrue(robustness.getCritique().endsWith("=" + value + ">>" + value), robustness.getCritique());
        assertTrue(feedback.getScore() < 1.0);
        assertEquals(64, feedback.getId().length(), "hex SHA-256");
    }

    @Test
    void theNoValuesJudgeNamesTheWrongStepButWithholdsItsRightValue() {
        SlippedAnswer slipped = SlippedAnswer.of();
        EvaluationItem item = slipped.item();
        int value = slipped.wrongValue() - 1;
        Feedback withValues = stub().evaluate(EvaluateRequest.newBuilder().setTask("arith").addItems(item).build())
                .getFeedback(0);
        Feedback without = stub().evaluate(EvaluateRequest.newBuilder().setTask("arith").setJudge("verifier-gsm8k-novalues")
                .addItems(item).build()).getFeedback(0);
        assertEquals("verifier-gsm8k-novalues", without.getJudgeId());
        String critique = without.getAspectsList().stream().filter(a -> a.getAspect().equals("logical_robustness"))
                .findFirst().orElseThrow().getCritique();
        assertTrue(critique.startsWith("line 1: ") && critique.contains("= " + (value + 1) + " is wrong"), critique);
        assertFalse(critique.contains("; "), "no right value: " + critique);
        assertEquals(withValues.getScore(), without.getScore(), "the same ratings, only the critique differs");
        assertEquals(withValues.getOutcome(), without.getOutcome());
        assertNotEquals(withValues.getId(), without.getId(), "the judges' feedback is keyed apart");
    }

    @Test
    void aGsm8kReferenceAnsweredWithItselfIsCorrectWithScoreOne() {
        MathProblem problem = Gsm8k.load(DatasetsRoot.resolve(), Split.TEST).get(0);
        Feedback feedback = stub().evaluate(EvaluateRequest.newBuilder().setTask("gsm8k").addItems(EvaluationItem
                .newBuilder().setPrompt(problem.question()).setAnswer(problem.solution()).setReference(problem.solution()))
                .build()).getFeedback(0);
        assertEquals(Outcome.OUTCOME_CORRECT, feedback.getOutcome().getOutcome());
        assertEquals(problem.finalAnswer(), feedback.getOutcome().getExtractedAnswer());
        assertEquals(1.0, feedback.getScore());
        assertEquals(4, feedback.getAspectsCount());
    }

    private static final String TELLAN = "Tellan is a city in Orvia. It was founded in 1204. It has 52000 people.";

    @Test
    void aFactsAnswerIsJudgedClaimByClaimWithPrecisionAsScoreAndTheRightValueInTheCritique() {
        EvaluationItem item = EvaluationItem.newBuilder().setId("f-1").setPrompt("Tell me about Tellan.")
                .setAnswer("Tellan is a city in Kesh. It was founded in 1204. It has 52000 people. It was a poet.")
                .setReference(TELLAN).build();
        Feedback feedback = stub().evaluate(EvaluateRequest.newBuilder().setTask("facts").addItems(item).build())
                .getFeedback(0);
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_OK, feedback.getStatus());
        assertEquals("verifier-facts", feedback.getJudgeId());
        assertEquals("verifier-facts-v1", feedback.getRubricVersion());
        assertEquals(0.5, feedback.getScore(), 1e-12, "2 of 4 claims supported");
        assertEquals(Outcome.OUTCOME_INCORRECT, feedback.getOutcome().getOutcome());
        assertEquals("2/4", feedback.getOutcome().getExtractedAnswer());
        AspectFeedback factuality = feedback.getAspects(0);
        assertEquals("factuality", factuality.getAspect());
        assertEquals(2, factuality.getRating());
        assertEquals("claim 1: \"Tellan is a city in Kesh\" is wrong; it is a city in Orvia\n"
                + "claim 4: \"It was a poet\" is unsupported: the knowledge base has no profession for Tellan",
                factuality.getCritique());
        assertEquals("completeness", feedback.getAspects(1).getAspect());
        assertEquals(2, feedback.getAspects(1).getRating());

        Feedback right = stub().evaluate(EvaluateRequest.newBuilder().setTask("facts").addItems(item.toBuilder()
                .setAnswer(TELLAN)).build()).getFeedback(0);
        assertEquals(1.0, right.getScore());
        assertEquals(Outcome.OUTCOME_CORRECT, right.getOutcome().getOutcome());

        Feedback without = stub().evaluate(EvaluateRequest.newBuilder().setTask("facts").setJudge("verifier-facts-novalues")
                .addItems(item).build()).getFeedback(0);
        assertEquals("claim 1: \"Tellan is a city in Kesh\" is wrong\n"
                + "claim 4: \"It was a poet\" is unsupported: the knowledge base has no profession for Tellan",
                without.getAspects(0).getCritique());
        assertEquals(feedback.getScore(), without.getScore());
    }

    @Test
    void theFactsVerifierNeedsAnEntityDescriptionAsReference() {
        assertStatus(Code.INVALID_ARGUMENT, "items[0].reference is not an entity's description in the facts world's claim "
                + "patterns", () -> stub().evaluate(EvaluateRequest.newBuilder().setTask("facts").addItems(item()).build()));
    }

    @Test
    void theSameItemEvaluatedTwiceComesFromTheCacheTheSecondTime() {
        EvaluateRequest request = EvaluateRequest.newBuilder().setTask("arith").addItems(EvaluationItem.newBuilder()
                .setId("first").setPrompt("Ann has 5 pens. She gets 3 more. How many pens does Ann have now?")
                .setAnswer("5+3=<<5+3=9>>9\n#### 9").setReference("5+3=<<5+3=8>>8\n#### 8")).build();
        Feedback first = stub().evaluate(request).getFeedback(0);
        Feedback second = stub().evaluate(request.toBuilder().setItems(0, request.getItems(0).toBuilder().setId("second"))
                .build()).getFeedback(0);
        assertFalse(first.getCached());
        assertTrue(second.getCached(), "the second answer must come from the Infinispan cache");
        assertEquals("second", second.getItemId(), "the caller's id is not part of the cached value");
        assertEquals(first.toBuilder().clearCached().clearItemId().build(),
                second.toBuilder().clearCached().clearItemId().build());
        Feedback skipped = stub().evaluate(request.toBuilder().setSkipCache(true).build()).getFeedback(0);
        assertFalse(skipped.getCached(), "skip_cache judges again");
        assertEquals(first.getId(), skipped.getId());
    }

    @Test
    void readinessReportsTheCacheUp() {
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.find { it.name == 'feedback-cache' }.data.cache", equalTo("UP"));
    }

    @Test
    void metricsIncludeEvaluationsLatencyRatingsAndTheCache() {
        stub().evaluate(valid().build());
        stub().evaluate(valid().build());
        String body = given().accept("text/plain; version=0.0.4").when().get("/q/metrics").then().statusCode(200)
                .extract().asString();
        for (String metric : List.of("rlrf_reward_evaluations_total{", "rlrf_reward_judge_latency_seconds_count{",
                "rlrf_reward_ratings_total{", "rlrf_reward_cache_hits_total", "rlrf_reward_cache_misses_total",
                "rlrf_reward_cache_lookup_seconds_count", "rlrf_reward_cache_up")) {
            assertTrue(body.contains(metric), "no " + metric + " on /q/metrics");
        }
        assertTrue(body.lines().anyMatch(l -> l.startsWith("rlrf_reward_cache_up") && l.endsWith(" 1.0")),
                "cache up gauge should be 1");
        assertTrue(body.lines().anyMatch(l -> l.startsWith("rlrf_reward_evaluations_total{")
                && l.contains("judge=\"verifier-gsm8k\"") && l.contains("cached=\"true\"")), "a cached evaluation");
        assertTrue(body.lines().anyMatch(l -> l.startsWith("rlrf_reward_ratings_total{")
                && l.contains("aspect=\"logical_correctness\"") && l.contains("rating=\"3\"")));
    }

    @Test
    void unknownTaskIsRejectedAndTheValidTasksAreListed() {
        assertStatus(Code.INVALID_ARGUMENT, "task 'algebra' is not a known task; valid tasks: arith, gsm8k, svamp, facts, open",
                () -> stub().evaluate(valid().setTask("algebra").build()));
    }

    @Test
    void unknownJudgeIsRejectedAndTheValidJudgesAreListed() {
        assertStatus(Code.INVALID_ARGUMENT, "judge 'oracle' is not a known judge; valid judges: verifier-gsm8k, verifier-gsm8k-novalues, verifier-facts, "
                + "verifier-facts-novalues",
                () -> stub().evaluate(valid().setJudge("oracle").build()));
    }

    @Test
    void anAspectTheVerifierCannotRateIsRejected() {
        assertStatus(Code.INVALID_ARGUMENT,
                "aspects[0] 'factuality' cannot be rated by judge verifier-gsm8k; it rates: logical_correctness,",
                () -> stub().evaluate(valid().addAspects("factuality").build()));
    }

    @Test
    void theVerifierNeedsAReferenceWithAFinalAnswer() {
        assertStatus(Code.INVALID_ARGUMENT, "items[0].reference must not be empty: judge verifier-gsm8k",
                () -> stub().evaluate(valid().setItems(0, item().clearReference()).build()));
        assertStatus(Code.INVALID_ARGUMENT, "items[0].reference has no final answer; end it with a line '#### N'",
                () -> stub().evaluate(valid().setItems(0, item().setReference("twenty-four")).build()));
    }

    @Test
    void openTaskWithoutAModelJudgeIsAFailedPreconditionSayingHowToConfigureOne() {
        assertStatus(Code.FAILED_PRECONDITION, "set rlrf.reward.model-judge.backend=openai",
                () -> stub().evaluate(valid().setTask("open").build()));
        assertStatus(Code.FAILED_PRECONDITION, "judge model-openai is not configured",
                () -> stub().evaluate(valid().setJudge("model-openai").build()));
    }

    @Test
    void textAboveTheLimitIsResourceExhausted() {
        assertStatus(Code.RESOURCE_EXHAUSTED,
                "items[0].answer (characters) is 16385, above the limit of 16384 (set by rlrf.reward.limits.max-text-chars)",
                () -> stub().evaluate(valid().setItems(0, item().setAnswer("x".repeat(16385))).build()));
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

    /** An item whose answer is {@code answer}, with the arith reference "#### 24". */
    private static EvaluationItem.Builder answering(String answer) {
        return item().setAnswer(answer);
    }

    @Test
    void aHugeExponentCostsNoTimeAndGivesAShortCritique() {
        // 24 characters that used to cost 4 CPU-seconds and a 1 MB critique.
        long start = System.nanoTime();
        Feedback feedback = stub().evaluate(valid().clearItems().addItems(answering("<<1+1=1e1000000>>\n#### 24"))
                .setSkipCache(true).build()).getFeedback(0);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "took " + (System.nanoTime() - start) / 1e9 + " s");
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_OK, feedback.getStatus());
        feedback.getAspectsList().forEach(a -> assertTrue(a.getCritique().length() <= 1000, a.getCritique()));
    }

    @Test
    void deepNestingInOneItemSpoilsNoOtherItemOfTheBatch() {
        String parentheses = "(".repeat(1500) + "1" + ")".repeat(1500);
        String minus = "-".repeat(8000) + "1";
        EvaluateResponse response = stub().evaluate(valid().clearItems()
                .addItems(answering("<<" + parentheses + "=1>>1\n" + parentheses + " = 1\n#### 24"))
                .addItems(answering("<<" + minus + "=1>>1\n2 + " + minus + " = 1\n#### 24"))
                .addItems(item()).setSkipCache(true).build());
        assertEquals(3, response.getFeedbackCount());
        for (Feedback f : response.getFeedbackList()) {
            assertEquals(FeedbackStatus.FEEDBACK_STATUS_OK, f.getStatus(), f.toString());
        }
        assertEquals(1.0, response.getFeedback(2).getScore());
    }

    @Test
    void longTaskJudgeAndAspectNamesAreEchoedAsAShortPrefixWithTheirLength() {
        String huge = "t".repeat(112 * 1024);
        for (Runnable call : new Runnable[] {
                () -> stub().evaluate(valid().setTask(huge).build()),
                () -> stub().evaluate(valid().setJudge(huge).build()),
                () -> stub().evaluate(valid().addAspects(huge).build())}) {
            var e = assertStatus(Code.INVALID_ARGUMENT, "(114688 characters)", call);
            assertTrue(e.getStatus().getDescription().length() < 400, e.getStatus().getDescription());
        }
        grpcHealthReportsServingForTheService();
    }
}
