package io.rlrf.loop.local;

import java.nio.file.Path;

import io.rlrf.loop.peer.Peers;
import io.rlrf.model.generate.BatchingLanes;
import io.rlrf.tasks.prompt.ReflectionPrompt;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The three peers in this process, for running the loop without services (the CLI's in-process mode):
 * the same stages, the same run files, no gRPC, no Infinispan.
 */
public final class LocalPeers implements AutoCloseable {

    private final LocalGenerator generator;
    private final Peers peers;

    /**
     * @param store          the model store root
     * @param batching       the generator's batching lanes (generator-svc's)
     * @param verifier       the judge's settings (reward-svc's {@code rlrf.reward.verifier.*})
     * @param reflection     the reflection template (reflector-svc's {@code rlrf.reflector.template.*})
     */
    public LocalPeers(Path store, BatchingLanes.Settings batching, VerifierParams verifier, ReflectionPrompt reflection) {
        this.generator = new LocalGenerator(store, batching);
        this.peers = new Peers(generator, new LocalReward(verifier), new LocalReflector(reflection, generator));
    }

    public Peers peers() {
        return peers;
    }

    @Override
    public void close() {
        generator.close();
    }
}
