package io.rlrf.common.error;

import java.util.Objects;

/**
 * A failure a caller can act on. Services throw it; {@link GrpcErrorMapper} turns it into the gRPC
 * status of its {@link Kind} with the message unchanged, so the message must say what was wrong and
 * how to fix it (name the field, the limit, the valid values).
 */
public final class ServiceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong, from the caller's point of view; each kind has exactly one gRPC status. */
    public enum Kind {
        /** The request is malformed: a field is missing, empty or out of range. */
        INVALID_ARGUMENT,
        /** The request is well-formed but above a configured limit (batch size, n, length, ...). */
        LIMIT_EXCEEDED,
        /** A named thing (run, checkpoint) does not exist. */
        NOT_FOUND,
        /** A thing with that name exists already and differs. */
        ALREADY_EXISTS,
        /** The system is not in the state the request needs (e.g. wrong policy version loaded). */
        FAILED_PRECONDITION,
        /** A dependency (model, peer service, backend) is not available now; retrying may succeed. */
        UNAVAILABLE,
        /** The call lacks the configured access token. */
        UNAUTHENTICATED,
        /** The RPC exists in the contract but this build does not implement it yet. */
        NOT_IMPLEMENTED
    }

    private final Kind kind;

    public ServiceException(Kind kind, String message) {
        super(Objects.requireNonNull(message, "message"));
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public ServiceException(Kind kind, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }

    /** {@code field} names the request field as the caller wrote it, e.g. {@code prompts[2].text}. */
    public static ServiceException invalidArgument(String field, String problem) {
        return new ServiceException(Kind.INVALID_ARGUMENT, field + " " + problem);
    }

    /** A value above a configured limit; the message names the field, the limit and its property. */
    public static ServiceException limitExceeded(String field, long value, long limit, String property) {
        return limitExceeded(field, java.math.BigInteger.valueOf(value), limit, property);
    }

    /** As {@link #limitExceeded(String, long, long, String)}, for a value that may not fit a long (a product). */
    public static ServiceException limitExceeded(String field, java.math.BigInteger value, long limit, String property) {
        return new ServiceException(Kind.LIMIT_EXCEEDED,
                field + " is " + value + ", above the limit of " + limit + " (set by " + property + ")");
    }

    public static ServiceException notFound(String message) {
        return new ServiceException(Kind.NOT_FOUND, message);
    }

    public static ServiceException alreadyExists(String message) {
        return new ServiceException(Kind.ALREADY_EXISTS, message);
    }

    public static ServiceException failedPrecondition(String message) {
        return new ServiceException(Kind.FAILED_PRECONDITION, message);
    }

    public static ServiceException unavailable(String message) {
        return new ServiceException(Kind.UNAVAILABLE, message);
    }

    public static ServiceException unauthenticated(String message) {
        return new ServiceException(Kind.UNAUTHENTICATED, message);
    }

    /** {@code rpc} is the full method name, e.g. {@code rlrf.generator.v1.Generator/Generate}. */
    public static ServiceException notImplemented(String rpc, String whatIsMissing) {
        return new ServiceException(Kind.NOT_IMPLEMENTED,
                rpc + " is not implemented yet in this build: " + whatIsMissing
                        + ". The request itself was valid.");
    }
}
