package io.rlrf.generator.grpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.arith.ArithLevel;
import io.rlrf.tasks.arith.ArithWorld;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The generation work of one RLRF iteration at the main job's shape, sent to generator-svc over gRPC
 * exactly as trainer-svc and reflector-svc send it, then the same calls in process through the model
 * library: what issue 13's bar measures (reflection per rewrite against sampling per sample, both
 * stages' wall time, gRPC against in-process). A benchmark, not a test: it asserts nothing and is
 * excluded from the build. It compiles against the model library's stable API only
 * ({@code Generator.generate}), so the same file runs on older commits for a before/after.
 *
 * <pre>
 * ./mvnw -B -Dmaven.repo.local=... -pl generator-svc -am test -Dtest=IterationBenchmark -Dgroups=benchmark \
 *   -Drlrf.excluded.groups=none -Dsurefire.failIfNoSpecifiedTests=false -Dquarkus.http.test-port=18281 \
 *   [-Dbench.checkpoint=DIR] [-Dbench.max-new-tokens=N] [-Dbench.concurrency=1] [-Dbench.inprocess-batch=32]
 *   [-Dbench.skip-inprocess=true] [-Dbench.cap-factor=2]
 * </pre>
 *
 * <ul>
 *   <li><b>Sampling</b>: 256 level-1 arith training questions in the answer template
 *       ({@code Question:\n...\nAnswer:\n}, about 95 tokens), n = 8, temperature 0.8, top-p 0.95, in
 *       Generate calls of 16 prompts (trainer-svc's generate-batch-prompts), one after another.</li>
 *   <li><b>Reflection</b>: 506 sources (the main job's 2,024 rewrites / 4) in reflector-svc's template:
 *       the question, a draft whose first step's result is off by one (carried into the final
 *       answer), and the arith verifier's critiques of that draft formatted as reflector-svc formats
 *       them (about 360 tokens); m = 4, temperature 0.7, top-p 0.95, in Generate calls of 64 prompts
 *       (trainer-svc's refine-batch-items; reflector-svc sends one Generate per Refine).</li>
 *   <li><b>Batch 32</b>: 8 calls of 4 sampling prompts x 8, the service against the library per call.</li>
 * </ul>
 * With one call in flight (the default: each call waits for the previous answer, as trainer-svc and
 * reflector-svc send them today) every call runs over gRPC and in process back to back, alternating
 * which goes first, and a stage's time is the sum of its calls; with {@code bench.concurrency} > 1
 * the gRPC stages run first with that many calls in flight, then the in-process ones.
 * The checkpoint: {@code bench.checkpoint} (a model-store directory, e.g. a trained bootstrap base;
 * max_new_tokens 160 as the trainer asks) or, by default, random weights of the built-in policy's
 * shape with max_new_tokens {@code bench.max-new-tokens} (default 36, the built-in answers' mean
 * length): EOS can end an answer earlier, identically before and after, since a seed reproduces a
 * sample. In process, each call's sequences go to one {@code Generator.generate} call, or in chunks
 * of {@code bench.inprocess-batch} (32 reproduces the old service's batches). {@code bench.cap-factor}
 * = f gives each prompt its own max_new_tokens, f times its reference solution's length in tokens
 * (at most max_new_tokens): the task-dependent cap, sent as {@code Prompt.max_new_tokens}.
 */
@QuarkusTest
@TestProfile(IterationBenchmark.Profile.class)
@Tag("benchmark")
class IterationBenchmark {

    @jakarta.inject.Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    static final String ANSWER_TEMPLATE = "Question:\n{question}\nAnswer:\n";
    static final String REFLECTION_TEMPLATE = "Question:\n{prompt}\nPrevious answer:\n{answer}\nFeedback:\n{critiques}\n"
            + "Revised answer (fix every problem the feedback names):\n";
    static final int SAMPLING_PROMPTS = 256;
    static final int SAMPLES = 8;
    static final int SAMPLING_CALL_PROMPTS = 16;
    static final int REFLECTION_SOURCES = 506;
    static final int REWRITES = 4;
    static final int REFLECTION_CALL_PROMPTS = 64;

    /** The checkpoint under test in a fresh model store. */
    public static class BenchStore implements QuarkusTestResourceLifecycleManager {
        static Path root;
        static boolean trained;

        @Override
        public Map<String, String> start() {
            try {
                root = Files.createTempDirectory("iteration-bench");
                Path target = root.resolve("bench/v1");
                String given = System.getProperty("bench.checkpoint", "");
                if (!given.isEmpty()) {
                    trained = true;
                    Files.createDirectories(target); // a copy: the store refuses links that lead out of it
                    try (var files = Files.list(Path.of(given))) {
                        for (Path f : files.toList()) {
                            Files.copy(f, target.resolve(f.getFileName()));
                        }
                    }
                } else {
                    String alphabet = CharTokenizerSpec.PRINTABLE_ASCII;
                    LlamaConfig config = LlamaConfig.of(CharTokenizerSpec.vocabSize(alphabet), 128, 512, 4, 4, 2, 1024, true);
                    try (Policy p = Policy.initialize(config, CharTokenizerSpec.toJson(alphabet), 1)) {
                        p.save(target, Map.of());
                    }
                }
                return Map.of("rlrf.generator.store.root", root.toString(),
                        "rlrf.generator.store.initial-version", "bench/v1",
                        "rlrf.generator.store.initialize-if-missing", "false",
                        "rlrf.generator.limits.max-batch-prompts", "64",
                        "rlrf.generator.limits.max-n", "32",
                        "rlrf.generator.limits.max-prompt-tokens", "1024",
                        "rlrf.generator.batching.max-wait", "5ms");
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

    /** One Generate call's worth of work; {@code caps}: each prompt's own max_new_tokens, or null. */
    record Call(List<String> prompts, int n, float temperature, long seed, List<Integer> caps) {
    }

    @Test
    void iteration() throws Exception {
        int maxNew = Integer.getInteger("bench.max-new-tokens", BenchStore.trained ? 160 : 36);
        int inProcessBatch = Integer.getInteger("bench.inprocess-batch", 0);
        boolean skipInProcess = Boolean.getBoolean("bench.skip-inprocess");
        double capFactor = Double.parseDouble(System.getProperty("bench.cap-factor", "0"));
        List<MathProblem> problems = ArithWorld.generate(ArithLevel.L1, Split.TRAIN, Math.max(SAMPLING_PROMPTS, REFLECTION_SOURCES), 1);
        List<Call> sampling = new ArrayList<>();
        List<Call> reflection = new ArrayList<>();
        List<Call> batch32 = new ArrayList<>();
        try (Policy tokens = Policy.load(BenchStore.root.resolve("bench/v1"))) {
            for (int from = 0; from < SAMPLING_PROMPTS; from += SAMPLING_CALL_PROMPTS) {
                List<String> prompts = new ArrayList<>();
                List<Integer> caps = new ArrayList<>();
                for (MathProblem p : problems.subList(from, from + SAMPLING_CALL_PROMPTS)) {
                    prompts.add(ANSWER_TEMPLATE.replace("{question}", p.question()));
                    caps.add(cap(tokens, p, capFactor, maxNew));
                }
                sampling.add(new Call(prompts, SAMPLES, 0.8f, 100 + from, capFactor > 0 ? caps : null));
            }
            for (int from = 0; from < REFLECTION_SOURCES; from += REFLECTION_CALL_PROMPTS) {
                List<String> prompts = new ArrayList<>();
                List<Integer> caps = new ArrayList<>();
                for (MathProblem p : problems.subList(from, Math.min(REFLECTION_SOURCES, from + REFLECTION_CALL_PROMPTS))) {
                    prompts.add(reflectionPrompt(p));
                    caps.add(cap(tokens, p, capFactor, maxNew));
                }
                reflection.add(new Call(prompts, REWRITES, 0.7f, 200 + from, capFactor > 0 ? caps : null));
            }
        }
        for (int c = 0; c < 8; c++) {
            Call s = sampling.get(c);
            batch32.add(new Call(s.prompts().subList(0, 4), SAMPLES, 0.8f, 300 + c, s.caps() == null ? null : s.caps().subList(0, 4)));
        }

        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", RestAssured.port).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        try (Policy policy = Policy.load(BenchStore.root.resolve("bench/v1"))) {
            policy.requireTokenizer();
            Generator library = policy.generator();
            System.out.printf("%nIteration benchmark: %s checkpoint (%,d parameters), max_new_tokens %d, libtorch threads %d, "
                    + "gRPC calls in flight %d, in process: %s%n", BenchStore.trained ? "trained" : "random-weight",
                    policy.config().parameterCount(), maxNew, ai.djl.pytorch.jni.JniUtils.getNumThreads(),
                    Integer.getInteger("bench.concurrency", 1),
                    inProcessBatch > 0 ? "chunks of " + inProcessBatch : "one generate() per call, calls one after another");
            System.out.printf("prompt tokens: sampling mean %.1f, reflection mean %.1f; per-prompt caps: %s%n",
                    meanTokens(policy, sampling), meanTokens(policy, reflection),
                    capFactor > 0 ? capFactor + " x reference length, mean " + meanCap(sampling) : "none");
            // warm-up: JIT and buffers on both paths, with both call shapes
            List<Call> warmUp = List.of(sampling.get(0), reflection.get(0), batch32.get(0));
            grpc(channel, warmUp, maxNew);
            if (!skipInProcess) {
                inProcess(library, policy, warmUp, maxNew, inProcessBatch);
            }

            Stage sGrpc;
            Stage rGrpc;
            Stage bGrpc;
            Stage sLib = null;
            Stage rLib = null;
            Stage bLib = null;
            if (skipInProcess || Integer.getInteger("bench.concurrency", 1) > 1) {
                sGrpc = grpc(channel, sampling, maxNew);
                rGrpc = grpc(channel, reflection, maxNew);
                bGrpc = grpc(channel, batch32, maxNew);
                if (!skipInProcess) {
                    sLib = inProcess(library, policy, sampling, maxNew, inProcessBatch);
                    rLib = inProcess(library, policy, reflection, maxNew, inProcessBatch);
                    bLib = inProcess(library, policy, batch32, maxNew, inProcessBatch);
                }
            } else {
                // call by call, alternating which path goes first, so that drifting load and JIT favour neither
                Stage[] s = alternating("sampling", channel, library, policy, sampling, maxNew, inProcessBatch);
                Stage[] r = alternating("reflection", channel, library, policy, reflection, maxNew, inProcessBatch);
                Stage[] b = alternating("batch 32", channel, library, policy, batch32, maxNew, inProcessBatch);
                sGrpc = s[0];
                sLib = s[1];
                rGrpc = r[0];
                rLib = r[1];
                bGrpc = b[0];
                bLib = b[1];
            }
            if (!skipInProcess) {
                whereTheTimeGoes(channel, library, policy, batch32, maxNew, inProcessBatch);
            }

            System.out.printf("%n%-22s %9s %8s %12s %11s %11s %9s %9s %11s%n", "stage (gRPC)", "answers", "tokens", "wall s",
                    "ms/answer", "in-proc s", "gRPC/lib", "CPU s", "in-proc CPU");
            row("sampling 256x8", sGrpc, sLib);
            row("reflection 506x4", rGrpc, rLib);
            row("batch 32 (8 calls)", bGrpc, bLib);
            System.out.printf("sampling + reflection over gRPC: %.1f s wall, %.1f s CPU; reflection per rewrite / sampling per "
                    + "sample: %.2f wall, %.2f CPU%n", sGrpc.seconds() + rGrpc.seconds(), sGrpc.cpuSeconds() + rGrpc.cpuSeconds(),
                    (rGrpc.seconds() / rGrpc.answers()) / (sGrpc.seconds() / sGrpc.answers()),
                    (rGrpc.cpuSeconds() / rGrpc.answers()) / (sGrpc.cpuSeconds() / sGrpc.answers()));
            if (bLib != null) {
                System.out.printf("batch-32 calls, gRPC / in-process per call: median %.2f (each: %s)%n",
                        median(ratios(bGrpc, bLib)), ratios(bGrpc, bLib));
                System.out.printf("main-shape calls, gRPC / in-process per call: sampling median %.2f, reflection median %.2f%n",
                        median(ratios(sGrpc, sLib)), median(ratios(rGrpc, rLib)));
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Wall seconds, and CPU seconds of this whole JVM (service and client together), over the stage. */
    record Stage(double seconds, int answers, long tokens, List<Double> callSeconds, double cpuSeconds) {
    }

    /** CPU time of this process so far: robust to other processes' load, which stretches wall time only. */
    static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    private static void row(String name, Stage g, Stage lib) {
        System.out.printf("%-22s %9d %8.1f %12.1f %11.2f %11s %9s %9.1f %11s%n", name, g.answers(), (double) g.tokens() / g.answers(),
                g.seconds(), 1000 * g.seconds() / g.answers(), lib == null ? "-" : String.format("%.1f", lib.seconds()),
                lib == null ? "-" : String.format("%.2f", g.seconds() / lib.seconds()), g.cpuSeconds(),
                lib == null ? "-" : String.format("%.1f", lib.cpuSeconds()));
        if (lib != null && lib.tokens() != g.tokens()) {
            System.out.printf("  (tokens differ: gRPC %d, in process %d)%n", g.tokens(), lib.tokens());
        }
    }

    /** The calls over gRPC, {@code bench.concurrency} in flight at a time (default 1, as trainer-svc sends them). */
    private static Stage grpc(ManagedChannel channel, List<Call> calls, int maxNew) throws Exception {
        int inFlight = Integer.getInteger("bench.concurrency", 1);
        GeneratorGrpc.GeneratorBlockingStub stub = GeneratorGrpc.newBlockingStub(channel);
        Double[] each = new Double[calls.size()];
        GenerateResponse[] responses = new GenerateResponse[calls.size()];
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(inFlight);
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        double cpu0 = cpuSeconds();
        long t0 = System.nanoTime();
        for (int k = 0; k < calls.size(); k++) {
            int index = k;
            Call c = calls.get(k);
            futures.add(pool.submit(() -> {
                GenerateRequest.Builder request = GenerateRequest.newBuilder().setN(c.n())
                        .setSampling(SamplingParams.newBuilder().setTemperature(c.temperature()).setTopP(0.95f)
                                .setMaxNewTokens(maxNew).setSeed(c.seed()));
                for (int i = 0; i < c.prompts().size(); i++) {
                    Prompt.Builder prompt = Prompt.newBuilder().setId("p" + i).setText(c.prompts().get(i));
                    if (c.caps() != null) {
                        prompt.setField(PROMPT_CAP, c.caps().get(i));
                    }
                    request.addPrompts(prompt);
                }
                long s = System.nanoTime();
                responses[index] = stub.withDeadlineAfter(30, TimeUnit.MINUTES).generate(request.build());
                each[index] = (System.nanoTime() - s) / 1e9;
                return null;
            }));
        }
        for (java.util.concurrent.Future<?> f : futures) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        int answers = 0;
        long tokens = 0;
        for (GenerateResponse r : responses) {
            for (Answer a : r.getAnswersList()) {
                answers++;
                tokens += a.getCompletionTokens();
            }
        }
        return new Stage(seconds, answers, tokens, List.of(each), cpuSeconds() - cpu0);
    }

    /**
     * Each call over gRPC and in process, alternating which goes first; the stages' times are the
     * calls' sums. Prints, per stage, the medians of where a gRPC call's time goes (see
     * {@link #whereTheTimeGoes}).
     */
    private Stage[] alternating(String name, ManagedChannel channel, Generator library, Policy policy, List<Call> calls,
            int maxNew, int chunk) throws Exception {
        List<Stage> grpc = new ArrayList<>();
        List<Stage> lib = new ArrayList<>();
        List<Double> engine = new ArrayList<>();
        List<Double> service = new ArrayList<>();
        List<Double> transport = new ArrayList<>();
        for (int k = 0; k < calls.size(); k++) {
            if (k % 2 == 1) {
                lib.add(inProcess(library, policy, List.of(calls.get(k)), maxNew, chunk));
            }
            double serverBefore = seconds("grpc.server.processing.duration");
            double stepsBefore = seconds("rlrf.generator.batch.duration");
            Stage g = grpc(channel, List.of(calls.get(k)), maxNew);
            double server = seconds("grpc.server.processing.duration") - serverBefore;
            double steps = seconds("rlrf.generator.batch.duration") - stepsBefore;
            grpc.add(g);
            if (k % 2 == 0) {
                lib.add(inProcess(library, policy, List.of(calls.get(k)), maxNew, chunk));
            }
            engine.add(steps / lib.get(k).seconds());
            service.add(1000 * (server - steps));
            transport.add(1000 * (g.seconds() - server));
        }
        System.out.printf("%s, %d calls: of a gRPC call (medians): engine steps / in-process time %.2f, service outside the "
                + "steps %.1f ms, transport %.1f ms%n", name, calls.size(), median(engine), median(service), median(transport));
        return new Stage[] {sum(grpc), sum(lib)};
    }

    private static Stage sum(List<Stage> stages) {
        double seconds = 0;
        double cpu = 0;
        int answers = 0;
        long tokens = 0;
        List<Double> each = new ArrayList<>();
        for (Stage s : stages) {
            seconds += s.seconds();
            cpu += s.cpuSeconds();
            answers += s.answers();
            tokens += s.tokens();
            each.addAll(s.callSeconds());
        }
        return new Stage(seconds, answers, tokens, each, cpu);
    }

    /** The same calls through the model library: sample j of a call uses seed + j, as the service does. */
    private static Stage inProcess(Generator library, Policy policy, List<Call> calls, int maxNew, int chunk) {
        List<Double> each = new ArrayList<>();
        int answers = 0;
        long tokens = 0;
        double cpu0 = cpuSeconds();
        long t0 = System.nanoTime();
        for (Call c : calls) {
            long s = System.nanoTime();
            List<GenerationRequest> sequences = new ArrayList<>();
            for (int i = 0; i < c.prompts().size(); i++) {
                int[] ids = policy.encodePrompt(c.prompts().get(i));
                int cap = c.caps() == null ? maxNew : c.caps().get(i);
                for (int j = 0; j < c.n(); j++) {
                    sequences.add(new GenerationRequest(ids, new io.rlrf.model.generate.SamplingParams(c.temperature(), 0.95f,
                            0, cap, List.of(), c.seed() + j, false)));
                }
            }
            int size = chunk > 0 ? chunk : sequences.size();
            for (int from = 0; from < sequences.size(); from += size) {
                for (Completion done : library.generate(sequences.subList(from, Math.min(sequences.size(), from + size)))) {
                    answers++;
                    tokens += done.tokens().length;
                }
            }
            each.add((System.nanoTime() - s) / 1e9);
        }
        return new Stage((System.nanoTime() - t0) / 1e9, answers, tokens, each, cpuSeconds() - cpu0);
    }

    /**
     * Batch-32 calls alternately over gRPC and in process (4 rounds of the 8 calls), with the
     * server's own view of each gRPC call: Quarkus's gRPC processing time (the handler, from request
     * to response) and the generator's step time (the forward passes) taken from the meter registry
     * of this same JVM. Client minus server = transport and (de)serialisation; server minus steps =
     * validation, tokenizing, queueing, mapping.
     */
    private void whereTheTimeGoes(ManagedChannel channel, Generator library, Policy policy, List<Call> calls, int maxNew,
            int chunk) throws Exception {
        List<Double> client = new ArrayList<>();
        List<Double> server = new ArrayList<>();
        List<Double> steps = new ArrayList<>();
        List<Double> lib = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            for (Call c : calls) {
                if (round % 2 == 1) { // every other round in process first, so that order cannot favour either
                    lib.add(inProcess(library, policy, List.of(c), maxNew, chunk).seconds());
                }
                double serverBefore = seconds("grpc.server.processing.duration");
                double stepsBefore = seconds("rlrf.generator.batch.duration");
                Stage g = grpc(channel, List.of(c), maxNew);
                client.add(g.seconds());
                server.add(seconds("grpc.server.processing.duration") - serverBefore);
                steps.add(seconds("rlrf.generator.batch.duration") - stepsBefore);
                if (round % 2 == 0) {
                    lib.add(inProcess(library, policy, List.of(c), maxNew, chunk).seconds());
                }
            }
        }
        List<Double> ratio = new ArrayList<>();
        List<Double> transport = new ArrayList<>();
        List<Double> service = new ArrayList<>();
        List<Double> engine = new ArrayList<>();
        for (int i = 0; i < client.size(); i++) {
            ratio.add(client.get(i) / lib.get(i));
            transport.add(1000 * (client.get(i) - server.get(i)));
            service.add(1000 * (server.get(i) - steps.get(i)));
            engine.add(steps.get(i) / lib.get(i));
        }
        System.out.printf("batch-32 calls alternating gRPC / in process (%d pairs): median gRPC/lib %.2f, median call %.0f ms "
                + "gRPC vs %.0f ms in process; of a gRPC call: engine steps / in-process time %.2f, service outside the "
                + "steps %.1f ms, transport %.1f ms (medians)%n", client.size(), median(ratio), 1000 * median(client),
                1000 * median(lib), median(engine), median(service), median(transport));
    }

    /** Total seconds recorded by every timer of that name (0 if none). */
    private double seconds(String name) {
        double total = 0;
        for (io.micrometer.core.instrument.Timer t : registry.find(name).timers()) {
            total += t.totalTime(TimeUnit.SECONDS);
        }
        return total;
    }

    /** Prompt.max_new_tokens, looked up by name so that this file also compiles where the field does not exist. */
    static final com.google.protobuf.Descriptors.FieldDescriptor PROMPT_CAP = Prompt.getDescriptor()
            .findFieldByName("max_new_tokens");

    /** {@code factor} times the reference solution's length in tokens, at most {@code maxNew}. */
    static int cap(Policy policy, MathProblem p, double factor, int maxNew) {
        if (factor <= 0) {
            return maxNew;
        }
        if (PROMPT_CAP == null) {
            throw new IllegalStateException("bench.cap-factor needs Prompt.max_new_tokens, which this generator.proto lacks");
        }
        return Math.min(maxNew, (int) Math.ceil(factor * policy.encodeCompletion(p.solution()).length));
    }

    private static final Pattern STEP = Pattern.compile("<<([^=<>]+)=(-?\\d+)>>(-?\\d+)");

    /**
     * reflector-svc's reflection prompt for a draft of {@code p} whose first step's result is one
     * more than right (the wrong value carried into later steps and the final line, as a policy's
     * own slip is), with the arith verifier's critiques.
     */
    static String reflectionPrompt(MathProblem p) {
        String solution = p.solution();
        Matcher m = STEP.matcher(solution);
        String draft = solution;
        if (m.find()) {
            String right = m.group(2);
            String wrong = Long.toString(Long.parseLong(right) + 1);
            draft = solution.substring(0, m.start()) + "<<" + m.group(1) + "=" + wrong + ">>" + wrong
                    + solution.substring(m.end()).replace(right, wrong);
        }
        Verdict verdict = new MathVerifier(VerifierParams.DEFAULTS).verify(p.question(), draft, p.solution());
        StringBuilder critiques = new StringBuilder();
        for (Verdict.Rating r : verdict.ratings()) {
            if (r.rating() < 3) {
                critiques.append("- ").append(r.aspect().aspectName()).append(" (rating ").append(r.rating())
                        .append("/3): ").append(r.critique().strip()).append('\n');
            }
        }
        if (critiques.isEmpty()) {
            critiques.append("- no aspect was rated below 3; improve the answer where you can\n");
        }
        return REFLECTION_TEMPLATE.replace("{prompt}", p.question()).replace("{answer}", draft)
                .replace("{critiques}", critiques.toString().strip());
    }

    private static String meanCap(List<Call> calls) {
        return String.format("%.1f", calls.stream().flatMap(c -> c.caps().stream()).mapToInt(Integer::intValue).average()
                .orElse(0));
    }

    private static double meanTokens(Policy policy, List<Call> calls) {
        long sum = 0;
        int n = 0;
        for (Call c : calls) {
            for (String p : c.prompts()) {
                sum += policy.encodePrompt(p).length;
                n++;
            }
        }
        return (double) sum / n;
    }

    private static List<Double> ratios(Stage grpc, Stage lib) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < grpc.callSeconds().size(); i++) {
            out.add(Math.round(100 * grpc.callSeconds().get(i) / lib.callSeconds().get(i)) / 100.0);
        }
        return out;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
