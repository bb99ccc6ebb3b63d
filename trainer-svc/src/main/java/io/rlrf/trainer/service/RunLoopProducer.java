package io.rlrf.trainer.service;

import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.rlrf.loop.RunLoop;
import io.rlrf.loop.bootstrap.Bootstrap;
import io.rlrf.loop.peer.Peers;
import io.rlrf.trainer.client.GeneratorClient;
import io.rlrf.trainer.client.ReflectorClient;
import io.rlrf.trainer.client.RewardClient;
import io.rlrf.trainer.config.TrainerConfig;

/**
 * The loop library wired to this service: gRPC peers, the configured settings and store, the
 * metrics, and the safe points tests replace (singletons: the loop's classes are final, not proxied).
 */
@ApplicationScoped
public class RunLoopProducer {

    @Produces
    @Singleton
    Bootstrap bootstrap(TrainerConfig config) {
        return new Bootstrap(config.bootstrap().spec(), config.loop().settings().answerPrompt(),
                Path.of(config.storage().modelStore()));
    }

    @Produces
    @Singleton
    RunLoop loop(TrainerConfig config, GeneratorClient generator, RewardClient reward, ReflectorClient reflector,
            Bootstrap bootstrap, TrainerMetrics metrics, RunSafePoints safePoints) {
        return new RunLoop(new Peers(generator, reward, reflector), config.loop().settings().withCompute(config.compute()),
                Path.of(config.storage().modelStore()), bootstrap, metrics, safePoints);
    }
}
