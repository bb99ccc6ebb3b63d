package io.rlrf.common.grpc;

import java.io.InputStream;

import org.jboss.logging.Logger;

import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;

/**
 * The rule for requests that do not parse (garbage bytes, a truncated message, invalid UTF-8 in a
 * string field, nesting deeper than protobuf's limit): INVALID_ARGUMENT saying which message type was
 * expected and what was wrong with the bytes, never INTERNAL and never a stack trace in the log.
 *
 * <p>Without this, the transport (Vert.x gRPC) logs the parse exception, drops the message, and
 * grpc-java's unary handler then answers INTERNAL "Half-closed without a request". A service adapter
 * overrides {@code bindService()} with {@link #guard}: each request marshaller then hands a
 * {@link Malformed} marker on instead of throwing, and {@link ServerCallGuard} answers it.
 */
public final class MalformedRequests {

    private static final Logger LOG = Logger.getLogger(MalformedRequests.class);

    /** Why a request did not parse; travels in place of the request to {@link ServerCallGuard}. */
    public record Malformed(String messageType, String reason) {
    }

    private MalformedRequests() {
    }

    /** {@code definition} with every request marshaller tolerant of bytes that do not parse. */
    public static ServerServiceDefinition guard(ServerServiceDefinition definition) {
        ServiceDescriptor original = definition.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        java.util.List<ServerMethodDefinition<?, ?>> methods = new java.util.ArrayList<>();
        for (ServerMethodDefinition<?, ?> method : definition.getMethods()) {
            ServerMethodDefinition<?, ?> guarded = guard(method);
            descriptor.addMethod(guarded.getMethodDescriptor());
            methods.add(guarded);
        }
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(out::addMethod);
        return out.build();
    }

    /** The status a malformed request gets. */
    public static Status status(Malformed malformed) {
        return Status.INVALID_ARGUMENT.withDescription("the request is not a valid " + malformed.messageType()
                + " message (" + malformed.reason() + "); send a well-formed protobuf message with UTF-8 strings");
    }

    /** The status a unary call gets when it ends without any request message. */
    public static Status missing(MethodDescriptor<?, ?> method) {
        return Status.INVALID_ARGUMENT.withDescription("the call to " + method.getBareMethodName()
                + " ended without a request message");
    }

    private static <Q, R> ServerMethodDefinition<Q, R> guard(ServerMethodDefinition<Q, R> method) {
        MethodDescriptor<Q, R> descriptor = method.getMethodDescriptor();
        MethodDescriptor.Marshaller<Q> strict = descriptor.getRequestMarshaller();
        String type = messageType(descriptor);
        MethodDescriptor.Marshaller<Q> tolerant = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(Q value) {
                return strict.stream(value);
            }

            @Override
            @SuppressWarnings("unchecked")
            public Q parse(InputStream stream) {
                try {
                    return strict.parse(stream);
                } catch (RuntimeException e) {
                    String reason = reason(e);
                    LOG.debugf("refusing a malformed %s request: %s", descriptor.getFullMethodName(), reason);
                    // Erased at run time: the marker passes the transport and Quarkus's listeners
                    // untouched, and ServerCallGuard answers it before the service sees it.
                    return (Q) new Malformed(type, reason);
                }
            }
        };
        return ServerMethodDefinition.create(descriptor.toBuilder().setRequestMarshaller(tolerant).build(),
                method.getServerCallHandler());
    }

    private static String messageType(MethodDescriptor<?, ?> descriptor) {
        if (descriptor.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> p
                && p.getMessagePrototype() instanceof com.google.protobuf.Message m) {
            return m.getDescriptorForType().getFullName();
        }
        return "request for " + descriptor.getFullMethodName();
    }

    /** protobuf's own reason ("Protocol message had invalid UTF-8."), which never repeats the input. */
    private static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t instanceof com.google.protobuf.InvalidProtocolBufferException && t.getMessage() != null
                ? t.getMessage() : "unreadable bytes";
        message = message.strip();
        if (message.endsWith(".")) {
            message = message.substring(0, message.length() - 1);
        }
        return message.length() > 200 ? message.substring(0, 200) + "..." : message;
    }
}
