package io.rlrf.generator.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.rlrf.common.validation.Limit;
import io.rlrf.common.validation.SamplingValidation;
import io.rlrf.model.Compute;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Typed configuration of generator-svc (prefix {@code rlrf.generator}). */
@ConfigMapping(prefix = "rlrf.generator")
public interface GeneratorConfig {

    String PREFIX = "rlrf.generator";

    /** Limits every request must respect; above one, a call gets RESOURCE_EXHAUSTED naming it. */
    Limits limits();

    /** Values used for the SamplingParams fields a caller leaves unset. */
    SamplingDefaults sampling();

    /** The model store: where checkpoints live and which one to serve at start-up. */
    Store store();

    /** How sequences of concurrent calls share the generation engine (continuous batching). */
    Batching batching();

    /**
     * Where the served policy computes: {@code cpu}, {@code cuda} (GPU 0) or {@code cuda:N}. CUDA needs
     * the {@code -Pcuda} build on a host with an NVIDIA driver; asked for anywhere else, the service
     * refuses to start with a message naming this setting. Default {@code cpu}.
     */
    @WithDefault("cpu")
    String device();

    /**
     * Precision of the served policy's weights, activations and K/V cache: {@code float32} or
     * {@code float16} (half the memory; RMSNorm statistics and logits stay fp32). {@code bfloat16} is
     * refused: DJL's PyTorch engine cannot create bf16 tensors. Default {@code float32}.
     */
    @WithDefault("float32")
    String computeDtype();

    /** {@link #device()} and {@link #computeDtype()}, parsed and checked against the loaded libtorch. */
    default Compute compute() {
        return Compute.parse(device(), computeDtype(), PREFIX);
    }

    /**
     * Shared access token: when set, LoadCheckpoint (which changes what every caller gets) needs the
     * metadata {@code authorization: Bearer <token>}, else UNAUTHENTICATED. Generate, DescribeModel,
     * health and reflection stay open. No default (no check; loopback development).
     */
    Optional<String> accessToken();

    interface Store {
        /**
         * Root directory of the model store; a version is a path relative to it holding a checkpoint
         * in the model library's format (config.json, model.safetensors, tokenizer.json). Default
         * {@code models} (relative to the working directory).
         */
        @WithDefault("models")
        Path root();

        /**
         * Version to load at start-up, relative to the root. Default: none, so the service starts
         * with no model (Generate answers UNAVAILABLE, readiness is DOWN) until LoadCheckpoint.
         */
        Optional<String> initialVersion();

        /**
         * For demos and tests only: when {@code initial-version} does not exist, create it as a tiny
         * character-level policy with random weights (seeded) instead of failing. Default false.
         */
        @WithDefault("false")
        boolean initializeIfMissing();
    }

    interface Batching {
        /**
         * Most sequences (prompt x sample) decoding together: the rows of the generation engine's KV
         * cache. A finished row leaves at once and a waiting sequence, from any call, takes its place.
         * Default 256.
         */
        @WithDefault("256")
        int maxBatchSequences();

        /**
         * Batching lanes stepping in parallel, 1 to 64: each has its own worker thread, generation
         * engine and KV cache over the same weights (max-batch-sequences and max-batch-tokens are per
         * lane), and libtorch's threads ({@code rlrf.torch.threads}, every core by default) are divided
         * among them. A call's prompts are spread over the lanes, each prompt's sequences together. For a
         * policy too small to keep every core busy in one forward pass (the built-in 4-layer d=128
         * policy on 2 cores: 2 lanes of 1 thread made 1.5-1.7x the tokens/s of 1 lane of 2 threads at
         * the sampling stage's shape and 1.3-1.5x at the reflection stage's), set it to the number of
         * cores; keep 1 for larger models, whose matrix products use every core well, and on a GPU.
         * Default 1.
         */
        @WithDefault("1")
        int lanes();

        /**
         * Most KV positions the sequences decoding together may reserve, each its prompt tokens plus
         * its max_new_tokens: a batch of long reflection prompts holds fewer sequences than one of
         * short questions. A sequence that alone exceeds it still runs, alone. Default 102400.
         */
        @WithDefault("102400")
        int maxBatchTokens();

        /** Prompt positions per prefill pass: prompts run through the KV cache in chunks of this size. Default 64. */
        @WithDefault("64")
        int prefillChunk();

        /** Most prompt tokens (prompts x chunk) in one prefill pass. Default 1024. */
        @WithDefault("1024")
        int prefillBatchTokens();

        /**
         * Compute each distinct prompt once and copy its keys and values to every sequence with the
         * same prompt (the n samples of a prompt, identical prompts of concurrent calls, a sequence
         * admitted while a sibling still decodes). Default true.
         */
        @WithDefault("true")
        boolean sharePrefixes();

        /**
         * With share-prefixes, a prompt that begins with at least this many tokens of a prompt a
         * sequence holds (the two reflection prompts of one question share the question and the
         * drafts' first lines; users' prompts may share a long system prompt) copies those keys and
         * values and prefills only the rest. 0 shares whole prompts only. Default 32.
         */
        @WithDefault("32")
        int minSharedPrefix();

        /**
         * While sequences decode, a prompt that must be prefilled is admitted only once this many rows
         * are free (or every waiting sequence fits), so that prefill runs for several prompts at a
         * time; a sequence whose prompt a decoding sequence holds joins as soon as a row is free.
         * Default 128 (half of max-batch-sequences' default: see the model library's EngineParams).
         */
        @WithDefault("128")
        int minAdmitSequences();

        /**
         * When the engine is idle, the longest the first arriving sequence waits for others to join its
         * first step (concurrent calls then share one prefill); the wait also ends 1 ms after the
         * latest arrival, so a lone call hardly waits. Default 5ms.
         */
        @WithDefault("5ms")
        Duration maxWait();

        /**
         * Most sequences waiting to start decoding; above it Generate answers RESOURCE_EXHAUSTED naming
         * this property. Default 4096.
         */
        @WithDefault("4096")
        int maxQueuedSequences();
    }

    interface Limits {
        /** Most prompts in one Generate call. Default 64. */
        @WithDefault("64")
        int maxBatchPrompts();

        /** Most answers per prompt (n). Default 32. */
        @WithDefault("32")
        int maxN();

        /** Most prompt characters, checked before tokenizing. Default 16384. */
        @WithDefault("16384")
        int maxPromptChars();

        /** Most prompt tokens after tokenizing. Default 1024. */
        @WithDefault("1024")
        int maxPromptTokens();

        /** Largest max_new_tokens a request may ask for. Default 512. */
        @WithDefault("512")
        int maxNewTokens();

        /** Most stop strings per request. Default 8. */
        @WithDefault("8")
        int maxStopStrings();

        /** Longest stop string, in characters. Default 64. */
        @WithDefault("64")
        int maxStopStringChars();
    }

    interface SamplingDefaults {
        /** Default 0.8 (the method's sampling temperature). */
        @WithDefault("0.8")
        float temperature();

        /** Default 0.95. */
        @WithDefault("0.95")
        float topP();

        /** Default 0 (off). */
        @WithDefault("0")
        int topK();

        /** Default 256. */
        @WithDefault("256")
        int maxNewTokens();
    }

    /** The limits that apply to a SamplingParams message, with the properties that set them. */
    static SamplingValidation.Limits samplingLimits(Limits limits) {
        return new SamplingValidation.Limits(
                new Limit(PREFIX + ".limits.max-new-tokens", limits.maxNewTokens()),
                new Limit(PREFIX + ".limits.max-stop-strings", limits.maxStopStrings()),
                new Limit(PREFIX + ".limits.max-stop-string-chars", limits.maxStopStringChars()));
    }
}
