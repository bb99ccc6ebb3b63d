package io.rlrf.reward.grpc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.RewardGrpc;
import io.rlrf.common.testing.InfinispanServerResource;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.datasets.DatasetsRoot;
import io.rlrf.tasks.datasets.Gsm8k;

/**
 * Verifier evaluations per second over gRPC in batches of 64 (one client thread, loopback, a real
 * Infinispan Server), and the latency of batches served from the cache. Not part of the default
 * build; run with
 * {@code ./mvnw -pl reward-svc test -Dtest=RewardGrpcBenchmark -Dgroups=benchmark -Drlrf.excluded.groups=none}.
 */
@Tag("benchmark")
@QuarkusTest
@TestProfile(RewardGrpcBenchmark.Profile.class)
class RewardGrpcBenchmark {

    private static final int BATCH = 64;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlrf.reward.limits.max-batch", "64");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(InfinispanServerResource.class));
        }
    }

    @Test
    void verifierEvaluationsPerSecondOverGrpcInBatchesOf64() throws Exception {
        List<MathProblem> problems = Gsm8k.load(DatasetsRoot.resolve(), Split.TRAIN);
        List<EvaluateRequest> batches = new ArrayList<>();
        for (int start = 0; start + BATCH <= problems.size(); start += BATCH) {
            EvaluateRequest.Builder request = EvaluateRequest.newBuilder().setTask("gsm8k");
            for (MathProblem p : problems.subList(start, start + BATCH)) {
                request.addItems(EvaluationItem.newBuilder().setId(p.id()).setPrompt(p.question())
                        .setAnswer(p.solution()).setReference(p.solution()));
            }
            batches.add(request.build());
        }
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
        try {
            var stub = RewardGrpc.newBlockingStub(channel);
            // Warm-up: JIT on both sides, judged with skip_cache so the timed passes see the same work.
            for (EvaluateRequest batch : batches.subList(0, 20)) {
                stub.withDeadlineAfter(30, TimeUnit.SECONDS).evaluate(batch.toBuilder().setSkipCache(true).build());
            }
            // Judged: skip_cache, so every item is verified (and its feedback written to the cache).
            long[] judged = timeBatches(stub, batches, true);
            // Cached: the same batches again, every item a cache hit.
            long[] cached = timeBatches(stub, batches, false);
            report("judged (skip_cache, verifier + cache write)", judged);
            report("cached (all hits)", cached);
            // One item per call: the latency a caller sees for a hit and for a judged item.
            List<EvaluateRequest> singles = new ArrayList<>();
            for (EvaluateRequest batch : batches.subList(0, 10)) {
                for (EvaluationItem item : batch.getItemsList()) {
                    singles.add(EvaluateRequest.newBuilder().setTask("gsm8k").addItems(item).build());
                }
            }
            long[] singleJudged = timeBatches(stub, singles, true);
            long[] singleHit = timeBatches(stub, singles, false);
            System.out.printf("gRPC single item: judged p50 %.3f ms, cache hit p50 %.3f ms, p95 %.3f ms%n",
                    percentile(singleJudged, 0.5), percentile(singleHit, 0.5), percentile(singleHit, 0.95));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static long[] timeBatches(RewardGrpc.RewardBlockingStub stub, List<EvaluateRequest> batches, boolean skip) {
        long[] nanos = new long[batches.size()];
        for (int i = 0; i < batches.size(); i++) {
            EvaluateRequest request = batches.get(i).toBuilder().setSkipCache(skip).build();
            long start = System.nanoTime();
            var response = stub.withDeadlineAfter(30, TimeUnit.SECONDS).evaluate(request);
            nanos[i] = System.nanoTime() - start;
            if (!skip && !response.getFeedbackList().stream().allMatch(f -> f.getCached())) {
                throw new AssertionError("expected every item of batch " + i + " from the cache");
            }
        }
        return nanos;
    }

    private static double percentile(long[] nanos, double q) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))] / 1e6;
    }

    private static void report(String what, long[] nanos) {
        long total = Arrays.stream(nanos).sum();
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("gRPC %s: %d batches of %d in %.2f s = %.0f evaluations/s; batch latency p50 %.2f ms, "
                + "p95 %.2f ms (%.3f ms per item at p50)%n", what, nanos.length, BATCH, total / 1e9,
                nanos.length * (double) BATCH / (total / 1e9), sorted[sorted.length / 2] / 1e6,
                sorted[(int) (sorted.length * 0.95)] / 1e6, sorted[sorted.length / 2] / 1e6 / BATCH);
    }
}
