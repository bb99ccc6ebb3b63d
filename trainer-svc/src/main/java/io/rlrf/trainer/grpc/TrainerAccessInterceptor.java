package io.rlrf.trainer.grpc;

import java.util.Set;

import jakarta.inject.Singleton;

import io.quarkus.grpc.GlobalInterceptor;
import io.rlrf.api.trainer.v1.StartRunRequest;
import io.rlrf.api.trainer.v1.TrainerGrpc;
import io.rlrf.common.auth.AccessTokenInterceptor;
import io.rlrf.trainer.config.TrainerConfig;

/**
 * StartRun, CancelRun and ResumeRun need the access token when {@code rlrf.trainer.access-token} is
 * set; a StartRun with {@code validate_only} does not (it creates nothing, as the contract says).
 */
@GlobalInterceptor
@Singleton
public class TrainerAccessInterceptor extends AccessTokenInterceptor {

    public TrainerAccessInterceptor(TrainerConfig config) {
        super(config.accessToken(), Set.of(TrainerGrpc.getStartRunMethod().getFullMethodName(),
                TrainerGrpc.getCancelRunMethod().getFullMethodName(), TrainerGrpc.getResumeRunMethod().getFullMethodName()),
                TrainerConfig.PREFIX + ".access-token");
    }

    @Override
    protected boolean needsToken(Object request) {
        return !(request instanceof StartRunRequest start && start.getValidateOnly());
    }
}
