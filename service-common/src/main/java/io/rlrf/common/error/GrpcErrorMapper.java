package io.rlrf.common.error;

import java.lang.reflect.InvocationTargetException;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.ExceptionHandler;
import io.quarkus.grpc.ExceptionHandlerProvider;

/**
 * The one place where a service's exceptions become gRPC statuses. {@link ServiceException}s keep
 * their message; gRPC statuses pass through; anything else is a bug on our side and becomes
 * INTERNAL with a generic message and an error id, while the detail goes to the log under that id
 * (never a Java class name on the wire). Every description is bounded ({@link #MAX_DESCRIPTION_CHARS}):
 * a status message travels in an HTTP/2 trailer, and one of several KiB makes clients reset the
 * stream or hang; values a message repeats are cut where they are named ({@link Echo}).
 */
@ApplicationScoped
public class GrpcErrorMapper implements ExceptionHandlerProvider {

    private static final Logger LOG = Logger.getLogger(GrpcErrorMapper.class);

    /** Longest status description sent; a longer one is cut, saying so. */
    public static final int MAX_DESCRIPTION_CHARS = 1024;

    /** Maps any throwable to the status the caller receives. */
    public static Status toStatus(Throwable error) {
        Throwable t = unwrap(error);
        if (t instanceof ServiceException se) {
            return statusOf(se.kind()).withDescription(bounded(se.getMessage()));
        }
        if (t instanceof StatusRuntimeException sre) {
            return bounded(sre.getStatus());
        }
        if (t instanceof StatusException se) {
            return bounded(se.getStatus());
        }
        String errorId = UUID.randomUUID().toString();
        LOG.errorf(t, "Unexpected failure while serving a gRPC call (error id %s)", errorId);
        return Status.INTERNAL.withDescription(
                "internal error; the service log has the details under error id " + errorId);
    }

    /** {@code status} with its description cut to {@link #MAX_DESCRIPTION_CHARS} characters. */
    public static Status bounded(Status status) {
        String description = status.getDescription();
        return description == null || description.length() <= MAX_DESCRIPTION_CHARS ? status
                : status.withDescription(bounded(description));
    }

    static String bounded(String description) {
        if (description.length() <= MAX_DESCRIPTION_CHARS) {
            return description;
        }
        String suffix = "... (message cut: " + description.length() + " characters)";
        int keep = MAX_DESCRIPTION_CHARS - suffix.length();
        if (Character.isHighSurrogate(description.charAt(keep - 1))) {
            keep--;
        }
        return description.substring(0, keep) + suffix;
    }

    static Status statusOf(ServiceException.Kind kind) {
        return switch (kind) {
            case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
            case LIMIT_EXCEEDED -> Status.RESOURCE_EXHAUSTED;
            case NOT_FOUND -> Status.NOT_FOUND;
            case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
            case NOT_IMPLEMENTED -> Status.UNIMPLEMENTED;
        };
    }

    /** Quarkus and CDI interceptors may wrap the exception a service threw; the cause is what counts. */
    private static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while ((current instanceof CompletionException || current instanceof ExecutionException
                || current instanceof InvocationTargetException) && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    @Override
    public <ReqT, RespT> ExceptionHandler<ReqT, RespT> createHandler(ServerCall.Listener<ReqT> listener,
            ServerCall<ReqT, RespT> call, Metadata metadata) {
        return new ExceptionHandler<>(listener, call, metadata) {
            @Override
            protected void handleException(Throwable error, ServerCall<ReqT, RespT> serverCall, Metadata trailers) {
                serverCall.close(toStatus(error), trailers);
            }
        };
    }

    @Override
    public Throwable transform(Throwable error) {
        return toStatus(error).asException();
    }
}
