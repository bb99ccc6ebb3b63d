package io.rlrf.reward.grpc;

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
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.RewardGrpc;
import io.rlrf.common.testing.InfinispanServerResource;
import io.rlrf.common.testing.InjectInfinispanServer;
import io.rlrf.common.testing.LocalInfinispanServer;

/**
 * With the Infinispan Server stopped, reward-svc still answers (uncached), and its readiness and
 * metrics say the cache is down; once the server is back, the feedback stored before the stop is
 * served from the cache again: the server kept it on disk across the restart. Its own server
 * instance (the resource argument makes the set of resources distinct), because it is stopped here.
 */
@QuarkusTest
@WithTestResource(value = InfinispanServerResource.class, initArgs = @ResourceArg(name = "purpose", value = "stopped-in-test"))
class FeedbackCacheDownTest {

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

    private Feedback evaluate(String id) {
        return RewardGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .evaluate(EvaluateRequest.newBuilder().setTask("arith").addItems(EvaluationItem.newBuilder().setId(id)
                        .setPrompt("Tom has 7 cards. He loses 2. How many cards does Tom have now?")
                        .setAnswer("7-2=<<7-2=5>>5\n#### 5").setReference("7-2=<<7-2=5>>5\n#### 5")).build())
                .getFeedback(0);
    }

    private String cacheUpSample() {
        return given().accept("text/plain; version=0.0.4").when().get("/q/metrics").then().statusCode(200).extract()
                .asString().lines().filter(l -> l.startsWith("rlrf_reward_cache_up")).findFirst().orElse("(missing)");
    }

    @Test
    void answersUncachedWhileTheServerIsDownAndServesWhatTheServerKeptOnDiskWhenItIsBack() throws Exception {
        assertFalse(evaluate("warm").getCached());
        assertTrue(evaluate("hit").getCached(), "cached while the server runs");

        infinispan.stop();
        long start = System.nanoTime();
        Feedback down = evaluate("down");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(FeedbackStatus.FEEDBACK_STATUS_OK, down.getStatus());
        assertFalse(down.getCached(), "no cache: judged anew");
        assertEquals(1.0, down.getScore());
        System.out.printf("Evaluate with the cache server stopped took %.2f s (first call after the stop)%n", seconds);
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.find { it.name == 'feedback-cache' }.data.cache", equalTo("DOWN"))
                .body("checks.find { it.name == 'feedback-cache' }.data.mode", equalTo("uncached"));
        assertTrue(cacheUpSample().endsWith(" 0.0"), cacheUpSample());
        assertTrue(given().accept("text/plain; version=0.0.4").when().get("/q/metrics").then().extract().asString()
                .contains("rlrf_reward_cache_errors_total"), "cache errors counted");

        infinispan.start();
        // The service tries the server again after rlrf.reward.cache.retry-interval (1 s in tests).
        // The first answer once it is back comes from the restarted server: the entry stored before
        // the stop was kept on disk (a server keeping its caches in memory only would miss here).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Feedback back = null;
        while (back == null && System.nanoTime() < deadline) {
            Thread.sleep(1100);
            Feedback answer = evaluate("back");
            if (cacheUpSample().endsWith(" 1.0")) {
                back = answer;
            }
        }
        assertTrue(back != null, "the cache did not come back: " + cacheUpSample());
        assertTrue(back.getCached(), "the entry stored before the restart was served from the server's disk");
        assertTrue(evaluate("again").getCached(), "cached again after the server came back");
    }
}
