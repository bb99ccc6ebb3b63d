package io.rlrf.generator.grpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
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
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.tokenizer.CharTokenizerSpec;

/**
 * Generator throughput and latency over gRPC with 1, 8 and 32 concurrent clients, beside the model
 * library's in-process throughput for the same model and batch size: what the service layer
 * (gRPC, queueing, gathering, mapping) costs. A benchmark, not a test: it asserts nothing and is
 * excluded from the build; run it with
 * {@code ./mvnw -B test -pl generator-svc -Dtest=GeneratorBenchmark -Dgroups=benchmark -Drlrf.excluded.groups=none}.
 *
 * <p>Model: the model library benchmark's size (4 layers, d = 256, 4 heads, context 256) with the
 * character-level tokenizer (vocabulary 99), random weights. Each call: one prompt, n = 1,
 * temperature 0.8, 64 new tokens (EOS may end a sample earlier; only generated tokens count).
 */
@QuarkusTest
@TestProfile(GeneratorBenchmark.Profile.class)
@Tag("benchmark")
class GeneratorBenchmark {

    @jakarta.inject.Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    static final int NEW_TOKENS = 64;
    static final String PROMPT = "Tom has 12 apples and buys 30 more. How many apples does he have?";

    /** Writes the benchmark checkpoint into a fresh model store. */
    public static class BenchStore implements QuarkusTestResourceLifecycleManager {
        static Path root;

        @Override
        public Map<String, String> start() {
            try {
                root = Files.createTempDirectory("generator-bench");
                String alphabet = CharTokenizerSpec.PRINTABLE_ASCII;
                LlamaConfig config = new LlamaConfig(CharTokenizerSpec.vocabSize(alphabet), 256, 688, 4, 4, 4, 64, 256,
                        1e-5, 10000.0, true, CharTokenizerSpec.BOS, CharTokenizerSpec.EOS);
                try (Policy p = Policy.initialize(config, CharTokenizerSpec.toJson(alphabet), 42)) {
                    p.save(root.resolve("bench/v1"), Map.of());
                }
                return Map.of("rlrf.generator.store.root", root.toString(),
                        "rlrf.generator.store.initial-version", "bench/v1",
                        "rlrf.generator.store.initialize-if-missing", "false",
                        "rlrf.generator.batching.max-batch-sequences", "32",
                        "rlrf.generator.batching.max-wait", "5ms",
                        "rlrf.generator.limits.max-prompt-tokens", "128");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void stop() {
            // temporary directory left to the OS
        }
    }

    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(BenchStore.class));
        }
    }

    record Run(double tokensPerSecond, double p50Ms, double p99Ms, long calls) {
    }

    @Test
    void benchmark() throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext().build();
        try {
            grpc(channel, 4, 2); // warm-up: JIT, batching path
            System.out.printf("%nGenerator benchmark: %d new tokens per call, temperature 0.8, %d threads%n", NEW_TOKENS,
                    Runtime.getRuntime().availableProcessors());
            System.out.printf("%-8s %14s %10s %10s %16s %10s%n", "clients", "gRPC tok/s", "p50 ms", "p99 ms",
                    "in-process tok/s", "gRPC/lib");
            try (Policy policy = Policy.load(BenchStore.root.resolve("bench/v1"))) {
                inProcess(policy, 4); // warm-up
                for (int clients : new int[] {1, 8, 32}) {
                    int callsPerClient = clients == 1 ? 16 : clients == 8 ? 4 : 2;
                    var sizes = registry.find("rlrf.generator.batch.size").summary();
                    long countBefore = sizes == null ? 0 : sizes.count();
                    double totalBefore = sizes == null ? 0 : sizes.totalAmount();
                    Run g = grpc(channel, clients, callsPerClient);
                    long batches = sizes == null ? 0 : sizes.count() - countBefore;
                    double perBatch = batches == 0 ? 0 : (sizes.totalAmount() - totalBefore) / batches;
                    double lib = inProcess(policy, clients);
                    System.out.printf("%-8d %14.1f %10.1f %10.1f %16.1f %10.2f   (%d batches/steps recorded, mean size %.1f)%n",
                            clients, g.tokensPerSecond(), g.p50Ms(), g.p99Ms(), lib, g.tokensPerSecond() / lib, batches,
                            perBatch);
                }
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** {@code clients} threads, each making {@code callsPerClient} sequential calls. */
    private static Run grpc(ManagedChannel channel, int clients, int callsPerClient) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        long[] tokens = new long[clients];
        long t0 = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            futures.add(pool.submit(() -> {
                GeneratorGrpc.GeneratorBlockingStub stub = GeneratorGrpc.newBlockingStub(channel);
                for (int i = 0; i < callsPerClient; i++) {
                    long s = System.nanoTime();
                    GenerateResponse r = stub.withDeadlineAfter(10, TimeUnit.MINUTES).generate(GenerateRequest.newBuilder()
                            .addPrompts(Prompt.newBuilder().setId("p").setText(PROMPT)).setN(1)
                            .setSampling(SamplingParams.newBuilder().setTemperature(0.8f).setTopP(1f)
                                    .setMaxNewTokens(NEW_TOKENS).setSeed(1000L * client + i))
                            .build());
                    latencies.add((System.nanoTime() - s) / 1e6);
                    for (Answer a : r.getAnswersList()) {
                        tokens[client] += a.getCompletionTokens();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        long total = 0;
        for (long t : tokens) {
            total += t;
        }
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new Run(total / secs, percentile(sorted, 0.50), percentile(sorted, 0.99), sorted.size());
    }

    /** The same work in process: one batch of {@code batch} requests, repeated so the call count matches. */
    private static double inProcess(Policy policy, int batch) {
        Generator gen = new Generator(policy.model(), policy.requireTokenizer());
        int[] prompt = policy.encodePrompt(PROMPT);
        int rounds = batch == 1 ? 16 : batch == 8 ? 4 : 2;
        long tokens = 0;
        long t0 = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            List<GenerationRequest> reqs = new ArrayList<>();
            for (int c = 0; c < batch; c++) {
                reqs.add(new GenerationRequest(prompt, new io.rlrf.model.generate.SamplingParams(0.8, 1.0, 0, NEW_TOKENS,
                        List.of(), 1000L * c + r, false)));
            }
            for (Completion c : gen.generate(reqs)) {
                tokens += c.tokens().length;
            }
        }
        return tokens / ((System.nanoTime() - t0) / 1e9);
    }

    private static double percentile(List<Double> sorted, double q) {
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
