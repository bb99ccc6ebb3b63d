package io.rlrf.generator.grpc;

import java.util.Set;

import jakarta.inject.Singleton;

import io.quarkus.grpc.GlobalInterceptor;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.common.auth.AccessTokenInterceptor;
import io.rlrf.generator.config.GeneratorConfig;

/** LoadCheckpoint needs the access token when {@code rlrf.generator.access-token} is set. */
@GlobalInterceptor
@Singleton
public class GeneratorAccessInterceptor extends AccessTokenInterceptor {

    public GeneratorAccessInterceptor(GeneratorConfig config) {
        super(config.accessToken(), Set.of(GeneratorGrpc.getLoadCheckpointMethod().getFullMethodName()),
                GeneratorConfig.PREFIX + ".access-token");
    }
}
