package io.rlrf.common.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts a real Infinispan Server ({@link LocalInfinispanServer}) on free loopback ports for a
 * {@code @QuarkusTest}, points the Hot Rod client at it, and stops it afterwards. Use with
 * {@code @WithTestResource(InfinispanServerResource.class)}; a field annotated
 * {@link InjectInfinispanServer} receives the server, so a test can stop and restart it.
 */
public class InfinispanServerResource implements QuarkusTestResourceLifecycleManager {

    private LocalInfinispanServer server;

    @Override
    public Map<String, String> start() {
        server = LocalInfinispanServer.onFreePorts();
        server.start();
        return Map.of("quarkus.infinispan-client.hosts", server.hotRodAddress());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(server,
                new TestInjector.AnnotatedAndMatchesType(InjectInfinispanServer.class, LocalInfinispanServer.class));
    }
}
