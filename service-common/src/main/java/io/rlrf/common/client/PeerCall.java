package io.rlrf.common.client;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.rlrf.common.error.ServiceException;

/**
 * How every service calls a peer, in one place: each attempt gets the deadline; UNAVAILABLE and
 * DEADLINE_EXCEEDED (and only they) are retried with exponential back-off up to the attempts; and a
 * final failure becomes the one {@link ServiceException} translation below, with a message naming the
 * peer, the RPC, the attempts, the status code and the peer's own message.
 *
 * <table>
 * <caption>The translation</caption>
 * <tr><th>peer status</th><th>kind</th></tr>
 * <tr><td>UNAVAILABLE, DEADLINE_EXCEEDED (after the retries)</td><td>UNAVAILABLE</td></tr>
 * <tr><td>INVALID_ARGUMENT</td><td>INVALID_ARGUMENT (the request carried something the peer refuses)</td></tr>
 * <tr><td>RESOURCE_EXHAUSTED</td><td>LIMIT_EXCEEDED (above one of the peer's limits)</td></tr>
 * <tr><td>FAILED_PRECONDITION, NOT_FOUND, ALREADY_EXISTS</td><td>the same kind</td></tr>
 * <tr><td>UNAUTHENTICATED, PERMISSION_DENIED</td><td>FAILED_PRECONDITION (this service's token for the peer is
 * missing or wrong: an operator must fix the configuration)</td></tr>
 * <tr><td>anything else</td><td>UNAVAILABLE</td></tr>
 * </table>
 */
public final class PeerCall {

    /**
     * A peer's call settings.
     *
     * @param deadline     of every attempt
     * @param maxAttempts  attempts per call, at least 1
     * @param retryBackoff pause before the first retry, doubled for each later one
     */
    public record Policy(Duration deadline, int maxAttempts, Duration retryBackoff) {
        public Policy {
            if (deadline == null || deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("a peer deadline must be positive, got " + deadline);
            }
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("a peer needs at least 1 attempt, got " + maxAttempts);
            }
            if (retryBackoff == null || retryBackoff.isNegative()) {
                throw new IllegalArgumentException("a peer retry back-off must be >= 0, got " + retryBackoff);
            }
        }
    }

    private PeerCall() {
    }

    /**
     * Calls {@code rpc} of {@code peer} through {@code stub} under {@code policy}.
     *
     * @throws ServiceException per the translation in the class comment
     */
    public static <S extends AbstractStub<S>, T> T call(String peer, String rpc, S stub, Policy policy,
            Function<S, T> call) {
        long backoff = policy.retryBackoff().toMillis();
        for (int attempt = 1;; attempt++) {
            try {
                return call.apply(stub.withDeadlineAfter(policy.deadline().toMillis(), TimeUnit.MILLISECONDS));
            } catch (StatusRuntimeException e) {
                if (!retryable(e.getStatus().getCode()) || attempt >= policy.maxAttempts()) {
                    throw translate(peer, rpc, e.getStatus(), attempt);
                }
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw ServiceException.unavailable("interrupted while waiting to retry " + peer + " " + rpc);
            }
            backoff *= 2;
        }
    }

    static boolean retryable(Status.Code code) {
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    }

    static ServiceException translate(String peer, String rpc, Status status, int attempts) {
        Status.Code code = status.getCode();
        String detail = status.getDescription() == null ? code.name() : status.getDescription();
        String message = peer + " " + rpc + " failed after " + attempts + " attempt(s): " + code + ": " + detail;
        ServiceException.Kind kind = switch (code) {
            case INVALID_ARGUMENT -> ServiceException.Kind.INVALID_ARGUMENT;
            case RESOURCE_EXHAUSTED -> ServiceException.Kind.LIMIT_EXCEEDED;
            case FAILED_PRECONDITION, UNAUTHENTICATED, PERMISSION_DENIED -> ServiceException.Kind.FAILED_PRECONDITION;
            case NOT_FOUND -> ServiceException.Kind.NOT_FOUND;
            case ALREADY_EXISTS -> ServiceException.Kind.ALREADY_EXISTS;
            default -> ServiceException.Kind.UNAVAILABLE;
        };
        return new ServiceException(kind, message);
    }
}
