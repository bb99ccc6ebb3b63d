package io.rlrf.common.grpc;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GlobalInterceptor;

/**
 * Makes a call's cancellation visible to the blocking service method while it runs. With
 * {@code @Blocking}, Quarkus delivers the call's events to the service in order on a worker thread,
 * so {@code onCancel} would only arrive after the method returned, and the gRPC {@code Context} of
 * the call is not the worker's current one. This interceptor sees the call first, on the transport
 * thread: it records {@code onCancel} at once and the call's deadline (the context's, or the
 * {@code grpc-timeout} header's), and answers {@link ServerCall#isCancelled()} with both, which is
 * what {@code ServerCallStreamObserver.isCancelled()} in the service adapter asks
 * ({@link #cancelled(StreamObserver)}). Every service has it: generator-svc stops decoding, reward-svc
 * stops judging, once the caller is gone.
 */
@ApplicationScoped
@GlobalInterceptor
public class CallCancellationInterceptor implements ServerInterceptor, jakarta.enterprise.inject.spi.Prioritized {

    private static final Metadata.Key<String> TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public int getPriority() {
        return Integer.MAX_VALUE - 1; // outermost but for MessageSizeRefusal, which needs the transport's own call
    }

    /**
     * For a blocking service method: true once its call was cancelled or ran past its deadline. Asks
     * the call's observer (see the class comment), and the worker's gRPC context as well.
     */
    public static BooleanSupplier cancelled(StreamObserver<?> response) {
        Context context = Context.current();
        ServerCallStreamObserver<?> call = response instanceof ServerCallStreamObserver<?> s ? s : null;
        return () -> context.isCancelled() || (call != null && call.isCancelled());
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
            ServerCallHandler<ReqT, RespT> next) {
        Deadline deadline = Context.current().getDeadline();
        Deadline fromHeader = parseTimeout(headers.get(TIMEOUT));
        if (fromHeader != null && (deadline == null || fromHeader.isBefore(deadline))) {
            deadline = fromHeader;
        }
        CancellableCall<ReqT, RespT> watched = new CancellableCall<>(call, deadline);
        ServerCall.Listener<ReqT> listener = next.startCall(watched, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                watched.cancelled = true;
                super.onCancel();
            }
        };
    }

    /** {@code grpc-timeout}: up to 8 digits and a unit (H, M, S, m, u, n). */
    static Deadline parseTimeout(String value) {
        if (value == null || value.length() < 2) {
            return null;
        }
        try {
            long amount = Long.parseLong(value.substring(0, value.length() - 1));
            TimeUnit unit = switch (value.charAt(value.length() - 1)) {
                case 'H' -> TimeUnit.HOURS;
                case 'M' -> TimeUnit.MINUTES;
                case 'S' -> TimeUnit.SECONDS;
                case 'm' -> TimeUnit.MILLISECONDS;
                case 'u' -> TimeUnit.MICROSECONDS;
                case 'n' -> TimeUnit.NANOSECONDS;
                default -> null;
            };
            return unit == null ? null : Deadline.after(amount, unit);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static final class CancellableCall<ReqT, RespT> extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
        private final Deadline deadline;
        volatile boolean cancelled;

        CancellableCall(ServerCall<ReqT, RespT> delegate, Deadline deadline) {
            super(delegate);
            this.deadline = deadline;
        }

        @Override
        public boolean isCancelled() {
            return cancelled || (deadline != null && deadline.isExpired()) || super.isCancelled();
        }
    }
}
