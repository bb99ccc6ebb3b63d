package io.rlrf.loop.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import io.rlrf.api.generator.v1.Answer;
import io.rlrf.api.generator.v1.FinishReason;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.LoadCheckpointResponse;
import io.rlrf.api.generator.v1.ModelInfo;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.common.error.ServiceException;
import io.rlrf.loop.peer.GeneratorPeer;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.BatchingLanes;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.EngineParams;
import io.rlrf.model.generate.GenerationEngine;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.lora.PeftAdapter;

/**
 * The policy in this process: checkpoints from the model store, answers from the model library's
 * {@link BatchingLanes} (generator-svc's continuous batching: the same lanes, engines and settings,
 * so the stages' concurrent calls share rows and prefills as they do through the service), with
 * generator-svc's contract (sample j of every prompt is drawn with seed {@code s + j}; the sampled
 * token ids with the text; the request's version pin; a prompt's own max_new_tokens over the request's;
 * prompt + max_new_tokens within the model's positions, else LIMIT_EXCEEDED). Every sampling field the
 * loop sends is set, so there are no server defaults.
 *
 * <p>Calls run concurrently; loading a checkpoint waits for the calls in progress and holds new ones
 * until it is done, so a call runs on one version from start to end.
 */
public final class LocalGenerator implements GeneratorPeer, AutoCloseable {

    /** A loaded checkpoint and its engines, one per lane (each used by its lane's worker only). */
    private static final class Loaded implements BatchingLanes.Model {

        final String version;
        final Policy policy;
        private final Map<Integer, GenerationEngine> engines = new ConcurrentHashMap<>();
        private volatile boolean closed;

        Loaded(String version, Policy policy) {
            this.version = version;
            this.policy = policy;
        }

        @Override
        public GenerationEngine engine(int lane, EngineParams params) {
            return engines.computeIfAbsent(lane, l -> policy.generationEngine(params));
        }

        @Override
        public boolean tryAcquire() {
            return !closed; // the swap lock keeps a loaded model open while a call uses it
        }

        @Override
        public void release() {
        }

        @Override
        public String version() {
            return version;
        }

        void close() {
            closed = true;
            engines.values().forEach(GenerationEngine::close);
            policy.close();
        }
    }

    private final Path store;
    private final BatchingLanes<Loaded> lanes;
    private final ReadWriteLock swap = new ReentrantReadWriteLock(); // calls read, loading writes
    private Loaded loaded; // guarded by swap

    /**
     * @param store    the model store root
     * @param batching the lanes and each lane engine's rows (generator-svc's {@code batching.*} settings)
     */
    public LocalGenerator(Path store, BatchingLanes.Settings batching) {
        this.store = store.toAbsolutePath().normalize();
        this.lanes = new BatchingLanes<>(batching, BatchingLanes.Listener.NONE);
    }

    @Override
    public LoadCheckpointResponse loadCheckpoint(String requested) {
        swap.writeLock().lock();
        try {
            String previous = loaded == null ? "" : loaded.version;
            if (requested.equals(previous)) {
                return LoadCheckpointResponse.newBuilder().setModel(ModelInfo.newBuilder().setPolicyVersion(previous))
                        .setPreviousVersion(previous).build();
            }
            Path dir = store.resolve(requested).normalize();
            if (!dir.startsWith(store) || !(Files.isRegularFile(dir.resolve("config.json")) || PeftAdapter.isAdapter(dir))) {
                throw ServiceException.notFound("checkpoint '" + requested + "' is not in the model store");
            }
            long start = System.nanoTime();
            Policy policy;
            try {
                policy = Policy.load(dir, store); // an adapter version on the store checkpoint it names
            } catch (IOException e) {
                throw new UncheckedIOException("could not load checkpoint " + requested, e);
            }
            try {
                policy.requireTokenizer(); // answers are text
            } catch (RuntimeException e) {
                policy.close();
                throw e;
            }
            closeLoaded();
            loaded = new Loaded(requested, policy);
            return LoadCheckpointResponse.newBuilder().setModel(ModelInfo.newBuilder().setPolicyVersion(requested))
                    .setPreviousVersion(previous).setLoadMillis((System.nanoTime() - start) / 1_000_000).build();
        } finally {
            swap.writeLock().unlock();
        }
    }

    @Override
    public GenerateResponse generate(GenerateRequest request) {
        swap.readLock().lock();
        try {
            return generate(request, loaded);
        } finally {
            swap.readLock().unlock();
        }
    }

    private GenerateResponse generate(GenerateRequest request, Loaded loaded) {
        if (loaded == null) {
            throw ServiceException.unavailable("no checkpoint is loaded");
        }
        String version = loaded.version;
        Policy policy = loaded.policy;
        if (!request.getRequirePolicyVersion().isEmpty() && !request.getRequirePolicyVersion().equals(version)) {
            throw ServiceException.failedPrecondition("require_policy_version is '" + request.getRequirePolicyVersion()
                    + "' but '" + version + "' is loaded");
        }
        SamplingParams p = request.getSampling();
        io.rlrf.model.generate.SamplingParams params = new io.rlrf.model.generate.SamplingParams(p.getTemperature(),
                p.getTopP(), p.getTopK(), p.getMaxNewTokens(), p.getStopList(), 0, false);
        int positions = policy.config().maxPositionEmbeddings();
        List<GenerationRequest> sequences = new ArrayList<>();
        for (int i = 0; i < request.getPromptsCount(); i++) {
            Prompt prompt = request.getPrompts(i);
            io.rlrf.model.generate.SamplingParams own = prompt.hasMaxNewTokens()
                    ? params.withMaxNewTokens(prompt.getMaxNewTokens()) : params;
            int[] ids = policy.encodePrompt(prompt.getText());
            if (ids.length + own.maxNewTokens() > positions) {
                throw ServiceException.limitExceeded("prompts[" + i + "] tokens + max_new_tokens",
                        ids.length + own.maxNewTokens(), positions, "max_position_embeddings of '" + version + "'");
            }
            for (int j = 0; j < request.getN(); j++) {
                sequences.add(new GenerationRequest(ids, own.withSeed(p.getSeed() + j)));
            }
        }
        List<Completion> completions = new ArrayList<>(sequences.size());
        for (CompletableFuture<Completion> c : lanes.submit(loaded, sequences)) {
            completions.add(c.join());
        }
        GenerateResponse.Builder response = GenerateResponse.newBuilder().setPolicyVersion(version);
        int k = 0;
        for (int i = 0; i < request.getPromptsCount(); i++) {
            for (int j = 0; j < request.getN(); j++) {
                Completion c = completions.get(k++);
                Answer.Builder answer = Answer.newBuilder();
                for (int id : c.tokens()) {
                    answer.addTokenIds(id);
                }
                response.addAnswers(answer.setPromptId(request.getPrompts(i).getId()).setPromptIndex(i)
                        .setSampleIndex(j).setText(c.text()).setPromptTokens(c.promptTokens())
                        .setCompletionTokens(c.tokens().length)
                        .setFinishReason(c.finishReason() == io.rlrf.model.generate.FinishReason.LENGTH
                                ? FinishReason.FINISH_REASON_LENGTH : FinishReason.FINISH_REASON_STOP)
                        .setPolicyVersion(version).setSeed(p.getSeed() + j));
            }
        }
        return response.build();
    }

    @Override
    public void close() {
        swap.writeLock().lock();
        try {
            lanes.close();
            closeLoaded();
        } finally {
            swap.writeLock().unlock();
        }
    }

    private void closeLoaded() {
        if (loaded != null) {
            loaded.close();
            loaded = null;
        }
    }
}
