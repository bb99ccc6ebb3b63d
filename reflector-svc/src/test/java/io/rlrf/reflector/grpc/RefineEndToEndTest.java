package io.rlrf.reflector.grpc;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.api.reflector.v1.DescribeReflectorRequest;
import io.rlrf.api.reflector.v1.RefineItem;
import io.rlrf.api.reflector.v1.RefineRequest;
import io.rlrf.api.reflector.v1.RefineResponse;
import io.rlrf.api.reflector.v1.Refinement;
import io.rlrf.api.reflector.v1.ReflectorGrpc;
import io.rlrf.api.reflector.v1.SourceAnswer;
import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.common.testing.InfinispanServerResource;
import io.rlrf.common.testing.InjectInfinispanServer;
import io.rlrf.common.testing.LocalInfinispanServer;

/**
 * End to end on loopback, everything real: this reflector-svc (in the test JVM), the packaged
 * generator-svc in its own JVM serving a tiny random-weight checkpoint through the model library
 * ({@link GeneratorProcessResource}), and an Infinispan Server with the repo's "reflections" cache
 * definition ({@link InfinispanServerResource}). The rewrites are noise (random weights); what is
 * tested is the plumbing: m rewrites per item with lineage, the cache hit on the identical second
 * call and its latency, and answering uncached once the Infinispan Server is stopped.
 */
@QuarkusTest
@WithTestResource(value = InfinispanServerResource.class, initArgs = @ResourceArg(name = "purpose", value = "refine-e2e"))
@WithTestResource(GeneratorProcessResource.class)
class RefineEndToEndTest {

    @InjectInfinispanServer
    LocalInfinispanServer infinispan;

    private ManagedChannel channel;

    @BeforeEach
    void open() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
    }

    @AfterEach
    void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private ReflectorGrpc.ReflectorBlockingStub stub() {
        return ReflectorGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    private static RefineItem item(String id, String prompt, String answer) {
        return RefineItem.newBuilder().setPrompt(prompt).setAnswer(SourceAnswer.newBuilder().setId(id).setText(answer))
                .setFeedback(Feedback.newBuilder().setId("f-" + id).setStatus(FeedbackStatus.FEEDBACK_STATUS_OK)
                        .addAspects(AspectFeedback.newBuilder().setAspect("logical_robustness").setRating(1)
                                .setCritique("line 1 is wrong"))
                        .addAspects(AspectFeedback.newBuilder().setAspect("harmlessness").setRating(3)))
                .build();
    }

    private static RefineRequest request(String tag) {
        return RefineRequest.newBuilder().setM(2)
                .addItems(item("a-1" + tag, "Tom has 12 apples and buys 12 more. How many?", "12 + 12 = 23\n#### 23"))
                .addItems(item("a-2" + tag, "What is 7 - 4?", "7 - 4 = 2\n#### 2"))
                .setSampling(SamplingParams.newBuilder().setMaxNewTokens(64).setTemperature(0.7f))
                .build();
    }

    @Test
    void anItemsOwnCapBoundsOnlyItsRewrites() {
        RefineRequest capped = request("-cap").toBuilder().setItems(0, request("-cap").getItems(0).toBuilder().setMaxNewTokens(3))
                .setSampling(SamplingParams.newBuilder().setMaxNewTokens(64).setTemperature(0.7f).setSeed(5)).build();
        RefineResponse response = stub().refine(capped);
        assertEquals(4, response.getRefinementsCount());
        int longest = 0;
        for (Refinement r : response.getRefinementsList()) {
            if (r.getItemIndex() == 0) {
                assertTrue(r.getCompletionTokens() <= 3, "item 0's rewrite has " + r.getCompletionTokens() + " tokens");
            } else {
                longest = Math.max(longest, r.getCompletionTokens());
            }
        }
        // Random weights rarely stop early: item 1's rewrites run past item 0's cap.
        assertTrue(longest > 3, "item 1's rewrites are not capped: " + longest);
    }

    @Test
    void refineReturnsRewritesWithLineageThenServesTheRepeatFromTheCacheThenWorksWithoutInfinispan() {
        assertTrue(stub().describeReflector(DescribeReflectorRequest.getDefaultInstance()).getCacheAvailable());

        long t0 = System.nanoTime();
        RefineResponse first = stub().refine(request(""));
        long missNanos = System.nanoTime() - t0;
        assertEquals(4, first.getRefinementsCount());
        for (int k = 0; k < 4; k++) {
            Refinement r = first.getRefinements(k);
            assertEquals(k / 2, r.getItemIndex());
            assertEquals(k % 2, r.getRewriteIndex());
            assertFalse(r.getCached());
            assertEquals(k < 2 ? "a-1" : "a-2", r.getLineage().getSourceAnswerId());
            assertEquals(k < 2 ? "f-a-1" : "f-a-2", r.getLineage().getFeedbackId());
            assertEquals("tiny/v1", r.getLineage().getPolicyVersion());
            assertEquals("reflect-v2", r.getLineage().getTemplateVersion());
            assertEquals(java.util.List.of("logical_robustness"), r.getLineage().getCritiquedAspectsList());
            assertTrue(r.getCompletionTokens() >= 1);
            assertEquals(r.getCompletionTokens(), r.getTokenIdsCount(), "the sampled ids come with the rewrite");
        }
        assertEquals(first.getRefinements(0).getLineage().getSeed() + 1, first.getRefinements(1).getLineage().getSeed());

        long t1 = System.nanoTime();
        RefineResponse second = stub().refine(request(""));
        long hitNanos = System.nanoTime() - t1;
        System.out.printf("Refine (2 items x m=2, 64 new tokens): miss %.1f ms, identical repeat from the cache %.1f ms%n",
                missNanos / 1e6, hitNanos / 1e6);
        for (int k = 0; k < 4; k++) {
            Refinement r = second.getRefinements(k);
            assertTrue(r.getCached(), "rewrite " + k + " from the cache");
            assertEquals(first.getRefinements(k).getText(), r.getText());
            assertEquals(first.getRefinements(k).getId(), r.getId());
            assertEquals(first.getRefinements(k).getTokenIdsList(), r.getTokenIdsList(), "and so do its ids");
        }
        assertTrue(hitNanos < missNanos, "the cache hit is faster than sampling");

        // The same content under other ids: served from the cache, lineage carries the new ids.
        RefineResponse renamed = stub().refine(request("-again"));
        assertTrue(renamed.getRefinements(0).getCached());
        assertEquals("a-1-again", renamed.getRefinements(0).getLineage().getSourceAnswerId());

        given().get("/q/metrics").then().statusCode(200);
        String metrics = given().header("Accept", "text/plain").get("/q/metrics").asString();
        assertTrue(metrics.contains("rlrf_reflector_cache_hits_total 4.0"), "hits counted");
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("rlrf_reflector_refinements_served_total{")
                && l.contains("cached=\"true\"") && l.endsWith(" 8.0")), "served from the cache counted:\n" + metrics);

        infinispan.stop();
        RefineResponse uncached = stub().refine(request("").toBuilder()
                .setSampling(SamplingParams.newBuilder().setMaxNewTokens(16).setSeed(99)).build());
        assertEquals(4, uncached.getRefinementsCount());
        assertFalse(uncached.getRefinements(0).getCached());
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'reflections-cache' }.data.cache", equalTo("DOWN"));
        assertFalse(stub().describeReflector(DescribeReflectorRequest.getDefaultInstance()).getCacheAvailable());
    }
}
