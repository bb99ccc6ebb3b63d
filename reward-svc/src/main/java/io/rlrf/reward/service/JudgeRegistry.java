package io.rlrf.reward.service;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.StartupEvent;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.common.error.Echo;
import io.rlrf.common.error.ServiceException;
import io.rlrf.reward.client.ChatBackend;
import io.rlrf.reward.client.LocalModelChatBackend;
import io.rlrf.reward.client.OpenAiChatBackend;
import io.rlrf.reward.client.RetryPolicy;
import io.rlrf.reward.config.RewardConfig;
import io.rlrf.tasks.verify.VerifierJudges;

/**
 * The judges this instance has and the tasks it knows, and the resolution of a request to a task,
 * a judge and the aspects to rate. Tasks: {@code arith} (the built-in world), {@code gsm8k} and
 * {@code svamp} use the math verifier; {@code facts} (the factuality world) the facts verifier; {@code open} uses the model judge, which exists only when a
 * backend is configured ({@code rlrf.reward.model-judge.backend}).
 */
@ApplicationScoped
public class JudgeRegistry {

    /** Id of the model judge on the OpenAI-compatible backend. */
    public static final String MODEL_OPENAI = "model-openai";
    /** Id of the model judge on the in-process (model library) backend. */
    public static final String MODEL_LOCAL = "model-local";
    public static final String OPEN = "open";

    /** A task: its default judge and what it is. */
    public record TaskDef(String name, String defaultJudge, String description) {
    }

    /** What a request resolves to. {@code aspects} empty: the judge selects them per item. */
    public record Resolved(String task, Judge judge, List<String> aspects) {
    }

    private final Map<String, Judge> judges = new LinkedHashMap<>();
    private final Map<String, TaskDef> tasks = new LinkedHashMap<>();
    private final Optional<Judge> modelJudge;

    public JudgeRegistry(RewardConfig config, RewardMetrics metrics) {
        VerifierJudge.all(config).forEach(j -> judges.put(j.id(), j));
        FactsJudge.all(config).forEach(j -> judges.put(j.id(), j));
        this.modelJudge = modelJudge(config, metrics);
        modelJudge.ifPresent(j -> judges.put(j.id(), j));
        String verifierTasks = " Judged by " + VerifierJudge.ID + "; the reference must end with '#### N'.";
        tasks.put("arith", new TaskDef("arith", VerifierJudge.ID,
                "The built-in world: generated multi-step arithmetic word problems in GSM8K format." + verifierTasks));
        tasks.put("gsm8k", new TaskDef("gsm8k", VerifierJudge.ID, "GSM8K grade-school math." + verifierTasks));
        tasks.put("svamp", new TaskDef("svamp", VerifierJudge.ID, "SVAMP math word problems." + verifierTasks));
        tasks.put(VerifierJudges.FACTS_TASK, new TaskDef(VerifierJudges.FACTS_TASK, FactsJudge.ID,
                "The built-in factuality world: 'Tell me about <name>.' about invented people and cities. Judged by "
                        + FactsJudge.ID + " (FactScore-style: each sentence a claim checked against the entity's record); "
                        + "the reference must be the entity's description, e.g. 'Tellan is a city in Orvia. It was founded "
                        + "in 1204. It has 52000 people.'"));
        tasks.put(OPEN, new TaskDef(OPEN, modelJudge.map(Judge::id).orElse(""), modelJudge.isPresent()
                ? "Open-ended prompts, judged by a language model on up to " + config.limits().maxAspects()
                        + " selected aspects."
                : "Open-ended prompts. Needs a model judge; none is configured (set rlrf.reward.model-judge.backend)."));
    }

    /** Fails start-up on an incomplete model judge configuration rather than on the first request. */
    void validateAtStartup(@Observes StartupEvent event) {
        judges.size();
    }

    private static Optional<Judge> modelJudge(RewardConfig config, RewardMetrics metrics) {
        RewardConfig.ModelJudge m = config.modelJudge();
        validate(m);
        return switch (m.backend()) {
            case NONE -> Optional.empty();
            case OPENAI -> {
                String url = m.openai().url().filter(u -> !u.isBlank()).orElseThrow(() -> new IllegalArgumentException(
                        "rlrf.reward.model-judge.backend=openai needs rlrf.reward.model-judge.openai.url"));
                String model = m.openai().model().filter(u -> !u.isBlank()).orElseThrow(() -> new IllegalArgumentException(
                        "rlrf.reward.model-judge.backend=openai needs rlrf.reward.model-judge.openai.model"));
                RetryPolicy retries = new RetryPolicy(m.maxRetries(), m.retryBackoff(), m.maxRetryWait());
                yield Optional.of(new ModelJudge(MODEL_OPENAI,
                        new OpenAiChatBackend(url, model, m.openai().apiKey(), m.timeout(), retries,
                                metrics.backendListener(MODEL_OPENAI)),
                        new ChatBackend.Options(m.temperature(), m.maxTokens(), m.openai().jsonMode()), m.maxAttempts(),
                        config.limits().maxAspects(), m.maxConcurrency(), metrics));
            }
            case LOCAL -> {
                Path dir = Path.of(m.local().checkpoint().filter(c -> !c.isBlank()).orElseThrow(
                        () -> new IllegalArgumentException("rlrf.reward.model-judge.backend=local needs "
                                + "rlrf.reward.model-judge.local.checkpoint (a checkpoint directory)")));
                LocalModelChatBackend backend;
                try {
                    backend = LocalModelChatBackend.load(dir, m.local().seed());
                } catch (IOException e) {
                    throw new IllegalArgumentException("rlrf.reward.model-judge.local.checkpoint: " + e.getMessage(), e);
                }
                // One model in process answers one prompt at a time (its backend is synchronized).
                yield Optional.of(new ModelJudge(MODEL_LOCAL, backend,
                        new ChatBackend.Options(m.temperature(), m.maxTokens(), false), m.maxAttempts(),
                        config.limits().maxAspects(), 1, metrics));
            }
        };
    }

    /** The model judge's numeric settings, checked at start-up whatever the backend; messages name the setting. */
    static void validate(RewardConfig.ModelJudge m) {
        String p = RewardConfig.PREFIX + ".model-judge.";
        if (m.maxAttempts() < 1) {
            throw new IllegalArgumentException(p + "max-attempts must be >= 1, got " + m.maxAttempts());
        }
        if (m.maxConcurrency() < 1) {
            throw new IllegalArgumentException(p + "max-concurrency must be >= 1, got " + m.maxConcurrency());
        }
        if (m.maxRetries() < 0) {
            throw new IllegalArgumentException(p + "max-retries must be >= 0 (0 = no retries), got " + m.maxRetries());
        }
        if (m.timeout().isNegative() || m.timeout().isZero()) {
            throw new IllegalArgumentException(p + "timeout must be above 0, got " + m.timeout());
        }
        if (m.retryBackoff().isNegative()) {
            throw new IllegalArgumentException(p + "retry-backoff must be >= 0, got " + m.retryBackoff());
        }
        if (m.maxRetryWait().isNegative()) {
            throw new IllegalArgumentException(p + "max-retry-wait must be >= 0, got " + m.maxRetryWait());
        }
    }

    public List<Judge> judges() {
        return List.copyOf(judges.values());
    }

    public List<TaskDef> tasks() {
        return List.copyOf(tasks.values());
    }

    /** Resolves task, judge and aspects, and checks the items against the judge's needs. */
    public Resolved resolve(EvaluateRequest request) {
        String task = request.getTask();
        TaskDef taskDef = null;
        if (!task.isEmpty()) {
            taskDef = tasks.get(task);
            if (taskDef == null) {
                throw ServiceException.invalidArgument("task", Echo.of(task) + " is not a known task; valid tasks: "
                        + String.join(", ", tasks.keySet()));
            }
        }
        Judge judge = judgeFor(request.getJudge(), taskDef);
        for (int i = 0; i < request.getAspectsCount(); i++) {
            String aspect = request.getAspects(i);
            if (!judge.ratableAspects().contains(aspect)) {
                throw ServiceException.invalidArgument("aspects[" + i + "]", Echo.of(aspect) + " cannot be rated by judge "
                        + judge.id() + "; it rates: " + String.join(", ", judge.ratableAspects()));
            }
        }
        List<String> aspects = request.getAspectsCount() > 0 ? List.copyOf(request.getAspectsList()) : judge.defaultAspects();
        if (judge.needsReference()) {
            for (int i = 0; i < request.getItemsCount(); i++) {
                EvaluationItem item = request.getItems(i);
                if (item.getReference().isBlank()) {
                    throw ServiceException.invalidArgument("items[" + i + "].reference",
                            "must not be empty: judge " + judge.id() + " judges the answer against it");
                }
                Optional<String> problem = judge.referenceProblem(item.getReference());
                if (problem.isPresent()) {
                    throw ServiceException.invalidArgument("items[" + i + "].reference", problem.get());
                }
            }
        }
        return new Resolved(task, judge, aspects);
    }

    private Judge judgeFor(String requested, TaskDef task) {
        if (!requested.isEmpty()) {
            Judge judge = judges.get(requested);
            if (judge != null) {
                return judge;
            }
            if (requested.equals(MODEL_OPENAI)) {
                throw ServiceException.failedPrecondition("judge " + MODEL_OPENAI + " is not configured on this server; "
                        + "set rlrf.reward.model-judge.backend=openai with rlrf.reward.model-judge.openai.url and .model");
            }
            if (requested.equals(MODEL_LOCAL)) {
                throw ServiceException.failedPrecondition("judge " + MODEL_LOCAL + " is not configured on this server; "
                        + "set rlrf.reward.model-judge.backend=local with rlrf.reward.model-judge.local.checkpoint");
            }
            throw ServiceException.invalidArgument("judge", Echo.of(requested) + " is not a known judge; valid judges: "
                    + String.join(", ", judges.keySet()));
        }
        if (task != null && !task.defaultJudge().isEmpty()) {
            return judges.get(task.defaultJudge());
        }
        return modelJudge.orElseThrow(() -> ServiceException.failedPrecondition((task == null
                ? "a request without a task is judged by the model judge"
                : "task '" + task.name() + "' is judged by the model judge")
                + ", and none is configured on this server; set rlrf.reward.model-judge.backend=openai with "
                + "rlrf.reward.model-judge.openai.url and .model (or =local with rlrf.reward.model-judge.local.checkpoint), "
                + "or use a verifier task (arith, gsm8k, svamp, facts)"));
    }
}
