package io.rlrf.common.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.Set;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Guards the RPCs that change state (loading a checkpoint, starting, cancelling or resuming a run)
 * with a shared access token, when one is configured: such a call must carry the metadata
 * {@code authorization: Bearer <token>}, or it is refused with UNAUTHENTICATED before it reaches
 * the service. Read-only RPCs, health and reflection stay open. No token configured: nothing is
 * checked (loopback development). A service declares a {@code @GlobalInterceptor} subclass naming
 * its guarded methods and the property that holds its token; it may exempt requests that change
 * nothing ({@link #needsToken}: trainer-svc's StartRun with {@code validate_only}), which is why the
 * decision waits for the request message.
 */
public abstract class AccessTokenInterceptor implements ServerInterceptor {

    public static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final Optional<byte[]> expected;
    private final Set<String> guarded;
    private final String property;

    /**
     * @param token    the configured token; empty or blank: no check
     * @param guarded  full method names, e.g. {@code rlrf.generator.v1.Generator/LoadCheckpoint}
     * @param property the configuration property of the token, named in the refusal
     */
    protected AccessTokenInterceptor(Optional<String> token, Set<String> guarded, String property) {
        this.expected = token.filter(t -> !t.isBlank()).map(t -> ("Bearer " + t).getBytes(StandardCharsets.UTF_8));
        this.guarded = Set.copyOf(guarded);
        this.property = property;
    }

    /**
     * Whether this request of a guarded method needs the token. Every one does, unless a service
     * exempts requests that change nothing.
     */
    protected boolean needsToken(Object request) {
        return true;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        if (expected.isEmpty() || !guarded.contains(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        String given = headers.get(AUTHORIZATION);
        // constant-time comparison: the refusal must not tell how much of the token was right
        if (given != null && MessageDigest.isEqual(expected.get(), given.getBytes(StandardCharsets.UTF_8))) {
            return next.startCall(call, headers);
        }
        Status refusal = Status.UNAUTHENTICATED.withDescription(call.getMethodDescriptor().getBareMethodName()
                + " changes state and needs the access token: send the metadata 'authorization: Bearer <token>'"
                + " with the token configured in " + property);
        if (!call.getMethodDescriptor().getType().clientSendsOneMessage()) {
            call.close(refusal, new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        // Unary request: the service method runs at half-close, after the request was seen here.
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            private boolean refused;

            @Override
            public void onMessage(Q request) {
                if (needsToken(request)) {
                    refused = true;
                    call.close(refusal, new Metadata());
                } else {
                    super.onMessage(request);
                }
            }

            @Override
            public void onHalfClose() {
                if (!refused) {
                    super.onHalfClose();
                }
            }
        };
    }
}
