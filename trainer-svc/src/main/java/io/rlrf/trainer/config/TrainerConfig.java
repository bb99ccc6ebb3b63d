package io.rlrf.trainer.config;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import io.rlrf.common.client.PeerCall;
import io.rlrf.loop.config.BootstrapConfig;
import io.rlrf.loop.config.LoopConfig;
import io.rlrf.loop.config.RunLimitsConfig;
import io.rlrf.model.Compute;

/**
 * Typed configuration of trainer-svc (prefix {@code rlrf.trainer}). The defaults of a run's own
 * settings are not here: they are the loop library's {@code run-defaults.textproto} (see
 * {@link #runDefaultsFile()}), and a StartRun call overrides any of them.
 */
@ConfigMapping(prefix = "rlrf.trainer")
public interface TrainerConfig {

    String PREFIX = "rlrf.trainer";

    /** Limits a run configuration must respect; above one, StartRun gets RESOURCE_EXHAUSTED. */
    Limits limits();

    /**
     * Shared access token: when set, the RPCs that change state (StartRun, CancelRun, ResumeRun) need
     * the metadata {@code authorization: Bearer <token>}, else UNAUTHENTICATED; reads (GetRun,
     * ListRuns, WatchRun, ListCheckpoints), health and reflection stay open. No default (no check).
     */
    Optional<String> accessToken();

    /**
     * A RunConfig in protobuf text format whose set fields replace the built-in run defaults (the loop
     * library's {@code io/rlrf/loop/plan/run-defaults.textproto}, which documents every value). No
     * default: the built-in defaults.
     */
    Optional<String> runDefaultsFile();

    /** Where runs and checkpoints live. */
    Storage storage();

    /**
     * Where the training stages (SFT, DPO and its reference scoring) compute: {@code cpu},
     * {@code cuda} (GPU 0) or {@code cuda:N}, always in fp32 (full fine-tuning keeps fp32 weights and
     * AdamW state; DJL has no autocast). CUDA needs the {@code -Pcuda} build on a host with an NVIDIA
     * driver; asked for anywhere else, the service refuses to start naming this setting. The built-in
     * base policy's bootstrap stays on the CPU. Default {@code cpu}.
     */
    @WithDefault("cpu")
    String device();

    /** {@link #device()} parsed and checked against the loaded libtorch. */
    default Compute compute() {
        return Compute.parse(device(), "float32", PREFIX);
    }

    /** How the loop talks to the task and the policy ([ours] choices the method leaves open). */
    LoopConfig loop();

    /** generator-svc calls (Generate, LoadCheckpoint). */
    GeneratorCalls generator();

    /** reward-svc calls (Evaluate). */
    Peer reward();

    /** reflector-svc calls (Refine). */
    Peer reflector();

    /** The built-in base policy: SFT on the arith world, cached in the model store. */
    BootstrapConfig bootstrap();

    interface Storage {
        /**
         * Model store root, shared with generator-svc ({@code rlrf.generator.store.root}): base
         * checkpoints and every published iteration live here as store-relative versions. Default
         * {@code models}.
         */
        @WithDefault("models")
        String modelStore();

        /** Run root: one directory per run with its config, state, events and stage outputs. Default {@code runs}. */
        @WithDefault("runs")
        String runRoot();
    }


    interface Peer {
        /** Deadline of every call. Default 120s (a batch of long generations on 2 cores). */
        @WithDefault("120s")
        Duration deadline();

        /** Attempts per call; only UNAVAILABLE and DEADLINE_EXCEEDED are retried. Default 3. */
        @WithDefault("3")
        int maxAttempts();

        /** Pause before the first retry, doubled for each later one. Default 500ms. */
        @WithDefault("500ms")
        Duration retryBackoff();

        default PeerCall.Policy policy() {
            return new PeerCall.Policy(deadline(), maxAttempts(), retryBackoff());
        }
    }

    /** generator-svc: a peer whose LoadCheckpoint may be guarded by an access token. */
    interface GeneratorCalls extends Peer {
        /**
         * The token trainer-svc sends with LoadCheckpoint ({@code authorization: Bearer <token>}):
         * generator-svc's {@code rlrf.generator.access-token}, when that is set. No default (none sent).
         */
        Optional<String> accessToken();
    }

    /** The run-config limits (the loop library's {@link RunLimitsConfig}) and the trainer's own. */
    interface Limits extends RunLimitsConfig {
        /** Largest ListRuns page. Default 100. */
        @WithDefault("100")
        int maxPageSize();
    }
}
