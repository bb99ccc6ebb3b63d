package io.rlrf.badinput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.Status.Code;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.rlrf.api.generator.v1.DescribeModelRequest;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.api.reflector.v1.DescribeReflectorRequest;
import io.rlrf.api.reflector.v1.RefineItem;
import io.rlrf.api.reflector.v1.RefineRequest;
import io.rlrf.api.reflector.v1.SourceAnswer;
import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.ListAspectsRequest;
import io.rlrf.api.reward.v1.ListRubricsRequest;
import io.rlrf.api.reward.v1.Outcome;
import io.rlrf.api.reward.v1.VerifiableOutcome;
import io.rlrf.api.trainer.v1.CancelRunRequest;
import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.EvalConfig;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.ExportPairsRequest;
import io.rlrf.api.trainer.v1.ListCheckpointsRequest;
import io.rlrf.api.trainer.v1.ListRunsRequest;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.PairingConfig;
import io.rlrf.api.trainer.v1.ReflectionConfig;
import io.rlrf.api.trainer.v1.ResumeRunRequest;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.SamplingConfig;
import io.rlrf.api.trainer.v1.ScoreKind;
import io.rlrf.api.trainer.v1.SftConfig;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.WatchRunRequest;
import io.rlrf.badinput.HostileVariants.Expect;
import io.rlrf.badinput.HostileVariants.Variant;
import io.rlrf.common.testing.LocalInfinispanServer;
import io.rlrf.common.testing.RawGrpc;
import io.rlrf.common.testing.ServiceProcess;

/**
 * The project's own bad-input suite (issue 18): an Infinispan Server and the four packaged services
 * on loopback, as a deployment runs them (access tokens set on generator-svc and trainer-svc), and
 * for every RPC of every service, malformed and hostile variants of each field of its request
 * ({@link HostileVariants}: empty, huge, NUL and control characters, path escapes and links out of
 * the model store, huge exponents and deep nesting, negative, extreme, NaN and infinite numbers,
 * unknown enum numbers, invalid UTF-8, and whole requests that are garbage, truncated, nested
 * 10000 deep or above the size limit). Each answer must be one of the statuses its variant allows
 * (never INTERNAL, UNKNOWN, UNAVAILABLE or a missed deadline), with a message of at most 1024
 * characters that never repeats a long value whole; after each RPC's variants the service still
 * answers health SERVING, and at the end no service's metrics recorded INTERNAL or UNKNOWN.
 * Logs in {@code target/<service>-svc.log}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputSuiteTest {

    static final String TOKEN = "bad-input-token";
    private static final int MAX_MESSAGE = 1024;
    private static final long DEADLINE_SECONDS = 30;
    private static final Path STORE = Path.of("target/bad-input-models").toAbsolutePath();
    private static final Path RUNS = Path.of("target/bad-input-runs").toAbsolutePath();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build(); // no h2c upgrade: a GET once hung past its timeout in CI

    private static final Map<String, Integer> PORTS = new LinkedHashMap<>();
    private static final Map<String, ManagedChannel> CHANNELS = new LinkedHashMap<>();
    private static final List<Process> PROCESSES = new ArrayList<>();
    private static LocalInfinispanServer infinispan;
    private static final Map<String, Integer> CASES = new TreeMap<>();

    /** The gRPC service of each RLRF service. */
    private static final Map<String, String> SERVICES = Map.of("generator", "rlrf.generator.v1.Generator",
            "reward", "rlrf.reward.v1.Reward", "reflector", "rlrf.reflector.v1.Reflector", "trainer", "rlrf.trainer.v1.Trainer");

    @BeforeAll
    static void startTheServices() throws Exception {
        deleteRecursively(STORE);
        deleteRecursively(RUNS);
        infinispan = LocalInfinispanServer.onFreePorts();
        infinispan.start();
        List.of("generator", "reward", "reflector", "trainer").forEach(s -> PORTS.put(s, ServiceProcess.freePort()));
        String hotRod = "-Dquarkus.infinispan-client.hosts=" + infinispan.hotRodAddress();
        // generator-svc first: it creates the tiny checkpoint tiny/v1 the others name.
        PROCESSES.add(ServiceProcess.start("generator", PORTS.get("generator"), List.of("-Drlrf.generator.store.root=" + STORE,
                "-Drlrf.generator.store.initial-version=tiny/v1", "-Drlrf.generator.store.initialize-if-missing=true",
                "-Drlrf.generator.access-token=" + TOKEN)));
        prepareHostileStore();
        List<CompletableFuture<Process>> rest = List.of(
                CompletableFuture.supplyAsync(() -> ServiceProcess.start("reward", PORTS.get("reward"), List.of(hotRod))),
                CompletableFuture.supplyAsync(() -> ServiceProcess.start("reflector", PORTS.get("reflector"),
                        List.of(hotRod, "-Dquarkus.grpc.clients.generator.port=" + PORTS.get("generator")))),
                CompletableFuture.supplyAsync(() -> ServiceProcess.start("trainer", PORTS.get("trainer"), List.of(
                        "-Drlrf.trainer.storage.model-store=" + STORE, "-Drlrf.trainer.storage.run-root=" + RUNS,
                        "-Drlrf.trainer.access-token=" + TOKEN, "-Drlrf.trainer.generator.access-token=" + TOKEN,
                        "-Dquarkus.grpc.clients.generator.port=" + PORTS.get("generator"),
                        "-Dquarkus.grpc.clients.reward.port=" + PORTS.get("reward"),
                        "-Dquarkus.grpc.clients.reflector.port=" + PORTS.get("reflector")))));
        for (CompletableFuture<Process> f : rest) {
            PROCESSES.add(f.join());
        }
        PORTS.forEach((s, port) -> CHANNELS.put(s, ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build()));
    }

    /**
     * Links in the model store that lead out of it: a folder link, a checkpoint folder whose
     * config.json links to a file outside, and one whose three files all link to a checkpoint outside.
     */
    private static void prepareHostileStore() throws IOException {
        Path outside = Files.createDirectories(Path.of("target/outside-the-store").toAbsolutePath());
        deleteRecursively(outside);
        Files.createDirectories(outside);
        Path hostname = Files.writeString(outside.resolve("hostname"), "secret-host-name");
        Path checkpoint = Files.createDirectories(outside.resolve("ckpt"));
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            Files.copy(STORE.resolve("tiny/v1").resolve(file), checkpoint.resolve(file));
        }
        Files.createSymbolicLink(STORE.resolve("escape"), outside);
        Files.createDirectories(STORE.resolve("linked-file"));
        Files.createSymbolicLink(STORE.resolve("linked-file/config.json"), hostname);
        Files.createDirectories(STORE.resolve("linked-files"));
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            Files.createSymbolicLink(STORE.resolve("linked-files").resolve(file), checkpoint.resolve(file));
        }
    }

    @AfterAll
    static void stopTheServices() throws InterruptedException {
        for (ManagedChannel c : CHANNELS.values()) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        PROCESSES.forEach(ServiceProcess::stop);
        if (infinispan != null) {
            infinispan.close();
        }
        int total = CASES.values().stream().mapToInt(Integer::intValue).sum();
        System.out.printf("bad-input suite: %d cases over %d RPCs: %s%n", total, CASES.size(), CASES);
    }

    // ---------------------------------------------------------------------------------------------
    // A valid request per RPC: every variant changes one thing in it.

    private static final String QUESTION = "Tom has 7 cards. He loses 2. How many cards does Tom have now?";
    private static final String SOLUTION = "7-2=<<7-2=5>>5\n#### 5";

    /** service -> RPC -> the valid request its variants start from. */
    static Map<String, Map<String, Message>> baseRequests() {
        Map<String, Map<String, Message>> all = new LinkedHashMap<>();
        all.put("generator", Map.of(
                "Generate", GenerateRequest.newBuilder()
                        .addPrompts(Prompt.newBuilder().setId("p-1").setText("Question:\n1 + 1\nAnswer:\n"))
                        .setN(1).setRequirePolicyVersion("tiny/v1")
                        .setSampling(SamplingParams.newBuilder().setTemperature(0.8f).setTopP(0.95f).setTopK(0)
                                .setMaxNewTokens(2).addStop("\n\n").setSeed(7).setReturnLogprobs(true))
                        .build(),
                "LoadCheckpoint", LoadCheckpointRequest.newBuilder().setVersion("tiny/v1").build(),
                "DescribeModel", DescribeModelRequest.getDefaultInstance()));
        all.put("reward", Map.of(
                "Evaluate", EvaluateRequest.newBuilder().setTask("arith").setJudge("verifier-gsm8k")
                        .addAspects("logical_robustness")
                        .addItems(EvaluationItem.newBuilder().setId("i-1").setPrompt(QUESTION).setAnswer(SOLUTION)
                                .setReference(SOLUTION))
                        .build(),
                "ListAspects", ListAspectsRequest.getDefaultInstance(),
                "ListRubrics", ListRubricsRequest.getDefaultInstance()));
        all.put("reflector", Map.of(
                "Refine", RefineRequest.newBuilder().setM(1).setRequirePolicyVersion("tiny/v1")
                        .setSampling(SamplingParams.newBuilder().setTemperature(0.7f).setMaxNewTokens(2).setSeed(3))
                        .addItems(RefineItem.newBuilder().setPrompt(QUESTION)
                                .setAnswer(SourceAnswer.newBuilder().setId("a-1").setText("7-2=<<7-2=6>>6\n#### 6"))
                                .setFeedback(Feedback.newBuilder().setId("f-1").setItemId("a-1")
                                        .setStatus(FeedbackStatus.FEEDBACK_STATUS_OK).setScore(0.0)
                                        .addAspects(AspectFeedback.newBuilder().setAspect("logical_robustness").setRating(1)
                                                .setCritique("line 1: 7 - 2 = 6 is wrong; 7 - 2 = 5"))
                                        .setOutcome(VerifiableOutcome.newBuilder().setOutcome(Outcome.OUTCOME_INCORRECT)
                                                .setExtractedAnswer("6").setReferenceAnswer("5"))
                                        .setJudgeId("verifier-gsm8k").setRubricVersion("verifier-gsm8k-v1").setTask("arith")))
                        .build(),
                "DescribeReflector", DescribeReflectorRequest.getDefaultInstance()));
        all.put("trainer", Map.of(
                "StartRun", StartRunRequest.newBuilder().setRunId("bad-input-1").setValidateOnly(true).setConfig(tinyRun()).build(),
                "WatchRun", WatchRunRequest.newBuilder().setRunId("no-such-run").setAfterSequence(0).build(),
                "GetRun", GetRunRequest.newBuilder().setRunId("no-such-run").build(),
                "ListRuns", ListRunsRequest.newBuilder().setPageSize(10).build(),
                "CancelRun", CancelRunRequest.newBuilder().setRunId("no-such-run").build(),
                "ResumeRun", ResumeRunRequest.newBuilder().setRunId("no-such-run").build(),
                "ListCheckpoints", ListCheckpointsRequest.newBuilder().setRunId("").build(),
                "ExportPairs", ExportPairsRequest.newBuilder().setRunId("no-such-run").setIteration(1).build()));
        return all;
    }

    private static RunConfig tinyRun() {
        return RunConfig.newBuilder().setMode(Mode.MODE_RLRF).setTask("arith").setSeed(7).setIterations(1)
                .setBaseCheckpoint("tiny/v1")
                .setData(DataConfig.newBuilder().setTrainPrompts(3).setEvalPrompts(2).setTrainSplit("train")
                        .setEvalSplit("test").addDifficultyLevels(1))
                .setSampling(SamplingConfig.newBuilder().setN(2).setTemperature(0.8f).setTopP(0.95f).setTopK(0).setMaxNewTokens(8))
                .setReflection(ReflectionConfig.newBuilder().setEnabled(true).setK(1).setM(2).setTemperature(0.7f)
                        .setTopP(0.95f).setMaxNewTokens(8))
                .setPairing(PairingConfig.newBuilder().setDelta(0.25).setScore(ScoreKind.SCORE_KIND_FINE_GRAINED)
                        .setPairsPerPrompt(1).setRejectedFromSamples(true))
                .setDpo(DpoConfig.newBuilder().setBeta(0.1).setLearningRate(1e-3).setEpochs(1).setBatchSize(2)
                        .setGradAccumulation(1).setWarmupRatio(0.1).setMaxGradNorm(1).setWeightDecay(0).setNllWeight(1))
                .setSft(SftConfig.newBuilder().setLearningRate(1e-3).setEpochs(1).setBatchSize(4))
                .setEval(EvalConfig.newBuilder().setTemperature(0).setMaxNewTokens(8))
                .putLabels("suite", "bad-input").build();
    }

    /** Fields whose variants would change what the request does rather than test its checks. */
    private static final Map<String, Set<String>> FIXED = Map.of(
            // validate_only keeps StartRun read-only: no run is created or started by the suite.
            "StartRun", Set.of("validate_only"));

    /**
     * What the suite knows about particular fields beyond their type (the points of issue 18):
     * "RPC field = kind" -> expectation. Unlisted variants get their type's expectation.
     */
    static Map<String, Expect> expectations() {
        Map<String, Expect> e = new LinkedHashMap<>();
        for (String kind : List.of("parent path", "absolute path", "folder link out of the store", "file link out of the store",
                "all files linked out of the store", "NUL", "control characters", "empty")) {
            e.put("LoadCheckpoint version = " + kind, Expect.only(Code.INVALID_ARGUMENT));
            if (!kind.equals("empty")) {
                e.put("StartRun config.base_checkpoint = " + kind, Expect.only(Code.INVALID_ARGUMENT));
            }
        }
        e.put("LoadCheckpoint version = huge (128 KiB)", Expect.only(Code.NOT_FOUND, "(131072 characters)"));
        e.put("StartRun config.base_checkpoint = huge (128 KiB)", Expect.only(Code.INVALID_ARGUMENT, "(131072 characters)"));
        e.put("ListRuns page_token = negative number", Expect.only(Code.INVALID_ARGUMENT, "page_token '-5' is not a token"));
        e.put("ListRuns page_token = int max", Expect.only(Code.OK));
        e.put("ListRuns state = unknown number 99", Expect.only(Code.INVALID_ARGUMENT));
        for (String kind : List.of("unknown number 99", "unknown number -1")) {
            e.put("StartRun config.mode = " + kind, Expect.only(Code.INVALID_ARGUMENT, "config.mode has an unknown value"));
            e.put("StartRun config.pairing.score = " + kind, Expect.only(Code.INVALID_ARGUMENT, "config.pairing.score has an unknown value"));
            e.put("Refine items[0].feedback.status = " + kind, Expect.only(Code.INVALID_ARGUMENT));
        }
        for (String field : List.of("config.dpo.epochs", "config.dpo.batch_size", "config.dpo.grad_accumulation",
                "config.sft.epochs", "config.sft.batch_size", "config.pairing.pairs_per_prompt", "config.iterations")) {
            e.put("StartRun " + field + " = int max", Expect.only(Code.RESOURCE_EXHAUSTED, "above the limit of"));
        }
        for (String kind : List.of("huge exponent", "1500 nested parentheses", "8000 unary minus signs", "5000-digit number")) {
            e.put("Evaluate items[0].answer = " + kind, Expect.only(Code.OK));
        }
        for (String kind : List.of("huge (128 KiB)")) {
            e.put("Evaluate task = " + kind, Expect.only(Code.INVALID_ARGUMENT, "(131072 characters)"));
            e.put("Evaluate judge = " + kind, Expect.only(Code.INVALID_ARGUMENT, "(131072 characters)"));
            e.put("Evaluate aspects = " + kind, Expect.only(Code.INVALID_ARGUMENT, "(131072 characters)"));
            e.put("Generate require_policy_version = " + kind, Expect.only(Code.FAILED_PRECONDITION, "(131072 characters)"));
            e.put("Refine require_policy_version = " + kind, Expect.only(Code.FAILED_PRECONDITION, "(131072 characters)"));
            for (String field : List.of("config.task", "run_id", "config.data.train_split")) {
                e.put("StartRun " + field + " = " + kind, Expect.only(Code.INVALID_ARGUMENT, "(131072 characters)"));
            }
            e.put("GetRun run_id = " + kind, Expect.only(Code.INVALID_ARGUMENT, "(131072 characters)"));
        }
        // A score in the feedback the reflector is handed is informational: any number is taken.
        for (String kind : List.of("NaN", "+Inf", "-Inf")) {
            e.put("Refine items[0].feedback.score = " + kind, Expect.answered());
        }
        return e;
    }

    @TestFactory
    @Order(1)
    Stream<DynamicTest> everyRpcAnswersHostileVariantsOfEveryFieldWithABoundedRefusal() {
        Map<String, Expect> known = expectations();
        List<DynamicTest> tests = new ArrayList<>();
        baseRequests().forEach((service, rpcs) -> {
            Descriptors.ServiceDescriptor descriptor = RawGrpc.service(SERVICES.get(service));
            assertEquals(descriptor.getMethods().size(), rpcs.size(), "a base request for every RPC of " + service);
            for (Descriptors.MethodDescriptor rpc : descriptor.getMethods()) {
                Message base = rpcs.get(rpc.getName());
                tests.add(DynamicTest.dynamicTest(service + "-svc " + rpc.getName(),
                        () -> runVariants(service, rpc, base, known)));
            }
        });
        return tests.stream();
    }

    private static void runVariants(String service, Descriptors.MethodDescriptor rpc, Message base, Map<String, Expect> known) {
        List<Variant> variants = HostileVariants.of(base, FIXED.getOrDefault(rpc.getName(), Set.of()));
        List<String> failures = new ArrayList<>();
        Map<Code, Integer> answered = new TreeMap<>();
        long start = System.nanoTime();
        for (Variant v : variants) {
            Expect expect = known.getOrDefault(rpc.getName() + " " + v.label(), v.expect());
            long callStart = System.nanoTime();
            RawGrpc.Answer answer = RawGrpc.call(CHANNELS.get(service), rpc, v.bytes(), DEADLINE_SECONDS, token());
            double seconds = (System.nanoTime() - callStart) / 1e9;
            Status status = answer.status();
            answered.merge(status.getCode(), 1, Integer::sum);
            String problem = problem(status, expect);
            if (problem != null) {
                failures.add(rpc.getName() + " " + v.label() + ": " + problem + " (" + String.format("%.2f s", seconds) + ")");
            }
        }
        CASES.put(service + "-svc " + rpc.getName(), variants.size());
        System.out.printf("%s-svc %s: %d variants in %.1f s: %s%n", service, rpc.getName(), variants.size(),
                (System.nanoTime() - start) / 1e9, answered);
        assertServing(service);
        assertTrue(failures.isEmpty(), failures.size() + " of " + variants.size() + " variants of " + rpc.getName()
                + " answered wrongly:\n  " + String.join("\n  ", failures));
    }

    /** Why {@code status} does not meet {@code expect}, or null. */
    private static String problem(Status status, Expect expect) {
        String description = status.getDescription() == null ? "" : status.getDescription();
        if (!expect.codes().contains(status.getCode())) {
            return "got " + status.getCode() + " '" + cut(description) + "', expected " + expect.codes();
        }
        if (expect.fragment() != null && !description.contains(expect.fragment())) {
            return "message '" + cut(description) + "' lacks '" + expect.fragment() + "'";
        }
        if (description.length() > MAX_MESSAGE) {
            return "message of " + description.length() + " characters";
        }
        if (description.contains("x".repeat(200)) || description.contains("9".repeat(200)) || description.indexOf('\u0000') >= 0) {
            return "message repeats a long or raw value: '" + cut(description) + "'";
        }
        return null;
    }

    private static String cut(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...(" + s.length() + " characters)";
    }

    private static Metadata token() {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TOKEN);
        return headers;
    }

    private static void assertServing(String service) {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(CHANNELS.get(service)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(SERVICES.get(service)).build());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus(), service + "-svc health after the variants");
    }

    // ---------------------------------------------------------------------------------------------
    // The cases that depend on the access token, and what the metrics recorded.

    @Test
    @Order(2)
    void startRunWithValidateOnlyNeedsNoTokenAndEveryStateChangeDoes() {
        Descriptors.ServiceDescriptor trainer = RawGrpc.service(SERVICES.get("trainer"));
        Message validate = baseRequests().get("trainer").get("StartRun");
        RawGrpc.Answer open = RawGrpc.call(CHANNELS.get("trainer"), trainer.findMethodByName("StartRun"), validate.toByteArray(),
                DEADLINE_SECONDS, null);
        assertEquals(Code.OK, open.status().getCode(), String.valueOf(open.status()));
        byte[] start = ((StartRunRequest) validate).toBuilder().setValidateOnly(false).build().toByteArray();
        for (var call : List.of(Map.entry("StartRun", start),
                Map.entry("CancelRun", CancelRunRequest.newBuilder().setRunId("r-1").build().toByteArray()),
                Map.entry("ResumeRun", ResumeRunRequest.newBuilder().setRunId("r-1").build().toByteArray()))) {
            RawGrpc.Answer refused = RawGrpc.call(CHANNELS.get("trainer"), trainer.findMethodByName(call.getKey()), call.getValue(),
                    DEADLINE_SECONDS, null);
            assertEquals(Code.UNAUTHENTICATED, refused.status().getCode(), call.getKey() + ": " + refused.status());
        }
        RawGrpc.Answer load = RawGrpc.call(CHANNELS.get("generator"),
                RawGrpc.service(SERVICES.get("generator")).findMethodByName("LoadCheckpoint"),
                baseRequests().get("generator").get("LoadCheckpoint").toByteArray(), DEADLINE_SECONDS, null);
        assertEquals(Code.UNAUTHENTICATED, load.status().getCode(), String.valueOf(load.status()));
    }

    @Test
    @Order(3)
    void noServiceRecordedAnInternalOrUnknownStatus() throws Exception {
        // Last: after every variant. A refusal of its own makes sure there is something to see.
        for (String service : SERVICES.keySet()) {
            Descriptors.MethodDescriptor rpc = RawGrpc.service(SERVICES.get(service)).getMethods().get(0);
            assertEquals(Code.INVALID_ARGUMENT, RawGrpc.call(CHANNELS.get(service), rpc, RawGrpc.GARBAGE).status().getCode());
            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORTS.get(service) + "/q/metrics"))
                    .header("Accept", "text/plain; version=0.0.4").build(), HttpResponse.BodyHandlers.ofString()).body();
            List<String> samples = metrics.lines().filter(l -> l.startsWith("grpc_server_processing_duration_seconds_count{"))
                    .toList();
            assertTrue(samples.stream().anyMatch(l -> l.contains("statusCode=\"INVALID_ARGUMENT\"")), service + ": " + samples);
            assertTrue(samples.stream().noneMatch(l -> l.contains("statusCode=\"UNKNOWN\"") || l.contains("statusCode=\"INTERNAL\"")),
                    service + "-svc recorded INTERNAL or UNKNOWN: " + samples);
            assertServing(service);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot empty " + dir, e);
        }
    }
}
