package io.rlrf.trainer.client;

import java.util.function.Supplier;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.rlrf.common.error.ServiceException;
import io.rlrf.trainer.config.TrainerConfig;

/**
 * The retry policy every peer wrapper shares: UNAVAILABLE and DEADLINE_EXCEEDED are retried with
 * exponential back-off up to the configured attempts; anything else fails at once. Failures become
 * a {@link ServiceException} naming the peer and RPC (UNAVAILABLE for a peer that is down, LIMIT_EXCEEDED
 * when the peer refused the request as above one of its limits).
 */
final class PeerCalls {

    private PeerCalls() {
    }

    static <T> T call(String peer, String rpc, TrainerConfig.Peer config, Supplier<T> call) {
        long backoff = config.retryBackoff().toMillis();
        for (int attempt = 1;; attempt++) {
            try {
                return call.get();
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                boolean retryable = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
                if (!retryable || attempt >= config.maxAttempts()) {
                    String detail = e.getStatus().getDescription() == null ? code.name() : e.getStatus().getDescription();
                    String message = peer + " " + rpc + " failed after " + attempt + " attempt(s): " + code + ": " + detail;
                    throw switch (code) {
                        // The peer found the request above one of its limits (e.g. a prompt too long for the model).
                        case RESOURCE_EXHAUSTED -> new ServiceException(ServiceException.Kind.LIMIT_EXCEEDED, message);
                        case FAILED_PRECONDITION -> ServiceException.failedPrecondition(message);
                        case NOT_FOUND -> ServiceException.notFound(message);
                        default -> ServiceException.unavailable(message);
                    };
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
}
