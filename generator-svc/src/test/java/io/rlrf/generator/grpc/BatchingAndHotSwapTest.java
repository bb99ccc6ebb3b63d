package io.rlrf.generator.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.api.generator.v1.LoadCheckpointResponse;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.generator.service.ModelStore;

/**
 * Batching across calls and hot swap, over real gRPC on loopback against the real model library
 * (a tiny random-weight checkpoint; the test profile gathers for up to 20 ms).
 */
@QuarkusTest
class BatchingAndHotSwapTest {

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

    private static GenerateRequest request(int client) {
        return GenerateRequest.newBuilder()
                .addPrompts(Prompt.newBuilder().setId("c" + client).setText("Client " + client + " asks: what is " + client + " + 2?"))
                .setN(2)
                .setSampling(SamplingParams.newBuilder().setTemperature(0.9f).setMaxNewTokens(8 + 3 * client)
                        .setSeed(77 + client))
                .build();
    }

    @Test
    void concurrentCallsShareBatchesAndEachGetsTheAnswersItGetsAlone() throws Exception {
        int clients = 8;
        List<GenerateResponse> alone = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            alone.add(stub().generate(request(c)));
        }
        DistributionSummary batchSize = registry.get("rlrf.generator.batch.size").summary();
        long widerBefore = stepsWiderThan(batchSize, 2);

        CyclicBarrier start = new CyclicBarrier(clients);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<GenerateResponse>> together = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            together.add(pool.submit(() -> {
                start.await();
                return stub().generate(request(client));
            }));
        }
        for (int c = 0; c < clients; c++) {
            GenerateResponse mine = together.get(c).get(60, TimeUnit.SECONDS);
            for (int j = 0; j < 2; j++) {
                assertEquals(alone.get(c).getAnswers(j).getText(), mine.getAnswers(j).getText(), "client " + c + " sample " + j);
                assertEquals("c" + c, mine.getAnswers(j).getPromptId());
            }
        }
        pool.shutdown();

        long wider = stepsWiderThan(batchSize, 2) - widerBefore;
        System.out.printf("%d concurrent calls of 2 sequences: %d steps decoded more than one call's sequences%n",
                clients, wider);
        assertTrue(wider > 0, "sequences of concurrent calls decoded in the same steps");
    }

    /** Engine steps that decoded more than {@code rows} sequences together, from the histogram. */
    private static long stepsWiderThan(DistributionSummary summary, double rows) {
        var snapshot = summary.takeSnapshot();
        for (var bucket : snapshot.histogramCounts()) {
            if (bucket.bucket() >= rows) {
                return snapshot.count() - (long) bucket.count();
            }
        }
        return 0;
    }

    @Test
    void aShortCallIsAnsweredWhileALongCallBesideItStillDecodes() throws Exception {
        GenerateRequest longCall = GenerateRequest.newBuilder().addPrompts(Prompt.newBuilder().setText("a long one"))
                .setN(2).setSampling(SamplingParams.newBuilder().setTemperature(1f).setMaxNewTokens(400).setSeed(5)
                        .addStop("\u0000never")) // keep EOS as the only early end
                .build();
        GenerateRequest shortCall = GenerateRequest.newBuilder().addPrompts(Prompt.newBuilder().setText("a short one"))
                .setN(1).setSampling(SamplingParams.newBuilder().setTemperature(0f).setMaxNewTokens(3)).build();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            long t0 = System.nanoTime();
            Future<GenerateResponse> first = pool.submit(() -> stub().generate(longCall));
            Thread.sleep(100); // the long call is decoding
            GenerateResponse quick = stub().generate(shortCall);
            long shortDone = System.nanoTime();
            boolean longStillRunning = !first.isDone();
            GenerateResponse slow = first.get(60, TimeUnit.SECONDS);
            long longDone = System.nanoTime();
            System.out.printf("short call answered after %.0f ms, the long one (%d and %d tokens) after %.0f ms%n",
                    (shortDone - t0) / 1e6, slow.getAnswers(0).getCompletionTokens(), slow.getAnswers(1).getCompletionTokens(),
                    (longDone - t0) / 1e6);
            assertEquals(1, quick.getAnswersCount());
            if (Math.max(slow.getAnswers(0).getCompletionTokens(), slow.getAnswers(1).getCompletionTokens()) > 50) {
                assertTrue(longStillRunning, "the short call did not wait for the long one's batch to end");
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void theSamplesOfAPromptShareOnePrefill() {
        var computed = registry.get("rlrf.generator.prefill.tokens").tag("source", "computed").counter();
        var shared = registry.get("rlrf.generator.prefill.tokens").tag("source", "shared").counter();
        double computedBefore = computed.count();
        double sharedBefore = shared.count();
        GenerateResponse r = stub().generate(GenerateRequest.newBuilder()
                .addPrompts(Prompt.newBuilder().setText("Four samples of one prompt, one prefill"))
                .setN(4).setSampling(SamplingParams.newBuilder().setMaxNewTokens(4).setSeed(3)).build());
        int promptTokens = r.getAnswers(0).getPromptTokens();
        assertEquals(promptTokens, computed.count() - computedBefore, 0.0, "the prompt was computed once");
        assertEquals(3.0 * promptTokens, shared.count() - sharedBefore, 0.0, "and copied to the 3 other samples");
    }

    @Test
    void greedySamplesOfAPromptAreDecodedOnceAndEachGetsTheSameAnswer() {
        var computed = registry.get("rlrf.generator.decode.rows").tag("source", "computed").counter();
        var shared = registry.get("rlrf.generator.decode.rows").tag("source", "shared").counter();
        double computedBefore = computed.count();
        double sharedBefore = shared.count();
        GenerateResponse r = stub().generate(GenerateRequest.newBuilder()
                .addPrompts(Prompt.newBuilder().setText("Four greedy samples of one prompt, one decoding row"))
                .setN(4).setSampling(SamplingParams.newBuilder().setTemperature(0).setMaxNewTokens(6)).build());
        for (int i = 1; i < 4; i++) {
            assertEquals(r.getAnswers(0).getText(), r.getAnswers(i).getText(), "greedy samples are the same");
        }
        double rows = computed.count() - computedBefore;
        assertTrue(rows >= 1, "decoding passes ran (" + rows + " rows computed)");
        assertEquals(3.0 * rows, shared.count() - sharedBefore, 0.0, "each computed row was shared by the 3 others");
    }

    @Test
    void hotSwapUnderLoadFailsNoCallAndLaterCallsUseTheNewVersion() throws Exception {
        Path store = Path.of("target/test-models");
        if (!Files.exists(store.resolve("tiny/v2/config.json"))) {
            ModelStore.createTinyCheckpoint(store.resolve("tiny/v2"), 4242);
        }
        record Call(long startNanos, long endNanos, String version) {
        }
        ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        int clients = 4;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        for (int c = 0; c < clients; c++) {
            int client = c;
            pool.submit(() -> {
                while (!stop.get()) {
                    long t = System.nanoTime();
                    try {
                        String version = stub().generate(request(client)).getPolicyVersion();
                        calls.add(new Call(t, System.nanoTime(), version));
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }
            });
        }
        long swappedAt;
        try {
            Thread.sleep(500);
            LoadCheckpointResponse swap = stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("tiny/v2").build());
            swappedAt = System.nanoTime();
            assertEquals("tiny/v1", swap.getPreviousVersion());
            assertEquals("tiny/v2", swap.getModel().getPolicyVersion());
            // Let every client finish at least two calls that started after the swap.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (calls.stream().filter(c -> c.startNanos() > swappedAt).count() < 2 * clients
                    && System.nanoTime() < until) {
                Thread.sleep(50);
            }
        } finally {
            stop.set(true);
            pool.shutdown();
            pool.awaitTermination(60, TimeUnit.SECONDS);
            // Later tests expect the initial version.
            stub().loadCheckpoint(LoadCheckpointRequest.newBuilder().setVersion("tiny/v1").build());
        }
        assertTrue(failures.isEmpty(), "no call failed during the swap: " + failures);
        long before = calls.stream().filter(c -> c.version().equals("tiny/v1")).count();
        List<Call> after = calls.stream().filter(c -> c.startNanos() > swappedAt).toList();
        System.out.printf("hot swap under load: %d calls, %d on tiny/v1, %d started after the swap; mean call %.1f ms%n",
                calls.size(), before, after.size(),
                calls.stream().mapToLong(c -> c.endNanos() - c.startNanos()).average().orElse(0) / 1e6);
        assertTrue(before > 0, "calls ran on the old version before the swap");
        assertTrue(!after.isEmpty(), "calls ran after the swap");
        for (Call c : after) {
            assertEquals("tiny/v2", c.version(), "a call started after the swap returned");
        }
    }
}
