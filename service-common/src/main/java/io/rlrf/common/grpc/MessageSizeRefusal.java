package io.rlrf.common.grpc;

import java.lang.reflect.Field;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import io.rlrf.common.error.ServiceException;
import io.vertx.grpc.common.GrpcReadStream;
import io.vertx.grpc.common.MessageSizeOverflowException;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;

/**
 * Gives the refusal of a request above the largest accepted message a message that names the
 * property setting the limit ({@value #PROPERTY}), as every other limit's refusal does.
 *
 * <p>The Vert.x gRPC server (which serves gRPC on the HTTP port) checks the size in the frame header,
 * before any interceptor sees a message, and answers RESOURCE_EXHAUSTED with an empty message on its
 * own. This interceptor, the outermost, replaces that handler on the transport's request: a message
 * over the limit ends the call's input instead, with the reason in the call's headers, and
 * {@link ServerCallGuard} closes the call with RESOURCE_EXHAUSTED and that reason (so the metrics
 * record it too). Vert.x exposes no supported hook for this; the request is read from the bridge's
 * call by reflection, and if that ever fails (a Vert.x upgrade), the refusal keeps Vert.x's empty
 * message and a warning says so once. The bad-input suite checks the message.
 */
@ApplicationScoped
@GlobalInterceptor
public class MessageSizeRefusal implements ServerInterceptor, jakarta.enterprise.inject.spi.Prioritized {

    /** The setting of the largest request message, in bytes (service-common's microprofile-config.properties). */
    public static final String PROPERTY = "quarkus.grpc.server.max-inbound-message-size";

    private static final Logger LOG = Logger.getLogger(MessageSizeRefusal.class);
    private static final Metadata.Key<String> REFUSAL = Metadata.Key.of("x-rlrf-refusal", Metadata.ASCII_STRING_MARSHALLER);
    private static final String BRIDGE_CALL = "io.vertx.grpc.server.impl.GrpcServiceBridgeImpl$ServerCallImpl";
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private final long limit;

    public MessageSizeRefusal() {
        this.limit = ConfigProvider.getConfig().getOptionalValue(PROPERTY, Integer.class)
                .map(Integer::longValue).orElse(GrpcServerOptions.DEFAULT_MAX_MESSAGE_SIZE);
    }

    @Override
    public int getPriority() {
        return Integer.MAX_VALUE; // outermost: it needs the transport's own call
    }

    /** The refusal {@link MessageSizeRefusal} left for a call, if any. */
    static Optional<Status> refusal(Metadata headers) {
        return Optional.ofNullable(headers.get(REFUSAL)).map(m -> Status.RESOURCE_EXHAUSTED.withDescription(m));
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        headers.removeAll(REFUSAL); // only this interceptor sets it
        RefusableListener<Q> listener = new RefusableListener<>(next.startCall(call, headers));
        GrpcServerRequest<?, ?> request = transportRequest(call);
        if (request != null) {
            ((GrpcReadStream<?>) request).invalidMessageHandler(invalid -> {
                if (invalid instanceof MessageSizeOverflowException overflow) {
                    headers.put(REFUSAL, ServiceException.limitExceeded("the request message (bytes)",
                            overflow.messageSize(), limit, PROPERTY).getMessage());
                    listener.endInput();
                } else {
                    request.response().cancel(); // what Vert.x does with any other invalid message
                }
            });
        }
        return listener;
    }

    private static GrpcServerRequest<?, ?> transportRequest(ServerCall<?, ?> call) {
        if (!call.getClass().getName().equals(BRIDGE_CALL)) {
            warnOnce("the transport's call is a " + call.getClass().getName());
            return null;
        }
        try {
            Field field = call.getClass().getDeclaredField("req");
            field.setAccessible(true);
            return (GrpcServerRequest<?, ?>) field.get(call);
        } catch (ReflectiveOperationException | RuntimeException e) {
            warnOnce(e.toString());
            return null;
        }
    }

    private static void warnOnce(String why) {
        if (WARNED.compareAndSet(false, true)) {
            LOG.warnf("requests above %s will be refused without a message (%s)", PROPERTY, why);
        }
    }

    /** Forwards the transport's events until the input is ended here; ignores its events after that. */
    private static final class RefusableListener<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private volatile boolean ended;

        RefusableListener(ServerCall.Listener<Q> delegate) {
            super(delegate);
        }

        void endInput() {
            if (!ended) {
                ended = true;
                super.onHalfClose();
            }
        }

        @Override
        public void onMessage(Q message) {
            if (!ended) {
                super.onMessage(message);
            }
        }

        @Override
        public void onHalfClose() {
            if (!ended) {
                ended = true;
                super.onHalfClose();
            }
        }
    }
}
