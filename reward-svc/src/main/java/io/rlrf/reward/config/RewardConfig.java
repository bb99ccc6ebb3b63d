package io.rlrf.reward.config;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import io.rlrf.tasks.verify.VerifierParams;

/** Typed configuration of reward-svc (prefix {@code rlrf.reward}). */
@ConfigMapping(prefix = "rlrf.reward")
public interface RewardConfig {

    String PREFIX = "rlrf.reward";

    /** Limits every Evaluate call must respect; above one, a call gets RESOURCE_EXHAUSTED naming it. */
    Limits limits();

    /** The math verifier judge (tasks arith, gsm8k, svamp). */
    Verifier verifier();

    /** The model judge (task open, or any request that names it). */
    ModelJudge modelJudge();

    /** The "feedback" cache on the Infinispan Server (the Hot Rod client is configured by quarkus.infinispan-client.*). */
    Cache cache();

    interface Limits {
        /** Most items in one Evaluate call. Default 256. */
        @WithDefault("256")
        int maxBatch();

        /** Longest prompt, answer or reference, in characters. Default 16384. */
        @WithDefault("16384")
        int maxTextChars();

        /**
         * Most aspects a request may list and a model judge may select per prompt (the method
         * selects up to 3). The verifier rates its four checkable aspects unless a request lists
         * fewer. Default 3.
         */
        @WithDefault("3")
        int maxAspects();
    }

    interface Verifier {
        /** An answer longer than this many times its reference is not concise. Default 3.0. */
        @WithDefault("3.0")
        double lengthRatio();

        /** The conciseness length bound is never below this many characters. Default 200. */
        @WithDefault("200")
        int minLengthBound();

        /** Most errors one critique lists (the count of the rest is given). Default 5. */
        @WithDefault("5")
        int maxCritiqueItems();

        /**
         * Whether the logical-correctness critique states the reference answer. Default false: a
         * rewrite must fix the reasoning, not copy the number.
         */
        @WithDefault("false")
        boolean revealReferenceAnswer();

        /**
         * Whether a step computed with a wrong value carried from an earlier step is faulted too, with
         * its own right value from the corrected carried values, so that every value a rewrite needs
         * is in the feedback (tasks' {@code VerifierParams.chainedCorrections}). Default true
         * ({@code VerifierParams.SERVED_CHAINED_CORRECTIONS}: the form the built-in base is refined on).
         */
        @WithDefault(VerifierParams.SERVED_CHAINED_CORRECTIONS)
        boolean chainedCorrections();

        /**
         * Whether a wrong step's expressions are written without spaces, as the arith answers write
         * them ({@code 12+12=24}; tasks' {@code VerifierParams.compactExpressions}). Default false.
         */
        @WithDefault("false")
        boolean compactExpressions();

        /**
         * Whether a wrong step's critique is its corrected line only, as the arith answers write a step
         * ({@code line 2 should be 12+12=<<12+12=24>>24}), the wrong value not repeated (tasks'
         * {@code VerifierParams.correctedLines}). Default true ({@code VerifierParams.SERVED_CORRECTED_LINES}:
         * the form the built-in base is refined on; false gives the sentence form
         * {@code line 2: 12 + 12 = 23 is wrong; 12 + 12 = 24}).
         */
        @WithDefault(VerifierParams.SERVED_CORRECTED_LINES)
        boolean correctedLines();

        /**
         * Whether the critique of a wrong answer (its final answer is not the reference's) compares its step
         * lines with the reference solution's and names each that differs, with corrected lines as the
         * reference's line ({@code line 2 should be 8-3=<<8-3=5>>5}; tasks' {@code VerifierParams.referenceSteps}):
         * a step right on its own inputs but not the question's step is otherwise named by no critique.
         * Default false ({@code VerifierParams.SERVED_REFERENCE_STEPS}: the shipped base was not trained on such
         * critiques). For solutions written one step per line.
         */
        @WithDefault(VerifierParams.SERVED_REFERENCE_STEPS)
        boolean referenceSteps();
    }

    interface ModelJudge {
        /**
         * Which backend answers the model judge's prompts: none (no model judge), openai (an
         * OpenAI-compatible endpoint) or local (a checkpoint run in process by the model library). Default none.
         */
        @WithDefault("none")
        Backend backend();

        /** Attempts per judge prompt when replies do not match the JSON schema (1 = no retry). Default 3. */
        @WithDefault("3")
        int maxAttempts();

        /** Sampling temperature of the judge. Default 0 (greedy, reproducible where the backend allows). */
        @WithDefault("0.0")
        double temperature();

        /** Most tokens of one judge reply. Default 512. */
        @WithDefault("512")
        int maxTokens();

        /**
         * Deadline of one backend call (connect and reply). A backend that does not answer in time
         * makes the call UNAVAILABLE; timeouts are not retried. Default 60s.
         */
        @WithDefault("60s")
        Duration timeout();

        /**
         * Most judge prompts in flight at once on this server instance, all Evaluate calls together
         * (items, and each item's aspect ratings after its selection). Default 4.
         */
        @WithDefault("4")
        int maxConcurrency();

        /** Retries of one judge prompt answered HTTP 429 or 503 (0 = none). Default 3. */
        @WithDefault("3")
        int maxRetries();

        /**
         * The first wait before a retry when the answer has no {@code Retry-After}; doubled for each
         * further retry, up to {@code max-retry-wait}. Default 1s.
         */
        @WithDefault("1s")
        Duration retryBackoff();

        /**
         * The longest wait before a retry: a {@code Retry-After} above it makes the call UNAVAILABLE at
         * once (naming the wait asked for); also the cap of the backoff. Default 30s.
         */
        @WithDefault("30s")
        Duration maxRetryWait();

        /** The OpenAI-compatible chat-completions endpoint. */
        OpenAi openai();

        /** The in-process judge model. */
        Local local();
    }

    interface Local {
        /** Checkpoint directory (config.json, model.safetensors, tokenizer.json) of the judge model. No default. */
        Optional<String> checkpoint();

        /** Seed of the judge's sampling when the temperature is above 0. Default 0. */
        @WithDefault("0")
        long seed();
    }

    /** The model judge's backends. */
    enum Backend {
        NONE, OPENAI, LOCAL
    }

    interface OpenAi {
        /**
         * Base URL of the API, e.g. {@code http://127.0.0.1:8000/v1} (vLLM), {@code http://127.0.0.1:11434/v1}
         * (Ollama); {@code /chat/completions} is appended unless the URL already ends with it. No default.
         */
        Optional<String> url();

        /** Model name sent in each request, e.g. {@code Qwen/Qwen2.5-7B-Instruct}. No default. */
        Optional<String> model();

        /** API key, sent as {@code Authorization: Bearer <key>} when set. No default. */
        Optional<String> apiKey();

        /** Ask for {@code response_format: {"type": "json_object"}} (vLLM, Ollama and OpenAI accept it). Default true. */
        @WithDefault("true")
        boolean jsonMode();
    }

    interface Cache {
        /** Whether feedback is cached at all. Default true. */
        @WithDefault("true")
        boolean enabled();

        /** Name of the cache on the server. Default feedback. */
        @WithDefault("feedback")
        String name();

        /** After a cache failure, how long to answer uncached before trying the server again. Default 10s. */
        @WithDefault("10s")
        Duration retryInterval();
    }
}
