package io.rlrf.loop.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.EngineParams;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.lora.PeftAdapter;

/**
 * The policy in this process: checkpoints from the model store, answers from the model library's
 * {@link Generator}, with generator-svc's contract (sample j of every prompt is drawn with seed
 * {@code s + j}; the sampled token ids with the text; the request's version pin; a prompt's own
 * max_new_tokens over the request's; prompt + max_new_tokens within the model's positions, else
 * LIMIT_EXCEEDED). Every sampling field the loop sends is set, so there are no server defaults.
 */
public final class LocalGenerator implements GeneratorPeer, AutoCloseable {

    private final Path store;
    private final EngineParams engine;
    private Policy policy;
    private Generator generator; // the loaded policy's engine (its KV cache is kept between calls)
    private String version = "";

    /**
     * @param store     the model store root
     * @param batchSize sequences decoded together (the engine's rows; a finished one is replaced at once)
     */
    public LocalGenerator(Path store, int batchSize) {
        this.store = store.toAbsolutePath().normalize();
        this.engine = EngineParams.defaults().withMaxRows(batchSize);
    }

    @Override
    public synchronized LoadCheckpointResponse loadCheckpoint(String requested) {
        if (requested.equals(version)) {
            return LoadCheckpointResponse.newBuilder().setModel(ModelInfo.newBuilder().setPolicyVersion(version))
                    .setPreviousVersion(version).build();
        }
        Path dir = store.resolve(requested).normalize();
        if (!dir.startsWith(store) || !(Files.isRegularFile(dir.resolve("config.json")) || PeftAdapter.isAdapter(dir))) {
            throw ServiceException.notFound("checkpoint '" + requested + "' is not in the model store");
        }
        long start = System.nanoTime();
        Policy loaded;
        try {
            loaded = Policy.load(dir, store); // an adapter version on the store checkpoint it names
        } catch (IOException e) {
            throw new UncheckedIOException("could not load checkpoint " + requested, e);
        }
        String previous = version;
        close();
        policy = loaded;
        policy.requireTokenizer();
        generator = policy.generator(engine);
        version = requested;
        return LoadCheckpointResponse.newBuilder().setModel(ModelInfo.newBuilder().setPolicyVersion(version))
                .setPreviousVersion(previous).setLoadMillis((System.nanoTime() - start) / 1_000_000).build();
    }

    @Override
    public synchronized GenerateResponse generate(GenerateRequest request) {
        if (policy == null) {
            throw ServiceException.unavailable("no checkpoint is loaded");
        }
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
        List<Completion> completions = generator.generate(sequences);
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
    public synchronized void close() {
        if (generator != null) {
            generator.close();
            generator = null;
        }
        if (policy != null) {
            policy.close();
            policy = null;
            version = "";
        }
    }
}
