package io.rlrf.reflector.service;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.InvalidProtocolBufferException;

import io.quarkus.runtime.Startup;
import io.rlrf.api.generator.v1.Answer;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.api.reflector.v1.DescribeReflectorResponse;
import io.rlrf.api.reflector.v1.Lineage;
import io.rlrf.api.reflector.v1.RefineItem;
import io.rlrf.api.reflector.v1.RefineRequest;
import io.rlrf.api.reflector.v1.RefineResponse;
import io.rlrf.api.reflector.v1.Refinement;
import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.common.error.Echo;
import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.SamplingValidation;
import io.rlrf.core.ContentKey;
import io.rlrf.reflector.client.GeneratorClient;
import io.rlrf.reflector.config.ReflectorConfig;
import io.rlrf.reflector.mapping.ReflectorRequests;
import io.rlrf.tasks.prompt.ReflectionPrompt;

/**
 * Self-reflection (step 4 of RLRF): for each item, the reflection prompt from the template (the
 * prompt, the previous answer, the critiques of the aspects rated below 3), m rewrites from
 * generator-svc, each with its lineage; rewrites are cached per item in "reflections".
 *
 * <p>One call: ask generator-svc which policy version serves (part of the key), look every item up
 * in the cache, send the missing items in one Generate call pinned to that version
 * ({@code require_policy_version}, so the rewrites match their key; a swap in between is retried
 * once with the new version), store them, and answer in request order.
 *
 * <p>Seeds: a request seed {@code s} gives rewrite j seed {@code s + j} (generator-svc's rule). When
 * the request sets none, {@code s} is derived from the item's content hash, so that an identical
 * request is reproducible and served from the cache.
 */
@ApplicationScoped
@Startup
public class ReflectionService {

    private final ReflectorConfig config;
    private final GeneratorClient generator;
    private final ReflectionCache cache;
    private final ReflectorMetrics metrics;
    private final ReflectionPrompt template;

    /**
     * Format tag of the "reflections" cache keys: the {@link ContentKey} of the policy version, the
     * template version, the full reflection prompt (which holds the prompt, the answer and the
     * critiques), the aspect ratings, m, and the sampling parameters, then the seed. The ids of the
     * answer and the feedback are lineage, not content, and are not part of it.
     */
    static final String KEY_FORMAT = "rlrf-reflection-v1";

    public ReflectionService(ReflectorConfig config, GeneratorClient generator, ReflectionCache cache,
            ReflectorMetrics metrics) {
        this.config = config;
        this.generator = generator;
        this.cache = cache;
        this.metrics = metrics;
        // The configured defaults must themselves be valid: fail at start-up, not per call.
        SamplingValidation.validate(ReflectorConfig.PREFIX + ".sampling", defaults(),
                ReflectorConfig.samplingLimits(config.limits()));
        try {
            this.template = new ReflectionPrompt(config.template().text(), config.template().version());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(ReflectorConfig.PREFIX + ".template: " + e.getMessage(), e);
        }
    }

    /** One item's work: its reflection prompt, cache key and seed. */
    private record Plan(int index, RefineItem item, String prompt, List<String> critiqued, String key, long seed) {
    }

    /** Returns m rewrites per item with lineage. */
    public RefineResponse refine(RefineRequest request) {
        ReflectorRequests.validate(request, config.limits());
        int m = request.getM();
        metrics.requested(request.getItemsCount() * m);
        SamplingParams sampling = resolve(request.getSampling());
        for (int attempt = 1;; attempt++) {
            String version = servedVersion(request.getRequirePolicyVersion());
            List<Plan> plans = new ArrayList<>(request.getItemsCount());
            for (int i = 0; i < request.getItemsCount(); i++) {
                plans.add(plan(i, request.getItems(i), version, m, sampling, request.getSampling().hasSeed()));
            }
            Map<String, byte[]> cached = request.getSkipCache() ? Map.of() : lookup(plans);
            Map<String, Plan> unique = new LinkedHashMap<>(); // identical items are generated once
            plans.stream().filter(p -> !cached.containsKey(p.key())).forEach(p -> unique.putIfAbsent(p.key(), p));
            List<Plan> missing = List.copyOf(unique.values());
            Map<String, List<Answer>> generated;
            try {
                generated = generate(missing, m, sampling, version);
            } catch (ServiceException e) {
                // generator-svc swapped checkpoints between DescribeModel and Generate: key again.
                if (e.kind() == ServiceException.Kind.FAILED_PRECONDITION && attempt == 1
                        && request.getRequirePolicyVersion().isEmpty()) {
                    continue;
                }
                throw e;
            }
            return answer(plans, cached, generated, version, m);
        }
    }

    private String servedVersion(String required) {
        long start = System.nanoTime();
        var description = generator.describeModel();
        metrics.generatorLatency("DescribeModel", System.nanoTime() - start);
        if (!description.hasModel() || description.getModel().getPolicyVersion().isEmpty()) {
            throw ServiceException.unavailable("generator-svc has no model loaded yet (model is loading); retry later");
        }
        String version = description.getModel().getPolicyVersion();
        if (!required.isEmpty() && !required.equals(version)) {
            throw ServiceException.failedPrecondition("require_policy_version is " + Echo.of(required)
                    + " but generator-svc serves " + Echo.of(version));
        }
        return version;
    }

    private Plan plan(int index, RefineItem item, String version, int m, SamplingParams sampling, boolean seedGiven) {
        List<ReflectionPrompt.Rating> ratings = new ArrayList<>();
        StringBuilder ratingKey = new StringBuilder();
        for (AspectFeedback a : item.getFeedback().getAspectsList()) {
            ratings.add(new ReflectionPrompt.Rating(a.getAspect(), a.getRating(), a.getCritique()));
            ratingKey.append(a.getAspect()).append('=').append(a.getRating()).append(';');
        }
        String prompt = template.render(item.getPrompt(), item.getAnswer().getText(), ratings);
        List<String> fields = new ArrayList<>(List.of(version, template.version(), prompt, ratingKey.toString(),
                Integer.toString(m), sampling.toString()));
        if (item.hasMaxNewTokens()) {
            fields.add("max_new_tokens=" + item.getMaxNewTokens()); // unset: the key of before the field
        }
        long seed;
        if (seedGiven) {
            seed = sampling.getSeed();
        } else {
            seed = ByteBuffer.wrap(HexFormat.of().parseHex(ContentKey.of(KEY_FORMAT, fields).substring(0, 16))).getLong();
        }
        List<String> keyed = new ArrayList<>(fields);
        keyed.add("seed=" + Long.toUnsignedString(seed));
        return new Plan(index, item, prompt, ReflectionPrompt.faulted(ratings), ContentKey.of(KEY_FORMAT, keyed), seed);
    }

    private Map<String, byte[]> lookup(List<Plan> plans) {
        Set<String> keys = new LinkedHashSet<>();
        plans.forEach(p -> keys.add(p.key()));
        Map<String, byte[]> found = cache.getAll(keys);
        if (cache.isUp()) {
            int hits = (int) plans.stream().filter(p -> found.containsKey(p.key())).count();
            metrics.cacheHits(hits);
            metrics.cacheMisses(plans.size() - hits);
        }
        return found;
    }

    /** One Generate call for every item not cached: prompt i's answers, keyed by the item's key. */
    private Map<String, List<Answer>> generate(List<Plan> missing, int m, SamplingParams sampling, String version) {
        Map<String, List<Answer>> out = new LinkedHashMap<>();
        if (missing.isEmpty()) {
            return out;
        }
        // Items with different seeds cannot share one Generate call (one seed per request); group them.
        Map<Long, List<Plan>> bySeed = new LinkedHashMap<>();
        for (Plan p : missing) {
            bySeed.computeIfAbsent(p.seed(), s -> new ArrayList<>()).add(p);
        }
        for (Map.Entry<Long, List<Plan>> group : bySeed.entrySet()) {
            GenerateRequest.Builder request = GenerateRequest.newBuilder().setN(m).setRequirePolicyVersion(version)
                    .setSampling(sampling.toBuilder().setSeed(group.getKey()));
            for (Plan p : group.getValue()) {
                Prompt.Builder prompt = Prompt.newBuilder().setId(p.item().getAnswer().getId()).setText(p.prompt());
                if (p.item().hasMaxNewTokens()) {
                    prompt.setMaxNewTokens(p.item().getMaxNewTokens());
                }
                request.addPrompts(prompt);
            }
            long start = System.nanoTime();
            GenerateResponse response = generator.generate(request.build());
            metrics.generatorLatency("Generate", System.nanoTime() - start);
            for (Answer a : response.getAnswersList()) {
                out.computeIfAbsent(group.getValue().get(a.getPromptIndex()).key(), k -> new ArrayList<>()).add(a);
            }
        }
        return out;
    }

    private RefineResponse answer(List<Plan> plans, Map<String, byte[]> cached, Map<String, List<Answer>> generated,
            String version, int m) {
        RefineResponse.Builder response = RefineResponse.newBuilder();
        Map<String, byte[]> toStore = new LinkedHashMap<>();
        int fromCache = 0;
        int fresh = 0;
        for (Plan p : plans) {
            byte[] bytes = cached.get(p.key());
            List<Refinement> rewrites = bytes != null ? decode(bytes) : null;
            boolean hit = rewrites != null && rewrites.size() == m;
            if (!hit) {
                rewrites = new ArrayList<>(m);
                List<Answer> answers = generated.get(p.key());
                if (answers == null) {
                    // Cached bytes were unreadable: cannot happen with this service's own entries.
                    throw ServiceException.unavailable("the cached rewrites of items[" + p.index()
                            + "] could not be read; retry with skip_cache");
                }
                for (int j = 0; j < answers.size(); j++) {
                    Answer a = answers.get(j);
                    rewrites.add(Refinement.newBuilder().setId("r-" + p.key().substring(0, 24) + "-" + j)
                            .setRewriteIndex(j).setText(a.getText()).setCompletionTokens(a.getCompletionTokens())
                            .setFinishReason(a.getFinishReason()).addAllTokenIds(a.getTokenIdsList())
                            .setLineage(Lineage.newBuilder().setPolicyVersion(a.getPolicyVersion())
                                    .setTemplateVersion(template.version()).addAllCritiquedAspects(p.critiqued())
                                    .setSeed(a.getSeed()))
                            .build());
                }
                toStore.put(p.key(), RefineResponse.newBuilder().addAllRefinements(rewrites).build().toByteArray());
            }
            for (Refinement r : rewrites) {
                // Lineage ids come from this request: the same content may arrive under other ids.
                response.addRefinements(r.toBuilder().setItemIndex(p.index()).setCached(hit)
                        .setLineage(r.getLineage().toBuilder().setSourceAnswerId(p.item().getAnswer().getId())
                                .setFeedbackId(p.item().getFeedback().getId())));
            }
            if (hit) {
                fromCache += m;
            } else {
                fresh += m;
            }
        }
        cache.putAll(toStore);
        metrics.served(fromCache, true);
        metrics.served(fresh, false);
        return response.build();
    }

    private static List<Refinement> decode(byte[] bytes) {
        try {
            return RefineResponse.parseFrom(bytes).getRefinementsList();
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    /** The request's sampling parameters with the reflection defaults filled in (seed set later). */
    private SamplingParams resolve(SamplingParams p) {
        SamplingParams d = defaults();
        SamplingParams.Builder b = p.toBuilder().clearSeed();
        if (!p.hasTemperature()) {
            b.setTemperature(d.getTemperature());
        }
        if (!p.hasTopP()) {
            b.setTopP(d.getTopP());
        }
        if (!p.hasTopK()) {
            b.setTopK(d.getTopK());
        }
        if (!p.hasMaxNewTokens()) {
            b.setMaxNewTokens(d.getMaxNewTokens());
        }
        SamplingParams resolved = b.build();
        return p.hasSeed() ? resolved.toBuilder().setSeed(p.getSeed()).build() : resolved;
    }

    /** Describes the template and the limits. */
    public DescribeReflectorResponse describe() {
        ReflectorConfig.Limits l = config.limits();
        return DescribeReflectorResponse.newBuilder().setTemplateVersion(template.version())
                .setTemplate(template.template()).setMaxItems(l.maxItems()).setMaxM(l.maxM())
                .setMaxTextChars(l.maxTextChars()).setDefaults(defaults()).setCacheAvailable(cache.probe()).build();
    }

    /** The sampling parameters used for fields a request leaves unset. */
    public SamplingParams defaults() {
        ReflectorConfig.SamplingDefaults d = config.sampling();
        return SamplingParams.newBuilder()
                .setTemperature(d.temperature())
                .setTopP(d.topP())
                .setTopK(d.topK())
                .setMaxNewTokens(d.maxNewTokens())
                .build();
    }
}
