package io.rlrf.cli;

import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.rlrf.api.trainer.v1.TrainerGrpc;
import picocli.CommandLine.Option;

/** Where trainer-svc is and the token its state-changing RPCs may need (a picocli mixin). */
public final class TrainerOptions {

    @Option(names = "--trainer", paramLabel = "HOST:PORT",
            defaultValue = "${env:RLRF_TRAINER_TARGET:-" + Targets.TRAINER + "}",
            description = "trainer-svc's gRPC address (default: $RLRF_TRAINER_TARGET, else ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:RLRF_ACCESS_TOKEN}",
            description = "Access token sent as 'authorization: Bearer TOKEN', when trainer-svc requires one "
                    + "(default: $RLRF_ACCESS_TOKEN).")
    String token;

    @Option(names = "--deadline", paramLabel = "SECONDS", defaultValue = "30",
            description = "Deadline of each call but WatchRun and ExportPairs, which last as long as the run or the "
                    + "export (default: ${DEFAULT-VALUE}).")
    long deadlineSeconds;

    /** "trainer-svc at HOST:PORT", for error messages. */
    String peer() {
        return "trainer-svc at " + target;
    }

    /** A channel to trainer-svc, closed with the connection. */
    Connection connect() {
        if (deadlineSeconds <= 0) {
            throw new Cli.UsageError("--deadline must be positive, got " + deadlineSeconds);
        }
        return new Connection(ManagedChannelBuilder.forTarget(target).usePlaintext().build());
    }

    /** An open channel to trainer-svc. */
    final class Connection implements AutoCloseable {
        final ManagedChannel channel;

        Connection(ManagedChannel channel) {
            this.channel = channel;
        }

        /** A stub for one short call, with the deadline and the token. */
        TrainerGrpc.TrainerBlockingStub call() {
            return stream().withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS);
        }

        /** A stub for a stream that lasts as long as it needs (WatchRun, ExportPairs), with the token. */
        TrainerGrpc.TrainerBlockingStub stream() {
            TrainerGrpc.TrainerBlockingStub stub = TrainerGrpc.newBlockingStub(channel);
            if (token != null && !token.isEmpty()) {
                Metadata headers = new Metadata();
                headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
                stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            }
            return stub;
        }

        @Override
        public void close() {
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
