package io.rlrf.common.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.Descriptors;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;

/**
 * Calls any RPC with bytes the caller chooses (garbage, a truncated message, invalid UTF-8, a
 * message above the size limit), which a generated stub cannot send, and answers the status the
 * server closed the call with. Also the protobuf descriptors of this project's services, so a
 * test can find every RPC and its request type without naming them.
 */
public final class RawGrpc {

    private RawGrpc() {
    }

    /** The descriptors of the four RLRF contracts. */
    public static final List<Descriptors.FileDescriptor> CONTRACTS = List.of(
            io.rlrf.api.generator.v1.GeneratorProto.getDescriptor(), io.rlrf.api.reward.v1.RewardProto.getDescriptor(),
            io.rlrf.api.reflector.v1.ReflectorProto.getDescriptor(), io.rlrf.api.trainer.v1.TrainerProto.getDescriptor());

    /** The service named {@code fullName} (e.g. {@code rlrf.reward.v1.Reward}). */
    public static Descriptors.ServiceDescriptor service(String fullName) {
        for (Descriptors.FileDescriptor file : CONTRACTS) {
            for (Descriptors.ServiceDescriptor s : file.getServices()) {
                if (s.getFullName().equals(fullName)) {
                    return s;
                }
            }
        }
        throw new IllegalArgumentException("no service " + fullName + " in the RLRF contracts");
    }

    /** What the server answered: its status, and how many response messages came before it. */
    public record Answer(Status status, int messages) {
    }

    /** Sends {@code request} (any bytes) to {@code method} with a deadline, and the given metadata. */
    public static Answer call(Channel channel, Descriptors.MethodDescriptor method, byte[] request, long deadlineSeconds,
            Metadata headers) {
        MethodDescriptor<byte[], byte[]> descriptor = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(method.isServerStreaming() ? MethodDescriptor.MethodType.SERVER_STREAMING
                        : MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(method.getService().getFullName(), method.getName()))
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
        Channel target = headers == null ? channel
                : io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS);
        int messages = 0;
        try {
            if (method.isServerStreaming()) {
                Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(target, descriptor, options, request);
                while (it.hasNext()) {
                    it.next();
                    messages++;
                }
            } else {
                ClientCalls.blockingUnaryCall(target, descriptor, options, request);
                messages = 1;
            }
            return new Answer(Status.OK, messages);
        } catch (StatusRuntimeException e) {
            return new Answer(e.getStatus(), messages);
        }
    }

    /** {@link #call(Channel, Descriptors.MethodDescriptor, byte[], long, Metadata)} without extra metadata. */
    public static Answer call(Channel channel, Descriptors.MethodDescriptor method, byte[] request) {
        return call(channel, method, request, 60, null);
    }

    /** A length-delimited field: tag, varint length, the bytes (which need not be UTF-8). */
    public static byte[] lengthDelimited(int fieldNumber, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, ((long) fieldNumber << 3) | 2);
        varint(out, value.length);
        out.writeBytes(value);
        return out.toByteArray();
    }

    /** The first string field of {@code message}, or null if it has none. */
    public static Descriptors.FieldDescriptor firstStringField(Descriptors.Descriptor message) {
        return message.getFields().stream().filter(f -> f.getType() == Descriptors.FieldDescriptor.Type.STRING)
                .findFirst().orElse(null);
    }

    /** Bytes that are no protobuf message: an end-group tag for a group never started, then noise. */
    public static final byte[] GARBAGE = {(byte) 0x0c, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x0f, 1, 2, 3};

    /** Invalid UTF-8: a two-byte sequence whose second byte is not a continuation byte. */
    public static final byte[] INVALID_UTF8 = {(byte) 0xc3, (byte) 0x28};

    private static void varint(ByteArrayOutputStream out, long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
}
