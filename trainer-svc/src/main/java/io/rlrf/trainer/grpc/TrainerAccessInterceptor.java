package io.rlrf.trainer.grpc;

import java.util.Set;

import jakarta.inject.Singleton;

import io.quarkus.grpc.GlobalInterceptor;
import io.rlrf.api.trainer.v1.TrainerGrpc;
import io.rlrf.common.auth.AccessTokenInterceptor;
import io.rlrf.trainer.config.TrainerConfig;

/** StartRun, CancelRun and ResumeRun need the access token when {@code rlrf.trainer.access-token} is set. */
@GlobalInterceptor
@Singleton
public class TrainerAccessInterceptor extends AccessTokenInterceptor {

    public TrainerAccessInterceptor(TrainerConfig config) {
        super(config.accessToken(), Set.of(TrainerGrpc.getStartRunMethod().getFullMethodName(),
                TrainerGrpc.getCancelRunMethod().getFullMethodName(), TrainerGrpc.getResumeRunMethod().getFullMethodName()),
                TrainerConfig.PREFIX + ".access-token");
    }
}
