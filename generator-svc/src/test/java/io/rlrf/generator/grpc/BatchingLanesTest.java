package io.rlrf.generator.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.rlrf.api.generator.v1.Answer;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.api.generator.v1.SamplingParams;

/**
 * Two batching lanes ({@code rlrf.generator.batching.lanes=2}), over real gRPC on loopback against the
 * real model library (a tiny random-weight checkpoint): the lanes share the work, and no answer
 * depends on which lane computed it or on what ran beside it.
 */
@QuarkusTest
@TestProfile(BatchingLanesTest.TwoLanes.class)
class BatchingLanesTest {

    public static class TwoLanes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlrf.generator.batching.lanes", "2");
        }
    }

    @Inject
    MeterRegistry registry;

    private ManagedChannel channel;

    @BeforeEach
    void openChannel() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
    }

    @AfterEach
    void closeChannel() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private GeneratorGrpc.GeneratorBlockingStub stub() {
        return GeneratorGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    /** Four prompts of different lengths (the test profile's max-batch-prompts), n = 3, one call. */
    private static GenerateRequest fourPrompts(long seed) {
        GenerateRequest.Builder r = GenerateRequest.newBuilder().setN(3)
                .setSampling(SamplingParams.newBuilder().setTemperature(0.9f).setMaxNewTokens(12).setSeed(seed));
        for (int p = 0; p < 4; p++) {
            r.addPrompts(Prompt.newBuilder().setId("p" + p).setText("Question " + p + ": what is " + (p * 7) + " + "
                    + "2".repeat(p + 1) + "?"));
        }
        return r.build();
    }

    private double laneSteps(int lane) {
        var counter = registry.find("rlrf.generator.lane.steps").tag("lane", Integer.toString(lane)).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void oneCallsPromptsAreSpreadOverBothLanesAndEachPromptsSamplesStayTogether() {
        double lane0 = laneSteps(0);
        double lane1 = laneSteps(1);
        GenerateResponse response = stub().generate(fourPrompts(5));
        assertEquals(12, response.getAnswersCount());
        for (int i = 0; i < 12; i++) {
            Answer a = response.getAnswers(i);
            assertEquals(i / 3, a.getPromptIndex(), "answers in request order");
            assertEquals(i % 3, a.getSampleIndex());
        }
        assertTrue(laneSteps(0) > lane0, "lane 0 stepped");
        assertTrue(laneSteps(1) > lane1, "lane 1 stepped");
        // each prompt's 3 samples shared one prefill in one lane: computed prompt tokens are a third
        double computed = registry.get("rlrf.generator.prefill.tokens").tag("source", "computed").counter().count();
        double shared = registry.get("rlrf.generator.prefill.tokens").tag("source", "shared").counter().count();
        assertTrue(shared >= 2 * computed - 1e-9, "the n samples of a prompt copy its prefill: computed " + computed
                + ", shared " + shared);
    }

    @Test
    void consecutivePromptsThatShareALongPrefixGoToOneLaneAndTheSecondCopiesIt() {
        // two pairs of prompts, each pair sharing a 48-character start (the reflection prompts of one
        // question), more than min-shared-prefix's 32 tokens; all four of one length, so each pair is
        // exactly one lane's fair share of the call
        GenerateRequest.Builder r = GenerateRequest.newBuilder().setN(1)
                .setSampling(SamplingParams.newBuilder().setTemperature(0.9f).setMaxNewTokens(4).setSeed(3));
        for (String start : List.of("a", "b")) {
            String shared = ("Question " + start + ": " + "how many apples are left after lunch? ".repeat(2)).substring(0, 48);
            for (int i = 0; i < 2; i++) {
                r.addPrompts(Prompt.newBuilder().setText(shared + " draft " + i));
            }
        }
        double lane0 = laneSteps(0);
        double lane1 = laneSteps(1);
        var sharedTokens = registry.get("rlrf.generator.prefill.tokens").tag("source", "shared").counter();
        double sharedBefore = sharedTokens.count();
        GenerateResponse response = stub().generate(r.build());
        assertEquals(4, response.getAnswersCount());
        assertTrue(laneSteps(0) > lane0 && laneSteps(1) > lane1, "each pair went to its own lane");
        // the second prompt of each pair copied the common start from the first, in the same lane
        assertTrue(sharedTokens.count() - sharedBefore >= 2 * 32,
                "copied prompt tokens: " + (sharedTokens.count() - sharedBefore));
    }

    @Test
    void answersDoNotDependOnTheLaneOrOnConcurrentCalls() throws Exception {
        GenerateResponse alone = stub().generate(fourPrompts(11));
        int clients = 4;
        CyclicBarrier start = new CyclicBarrier(clients);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<GenerateResponse>> together = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                long seed = c == 0 ? 11 : 100 + c; // client 0 repeats the call made alone
                together.add(pool.submit(() -> {
                    start.await();
                    return stub().generate(fourPrompts(seed));
                }));
            }
            GenerateResponse again = together.get(0).get(60, TimeUnit.SECONDS);
            for (int i = 0; i < alone.getAnswersCount(); i++) {
                assertEquals(alone.getAnswers(i).getText(), again.getAnswers(i).getText(), "answer " + i);
                assertEquals(alone.getAnswers(i).getTokenIdsList(), again.getAnswers(i).getTokenIdsList(), "answer " + i);
            }
            for (Future<GenerateResponse> f : together) {
                assertEquals(12, f.get(60, TimeUnit.SECONDS).getAnswersCount());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
