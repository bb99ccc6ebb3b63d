package io.rlrf.loop.peer;

import java.util.List;
import java.util.Objects;

import io.rlrf.model.generate.SamplingParams;

/** The three peers a run calls, and the one mapping of the loop's sampling parameters to their contract. */
public record Peers(GeneratorPeer generator, RewardPeer reward, ReflectorPeer reflector) {

    public Peers {
        Objects.requireNonNull(generator, "generator");
        Objects.requireNonNull(reward, "reward");
        Objects.requireNonNull(reflector, "reflector");
    }

    /** {@code p} as the generator contract's sampling parameters, with {@code seed}. */
    public static io.rlrf.api.generator.v1.SamplingParams sampling(SamplingParams p, long seed) {
        List<String> stop = p.stop();
        return io.rlrf.api.generator.v1.SamplingParams.newBuilder().setTemperature((float) p.temperature())
                .setTopP((float) p.topP()).setTopK(p.topK()).setMaxNewTokens(p.maxNewTokens()).addAllStop(stop)
                .setSeed(seed).build();
    }
}
