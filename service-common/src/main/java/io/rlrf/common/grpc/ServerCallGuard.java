package io.rlrf.common.grpc;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import io.rlrf.common.error.GrpcErrorMapper;

/**
 * Where every call that fails ends, in every service, so that the status a caller receives is the
 * status the metrics record:
 * <ul>
 * <li>an exception from the service (or an interceptor inside this one) closes the call with
 *     {@link GrpcErrorMapper#toStatus};</li>
 * <li>a request that did not parse ({@link MalformedRequests.Malformed}) gets INVALID_ARGUMENT;</li>
 * <li>a unary call that ends without a request gets RESOURCE_EXHAUSTED when {@link MessageSizeRefusal}
 *     refused it as too large, INVALID_ARGUMENT otherwise.</li>
 * </ul>
 * It runs just inside Quarkus's gRPC metrics interceptor (priority 4000), which records the code of
 * the status its own wrapper of the call is closed with: Quarkus's exception handler sits outside
 * that wrapper and closes the transport's call directly, so every refusal it answered was recorded
 * as UNKNOWN. {@link GrpcErrorMapper} stays the handler for what fails outside this interceptor.
 */
@ApplicationScoped
@GlobalInterceptor
public class ServerCallGuard implements ServerInterceptor, jakarta.enterprise.inject.spi.Prioritized {

    /** Just inside io.quarkus.micrometer.runtime.binder.grpc.GrpcMetricsServerInterceptor (4000). */
    public static final int PRIORITY = 3000;

    private static final Logger LOG = Logger.getLogger(ServerCallGuard.class);

    @Override
    public int getPriority() {
        return PRIORITY;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        GuardedCall<Q, R> guarded = new GuardedCall<>(call);
        ServerCall.Listener<Q> listener;
        try {
            listener = next.startCall(guarded, headers);
        } catch (RuntimeException | StackOverflowError e) {
            guarded.closeOnce(GrpcErrorMapper.toStatus(e));
            return new ServerCall.Listener<>() {
            };
        }
        return new GuardedListener<>(listener, guarded, headers);
    }

    private static final class GuardedCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private volatile boolean closed;

        GuardedCall(ServerCall<Q, R> delegate) {
            super(delegate);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            closed = true;
            super.close(GrpcErrorMapper.bounded(status), trailers);
        }

        void closeOnce(Status status) {
            if (closed) {
                return;
            }
            try {
                close(status, new Metadata());
            } catch (IllegalStateException e) {
                LOG.debugf("call already closed by the transport: %s", e.getMessage());
            }
        }
    }

    private static final class GuardedListener<Q, R> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private final GuardedCall<Q, R> call;
        private final Metadata headers;
        private final boolean unaryRequest;
        private MalformedRequests.Malformed malformed;
        private boolean received;

        GuardedListener(ServerCall.Listener<Q> delegate, GuardedCall<Q, R> call, Metadata headers) {
            super(delegate);
            this.call = call;
            this.headers = headers;
            this.unaryRequest = call.getMethodDescriptor().getType().clientSendsOneMessage();
        }

        @Override
        public void onMessage(Q message) {
            if (call.closed) {
                return;
            }
            if (message instanceof MalformedRequests.Malformed m) {
                malformed = m;
                return;
            }
            received = true;
            guard(() -> super.onMessage(message));
        }

        @Override
        public void onHalfClose() {
            if (call.closed) {
                return;
            }
            if (malformed != null) {
                call.closeOnce(MalformedRequests.status(malformed));
                return;
            }
            if (unaryRequest && !received) {
                call.closeOnce(MessageSizeRefusal.refusal(headers).orElse(MalformedRequests.missing(call.getMethodDescriptor())));
                return;
            }
            guard(super::onHalfClose);
        }

        @Override
        public void onReady() {
            guard(super::onReady);
        }

        @Override
        public void onCancel() {
            try {
                super.onCancel();
            } catch (RuntimeException e) {
                GrpcErrorMapper.toStatus(e); // logged under an error id; the caller is gone
            }
        }

        @Override
        public void onComplete() {
            try {
                super.onComplete();
            } catch (RuntimeException e) {
                GrpcErrorMapper.toStatus(e);
            }
        }

        private void guard(Runnable step) {
            try {
                step.run();
            } catch (RuntimeException | StackOverflowError e) {
                call.closeOnce(GrpcErrorMapper.toStatus(e));
            }
        }
    }
}
