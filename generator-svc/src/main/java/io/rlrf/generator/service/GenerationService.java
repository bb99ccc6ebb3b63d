package io.rlrf.generator.service;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.google.protobuf.Timestamp;

import io.grpc.Status;
import io.quarkus.runtime.StartupEvent;
import io.rlrf.api.generator.v1.Answer;
import io.rlrf.api.generator.v1.DescribeModelResponse;
import io.rlrf.api.generator.v1.FinishReason;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.GeneratorLimits;
import io.rlrf.api.generator.v1.LoadCheckpointRequest;
import io.rlrf.api.generator.v1.LoadCheckpointResponse;
import io.rlrf.api.generator.v1.ModelInfo;
import io.rlrf.api.generator.v1.ModelState;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.common.error.Echo;
import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.Check;
import io.rlrf.common.validation.Limit;
import io.rlrf.common.validation.SamplingValidation;
import io.rlrf.generator.config.GeneratorConfig;
import io.rlrf.generator.mapping.GeneratorRequests;
import io.rlrf.model.Engines;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.tokenizer.Tokenizer;

/**
 * Serves the policy: validates a call, pins the model version serving at admission, tokenizes, hands
 * every (prompt, sample) sequence to the {@link GenerationBatcher} and maps the completions back.
 *
 * <p>Seeds: sample {@code j} of every prompt is drawn with seed {@code s + j} (64-bit wrap-around),
 * where {@code s} is the request's seed or, when unset, one the server draws; each answer reports
 * its seed, and resending the prompt with {@code n = 1} and that seed reproduces it.
 */
@ApplicationScoped
public class GenerationService {

    private static final String LIMITS = GeneratorConfig.PREFIX + ".limits.";

    private final GeneratorConfig config;
    private final ModelStore store;
    private final GenerationBatcher batcher;
    private final GeneratorMetrics metrics;
    private final SecureRandom seeds = new SecureRandom();
    private final String idPrefix = "a-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final AtomicLong nextId = new AtomicLong();
    /** Builds responses off the generation worker, which must keep stepping the engine. */
    private final java.util.concurrent.Executor responses = io.smallrye.mutiny.infrastructure.Infrastructure
            .getDefaultWorkerPool();

    public GenerationService(GeneratorConfig config, ModelStore store, GenerationBatcher batcher,
            GeneratorMetrics metrics) {
        this.config = config;
        this.store = store;
        this.batcher = batcher;
        this.metrics = metrics;
        // The configured defaults must themselves be valid requests, and libtorch's thread count a number:
        // fail at start-up, not per call or at the first model load.
        Engines.configuredThreads();
        SamplingValidation.validate(GeneratorConfig.PREFIX + ".sampling", defaults(),
                GeneratorConfig.samplingLimits(config.limits()));
    }

    /** Loads the configured initial version, if any, before the service reports ready. */
    void onStart(@Observes StartupEvent event) {
        store.loadInitial();
        store.peekCurrent().ifPresentOrElse(m -> {
            metrics.loaded(m.version(), true);
            metrics.servedVersion(m::version);
        }, () -> {
            if (config.store().initialVersion().isPresent()) {
                metrics.loaded(config.store().initialVersion().get(), false);
            }
        });
    }

    /**
     * Samples n answers per prompt, without holding the calling thread while the sequences decode:
     * the call is checked, tokenized and queued here (a bad request throws at once), and the response
     * is built, off the generation worker, when the call's last sequence finishes. (A gRPC handler
     * that waited instead would hold one of Quarkus's worker threads per call, and those threads, 20
     * by default, capped how many concurrent calls could reach the engine at all.)
     *
     * @param cancelled true once the caller cancelled or its deadline passed: queued work is dropped
     *                  and running work stops at the next decode step
     */
    public CompletableFuture<GenerateResponse> generateAsync(GenerateRequest request, BooleanSupplier cancelled) {
        GeneratorRequests.validate(request, config.limits());
        ServedModel model = store.acquireCurrent().orElseThrow(() -> ServiceException.unavailable(
                "model is loading: no policy checkpoint is loaded yet"
                        + (store.lastLoadError().isEmpty() ? "" : " (" + store.lastLoadError() + ")")
                        + "; retry later or call LoadCheckpoint"));
        boolean handedOver = false;
        try {
            if (!request.getRequirePolicyVersion().isEmpty()
                    && !request.getRequirePolicyVersion().equals(model.version())) {
                throw ServiceException.failedPrecondition("require_policy_version is " + Echo.of(request.getRequirePolicyVersion())
                        + " but generator-svc serves " + Echo.of(model.version()));
            }
            io.rlrf.model.generate.SamplingParams params = resolve(request.getSampling());
            long baseSeed = request.getSampling().hasSeed() ? request.getSampling().getSeed() : seeds.nextLong();
            List<int[]> prompts = tokenize(request, model, params.maxNewTokens());
            List<GenerationRequest> sequences = new ArrayList<>(prompts.size() * request.getN());
            for (int p = 0; p < prompts.size(); p++) {
                io.rlrf.model.generate.SamplingParams own = params.withMaxNewTokens(maxNewTokens(request, p, params));
                for (int j = 0; j < request.getN(); j++) {
                    sequences.add(new GenerationRequest(prompts.get(p), own.withSeed(baseSeed + j), cancelled));
                }
            }
            List<CompletableFuture<Completion>> results = batcher.submit(model, sequences);
            // The model is released when the last sequence is done, whatever happens to the response.
            CompletableFuture<Void> all = CompletableFuture.allOf(results.toArray(CompletableFuture[]::new));
            all.whenComplete((r, e) -> model.release());
            handedOver = true;
            return all.handleAsync((r, e) -> answers(request, model, baseSeed, join(results), cancelled), responses);
        } finally {
            if (!handedOver) {
                model.release();
            }
        }
    }

    private List<Completion> join(List<CompletableFuture<Completion>> results) {
        List<Completion> completions = new ArrayList<>(results.size());
        try {
            for (CompletableFuture<Completion> r : results) {
                completions.add(r.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted while generating").asRuntimeException();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ServiceException se) {
                throw se;
            }
            throw new IllegalStateException("generation failed", e.getCause());
        }
        return completions;
    }

    private GenerateResponse answers(GenerateRequest request, ServedModel model, long baseSeed,
            List<Completion> completions, BooleanSupplier cancelled) {
        if (cancelled.getAsBoolean()) {
            // Nobody is listening any more; the status is for the log and the metrics.
            throw Status.CANCELLED.withDescription("the call was cancelled or ran past its deadline").asRuntimeException();
        }
        Tokenizer tokenizer = model.policy().requireTokenizer();
        boolean logprobs = request.getSampling().getReturnLogprobs();
        GenerateResponse.Builder response = GenerateResponse.newBuilder().setPolicyVersion(model.version());
        int k = 0;
        for (int p = 0; p < request.getPromptsCount(); p++) {
            for (int j = 0; j < request.getN(); j++) {
                Completion c = completions.get(k++);
                Answer.Builder answer = Answer.newBuilder().setId(idPrefix + nextId.incrementAndGet())
                        .setPromptId(request.getPrompts(p).getId()).setPromptIndex(p).setSampleIndex(j)
                        .setText(c.text()).setPromptTokens(c.promptTokens()).setCompletionTokens(c.tokens().length)
                        .setFinishReason(switch (c.finishReason()) {
                            case EOS, STOP_STRING -> FinishReason.FINISH_REASON_STOP;
                            case LENGTH -> FinishReason.FINISH_REASON_LENGTH;
                            case CANCELLED -> FinishReason.FINISH_REASON_UNSPECIFIED;
                        })
                        .setPolicyVersion(model.version()).setSeed(baseSeed + j);
                for (int id : c.tokens()) {
                    answer.addTokenIds(id);
                }
                if (logprobs) {
                    for (int t = 0; t < c.tokens().length; t++) {
                        answer.addTokenLogprobs(c.logprobs()[t]);
                        answer.addTokens(tokenizer.decode(new int[] {c.tokens()[t]}));
                    }
                }
                response.addAnswers(answer);
            }
        }
        return response.build();
    }

    /** Prompt {@code p}'s own max_new_tokens if it has one, else the request's. */
    private static int maxNewTokens(GenerateRequest request, int p, io.rlrf.model.generate.SamplingParams params) {
        return request.getPrompts(p).hasMaxNewTokens() ? request.getPrompts(p).getMaxNewTokens() : params.maxNewTokens();
    }

    /** Prompt ids, checked against max-prompt-tokens and the model's context length. */
    private List<int[]> tokenize(GenerateRequest request, ServedModel model, int defaultMaxNewTokens) {
        Limit maxPromptTokens = new Limit(LIMITS + "max-prompt-tokens", config.limits().maxPromptTokens());
        int positions = model.policy().config().maxPositionEmbeddings();
        List<int[]> prompts = new ArrayList<>(request.getPromptsCount());
        for (int i = 0; i < request.getPromptsCount(); i++) {
            int[] ids = model.policy().encodePrompt(request.getPrompts(i).getText());
            Check.withinLimit("prompts[" + i + "].text (tokens)", ids.length, maxPromptTokens);
            boolean own = request.getPrompts(i).hasMaxNewTokens();
            int maxNewTokens = own ? request.getPrompts(i).getMaxNewTokens() : defaultMaxNewTokens;
            if (ids.length + maxNewTokens > positions) {
                throw ServiceException.limitExceeded("prompts[" + i + "] tokens + "
                        + (own ? "prompts[" + i + "].max_new_tokens" : "sampling.max_new_tokens"),
                        ids.length + maxNewTokens, positions,
                        "max_position_embeddings of checkpoint '" + model.version() + "'");
            }
            prompts.add(ids);
        }
        return prompts;
    }

    /** The request's sampling parameters with the configured defaults filled in (seed set per sample later). */
    private io.rlrf.model.generate.SamplingParams resolve(SamplingParams p) {
        GeneratorConfig.SamplingDefaults d = config.sampling();
        return new io.rlrf.model.generate.SamplingParams(
                p.hasTemperature() ? p.getTemperature() : d.temperature(),
                p.hasTopP() ? p.getTopP() : d.topP(),
                p.hasTopK() ? p.getTopK() : d.topK(),
                p.hasMaxNewTokens() ? p.getMaxNewTokens() : d.maxNewTokens(),
                p.getStopList(), 0, p.getReturnLogprobs());
    }

    /** Loads a checkpoint from the model store and swaps it in. */
    public LoadCheckpointResponse loadCheckpoint(LoadCheckpointRequest request) {
        GeneratorRequests.validate(request);
        ModelStore.Swap swap;
        try {
            swap = store.load(request.getVersion());
        } catch (ServiceException e) {
            metrics.loaded(request.getVersion(), false);
            throw e;
        }
        metrics.loaded(swap.loaded().version(), true);
        metrics.servedVersion(() -> swap.loaded().version());
        return LoadCheckpointResponse.newBuilder().setModel(info(swap.loaded()))
                .setPreviousVersion(swap.previousVersion()).setLoadMillis(swap.loadMillis()).build();
    }

    /** Describes the loaded model, the limits and the sampling defaults. */
    public DescribeModelResponse describeModel() {
        GeneratorConfig.Limits l = config.limits();
        DescribeModelResponse.Builder response = DescribeModelResponse.newBuilder()
                .setLimits(GeneratorLimits.newBuilder().setMaxBatchPrompts(l.maxBatchPrompts()).setMaxN(l.maxN())
                        .setMaxPromptTokens(l.maxPromptTokens()).setMaxNewTokens(l.maxNewTokens())
                        .setMaxStopStrings(l.maxStopStrings()).setMaxPromptChars(l.maxPromptChars())
                        .setMaxStopStringChars(l.maxStopStringChars()))
                .setDefaults(defaults());
        store.peekCurrent().ifPresentOrElse(
                m -> response.setState(ModelState.MODEL_STATE_READY).setModel(info(m)),
                () -> response.setState(ModelState.MODEL_STATE_LOADING));
        return response.build();
    }

    /** Whether a checkpoint is loaded, and which. */
    public String servedVersion() {
        return store.peekCurrent().map(ServedModel::version).orElse(null);
    }

    private static ModelInfo info(ServedModel m) {
        LlamaConfig c = m.policy().config();
        return ModelInfo.newBuilder().setPolicyVersion(m.version()).setArchitecture("LlamaForCausalLM")
                .setParameters(c.parameterCount()).setVocabSize(c.vocabSize()).setHiddenSize(c.hiddenSize())
                .setNumLayers(c.numHiddenLayers()).setNumAttentionHeads(c.numAttentionHeads())
                .setNumKeyValueHeads(c.numKeyValueHeads()).setMaxPositionEmbeddings(c.maxPositionEmbeddings())
                .setEngine(Engines.PYTORCH + " " + Engines.pytorch().getVersion() + " "
                        + Engines.pytorch().defaultDevice())
                .setLoadedAt(Timestamp.newBuilder().setSeconds(m.loadedAt().getEpochSecond())
                        .setNanos(m.loadedAt().getNano()))
                .build();
    }

    /** The sampling parameters used for fields a request leaves unset. */
    public SamplingParams defaults() {
        GeneratorConfig.SamplingDefaults d = config.sampling();
        return SamplingParams.newBuilder()
                .setTemperature(d.temperature())
                .setTopP(d.topP())
                .setTopK(d.topK())
                .setMaxNewTokens(d.maxNewTokens())
                .build();
    }
}
