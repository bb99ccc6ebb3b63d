package io.rlrf.common.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.restassured.RestAssured;

/**
 * What every RLRF service must offer any client, checked against the running application: the
 * standard gRPC health service says SERVING, server reflection lists the service, and the HTTP side
 * answers {@code /q/health/ready} and {@code /q/metrics} in Prometheus text format. A service's
 * {@code @QuarkusTest} extends this class and names its gRPC service. gRPC and HTTP share one port.
 */
public abstract class ServiceConformanceTests {

    protected ManagedChannel channel;

    /** Fully qualified gRPC service name, e.g. {@code rlrf.generator.v1.Generator}. */
    protected abstract String grpcServiceName();

    /** The port the application under test listens on for gRPC and HTTP alike. */
    protected static int port() {
        return RestAssured.port;
    }

    @BeforeEach
    void openChannel() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port()).usePlaintext().build();
    }

    @AfterEach
    void closeChannel() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Asserts that {@code call} fails with {@code code} and a message containing {@code fragment}. */
    public static StatusRuntimeException assertStatus(Status.Code code, String fragment, Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            assertEquals(code, e.getStatus().getCode(), "status of: " + e.getStatus());
            String description = String.valueOf(e.getStatus().getDescription());
            assertTrue(description.contains(fragment),
                    "message '" + description + "' should contain '" + fragment + "'");
            return e;
        }
        throw new AssertionError("expected " + code + " but the call succeeded");
    }

    @Test
    void grpcHealthReportsServingForTheWholeServer() {
        var response = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService("").build());
        assertEquals(ServingStatus.SERVING, response.getStatus());
    }

    @Test
    protected void grpcHealthReportsServingForTheService() {
        var response = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(grpcServiceName()).build());
        assertEquals(ServingStatus.SERVING, response.getStatus());
    }

    @Test
    void grpcHealthDoesNotReportAnUnknownServiceAsServing() {
        // The gRPC health spec answers NOT_FOUND; Quarkus's health service answers with a
        // non-SERVING status instead. Either tells a client (or a Kubernetes gRPC probe) the truth.
        try {
            var response = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService("no.such.v1.Service").build());
            assertTrue(response.getStatus() != ServingStatus.SERVING, "unknown service reported " + response.getStatus());
        } catch (StatusRuntimeException e) {
            assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        }
    }

    @Test
    void serverReflectionListsTheService() throws Exception {
        CompletableFuture<List<String>> names = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        names.complete(response.getListServicesResponse().getServiceList().stream()
                                .map(ServiceResponse::getName).collect(Collectors.toList()));
                    }

                    @Override
                    public void onError(Throwable t) {
                        names.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        names.completeExceptionally(new AssertionError("stream ended without an answer"));
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
        List<String> listed = names.get(10, TimeUnit.SECONDS);
        requests.onCompleted();
        assertTrue(listed.contains(grpcServiceName()), "reflection listed " + listed);
        assertTrue(listed.contains("grpc.health.v1.Health"), "reflection listed " + listed);
    }

    /** The service's RPCs, from its contract. */
    protected List<com.google.protobuf.Descriptors.MethodDescriptor> rpcs() {
        return RawGrpc.service(grpcServiceName()).getMethods();
    }

    @Test
    void garbageBytesAreInvalidArgumentOnEveryRpc() {
        for (var rpc : rpcs()) {
            RawGrpc.Answer answer = RawGrpc.call(channel, rpc, RawGrpc.GARBAGE);
            assertEquals(Status.Code.INVALID_ARGUMENT, answer.status().getCode(), rpc.getName() + ": " + answer.status());
            assertTrue(answer.status().getDescription().contains("is not a valid " + rpc.getInputType().getFullName()),
                    rpc.getName() + ": " + answer.status());
        }
    }

    @Test
    void invalidUtf8InAStringFieldIsInvalidArgument() {
        int checked = 0;
        for (var rpc : rpcs()) {
            var field = RawGrpc.firstStringField(rpc.getInputType());
            if (field == null) {
                continue;
            }
            RawGrpc.Answer answer = RawGrpc.call(channel, rpc, RawGrpc.lengthDelimited(field.getNumber(), RawGrpc.INVALID_UTF8));
            assertEquals(Status.Code.INVALID_ARGUMENT, answer.status().getCode(), rpc.getName() + ": " + answer.status());
            assertTrue(answer.status().getDescription().contains("UTF-8"), rpc.getName() + ": " + answer.status());
            checked++;
        }
        assertTrue(checked > 0, "no RPC with a string field");
    }

    @Test
    void aTruncatedMessageIsInvalidArgument() {
        byte[] whole = RawGrpc.lengthDelimited(1, "twelve bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        byte[] truncated = java.util.Arrays.copyOf(whole, 5);
        for (var rpc : rpcs()) {
            RawGrpc.Answer answer = RawGrpc.call(channel, rpc, truncated);
            assertEquals(Status.Code.INVALID_ARGUMENT, answer.status().getCode(), rpc.getName() + ": " + answer.status());
        }
    }

    @Test
    void aRequestAboveTheSizeLimitIsResourceExhaustedNamingTheProperty() {
        // An unknown field: the size is refused before anything is parsed.
        byte[] big = RawGrpc.lengthDelimited(999, new byte[300 * 1024]);
        for (var rpc : rpcs()) {
            RawGrpc.Answer answer = RawGrpc.call(channel, rpc, big);
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, answer.status().getCode(), rpc.getName() + ": " + answer.status());
            assertEquals("the request message (bytes) is " + big.length + ", above the limit of 262144 (set by "
                    + "quarkus.grpc.server.max-inbound-message-size)", answer.status().getDescription(), rpc.getName());
        }
        grpcHealthReportsServingForTheService();
    }

    @Test
    void everyRpcIsRecordedInTheMetricsWithTheStatusCodeSent() {
        // An empty request: refused by the service's own checks (INVALID_ARGUMENT) or answered (OK).
        java.util.Map<String, Status.Code> sent = new java.util.LinkedHashMap<>();
        for (var rpc : rpcs()) {
            sent.put(rpc.getName(), RawGrpc.call(channel, rpc, new byte[0]).status().getCode());
        }
        assertTrue(sent.containsValue(Status.Code.INVALID_ARGUMENT), "no RPC refused an empty request: " + sent);
        var garbage = rpcs().get(0);
        assertEquals(Status.Code.INVALID_ARGUMENT, RawGrpc.call(channel, garbage, RawGrpc.GARBAGE).status().getCode());
        List<String> samples = given().accept("text/plain; version=0.0.4").when().get("/q/metrics").then().statusCode(200)
                .extract().asString().lines().filter(l -> l.startsWith("grpc_server_processing_duration_seconds_count{"))
                .toList();
        sent.forEach((method, code) -> assertTrue(samples.stream().anyMatch(l -> l.contains("method=\"" + method + "\"")
                && l.contains("statusCode=\"" + code.name() + "\"")), method + " answered " + code + "; samples: " + samples));
        assertTrue(samples.stream().noneMatch(l -> l.contains("statusCode=\"UNKNOWN\"")), "UNKNOWN recorded: " + samples);
    }

    @Test
    void httpReadinessIsUp() {
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void metricsAnswerInPrometheusTextFormat() {
        // Ask for the classic text format explicitly; Prometheus itself may negotiate OpenMetrics.
        String body = given().accept("text/plain; version=0.0.4").when().get("/q/metrics").then().statusCode(200)
                .contentType(containsString("text/plain"))
                .extract().asString();
        // Prometheus exposition format: HELP and TYPE comments, then "name{labels} value" samples.
        assertTrue(body.contains("# TYPE jvm_memory_used_bytes gauge"), "no TYPE line for a JVM gauge");
        assertTrue(body.lines().anyMatch(l -> l.matches("jvm_memory_used_bytes\\{.*\\} [0-9.eE+-]+")),
                "no jvm_memory_used_bytes sample line");
    }
}
