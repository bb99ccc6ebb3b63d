package io.rlrf.reward.service;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

import io.rlrf.api.reward.v1.AspectFeedback;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.JudgeKind;
import io.rlrf.api.reward.v1.Outcome;
import io.rlrf.api.reward.v1.VerifiableOutcome;
import io.rlrf.common.error.ServiceException;
import io.rlrf.reward.client.ChatBackend;

/**
 * The model judge for open-ended prompts: a language model selects up to {@code max-aspects}
 * relevant aspects (unless the request lists them), then rates each aspect with its own rubric
 * prompt ({@link RubricPrompts}) in a strict JSON schema ({@link JudgeReplyParser}). A reply that
 * does not parse is retried, with the reason sent back, up to {@code max-attempts} times; after
 * that the item's feedback is a JUDGE_FAILURE naming the reason, never a made-up score. A backend
 * that cannot be reached fails the call with UNAVAILABLE.
 * <p>
 * Concurrency: every prompt to the backend takes one of {@code max-concurrency} slots, shared by all
 * calls of this server instance (a fair semaphore, so prompts are served in the order they queued);
 * an item's aspect ratings, once selected, are asked concurrently and kept in selection order. A
 * prompt keeps its slot while its backend waits out a {@code Retry-After}, so a rate-limited backend
 * gets fewer requests, not more. {@link FeedbackService} judges up to {@link #parallelism()} items of
 * a call at once.
 */
public final class ModelJudge implements Judge {

    private final String id;
    private final ChatBackend backend;
    private final ChatBackend.Options options;
    private final int maxAttempts;
    private final int maxAspects;
    /**
     * Runs aspect ratings; unbounded, because what bounds the work is the slots: a thread here mostly
     * waits for a slot or for the backend. Daemon threads, so they never keep the JVM alive.
     */
    private static final ExecutorService RATERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "model-judge-rater");
        t.setDaemon(true);
        return t;
    });

    private final RewardMetrics metrics;
    private final int maxConcurrency;
    private final Semaphore slots;

    /** A judge whose prompts go to the backend one at a time. */
    public ModelJudge(String id, ChatBackend backend, ChatBackend.Options options, int maxAttempts, int maxAspects,
            RewardMetrics metrics) {
        this(id, backend, options, maxAttempts, maxAspects, 1, metrics);
    }

    /**
     * @param id          the judge id, e.g. {@code model-openai}
     * @param options     sampling options of every judge prompt
     * @param maxAttempts attempts per prompt while replies do not parse, at least 1
     * @param maxAspects  most aspects the judge selects per prompt, at least 1
     * @param maxConcurrency most prompts in flight at once, all callers together, at least 1
     */
    public ModelJudge(String id, ChatBackend backend, ChatBackend.Options options, int maxAttempts, int maxAspects,
            int maxConcurrency, RewardMetrics metrics) {
        if (maxAttempts < 1 || maxAspects < 1 || maxConcurrency < 1) {
            throw new IllegalArgumentException("maxAttempts, maxAspects and maxConcurrency must be >= 1, got "
                    + maxAttempts + ", " + maxAspects + " and " + maxConcurrency);
        }
        this.maxConcurrency = maxConcurrency;
        this.slots = new Semaphore(maxConcurrency, true);
        this.id = id;
        this.backend = backend;
        this.options = options;
        this.maxAttempts = maxAttempts;
        this.maxAspects = maxAspects;
        this.metrics = metrics;
        metrics.parseFailures(id); // published at 0 from the start, so a rate over it sees the first failure
        metrics.inFlightGauge(id, () -> maxConcurrency - slots.availablePermits());
    }

    @Override
    public int parallelism() {
        return maxConcurrency;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public JudgeKind kind() {
        return JudgeKind.JUDGE_KIND_MODEL;
    }

    @Override
    public String rubricVersion() {
        return AspectCatalog.RUBRIC_VERSION + "+" + RubricPrompts.VERSION;
    }

    @Override
    public String fingerprint() {
        return id + "|" + rubricVersion() + "|" + backend.modelId() + "|" + options + "|max-aspects=" + maxAspects;
    }

    @Override
    public List<String> ratableAspects() {
        return AspectCatalog.all().stream().map(AspectCatalog.AspectDefinition::name).toList();
    }

    @Override
    public List<String> defaultAspects() {
        return List.of();
    }

    @Override
    public boolean needsReference() {
        return false;
    }

    @Override
    public String description() {
        return "A language model (" + backend.modelId() + ") selects up to " + maxAspects
                + " relevant aspects and rates each with a rubric prompt, answering in a strict JSON schema.";
    }

    @Override
    public Feedback.Builder judge(EvaluationItem item, List<String> aspects) {
        List<String> selected = aspects;
        if (selected.isEmpty()) {
            Attempted<List<String>> selection = ask(RubricPrompts.selection(item, maxAspects),
                    reply -> JudgeReplyParser.selection(reply, maxAspects));
            if (selection.value() == null) {
                return failure("the aspect selection reply did not match the schema after " + maxAttempts
                        + " attempts: " + selection.lastProblem());
            }
            selected = selection.value();
        }
        List<Attempted<JudgeReplyParser.RatingReply>> ratings = rateAll(item, selected);
        Feedback.Builder feedback = Feedback.newBuilder().setStatus(FeedbackStatus.FEEDBACK_STATUS_OK)
                .setOutcome(VerifiableOutcome.newBuilder().setOutcome(Outcome.OUTCOME_NOT_VERIFIABLE));
        double sum = 0;
        for (int i = 0; i < selected.size(); i++) {
            String aspect = selected.get(i);
            Attempted<JudgeReplyParser.RatingReply> rating = ratings.get(i);
            if (rating.value() == null) {
                return failure("the reply for aspect '" + aspect + "' did not match the schema after " + maxAttempts
                        + " attempts: " + rating.lastProblem());
            }
            feedback.addAspects(AspectFeedback.newBuilder().setAspect(aspect).setRating(rating.value().rating())
                    .setCritique(rating.value().rating() == 3 && rating.value().critique().isBlank() ? ""
                            : rating.value().critique()));
            sum += (rating.value().rating() - 1) / 2.0;
        }
        return feedback.setScore(sum / selected.size());
    }

    /**
     * The rating of each aspect, in the order given: asked concurrently when there are several (each
     * prompt still waits for a slot). The first backend failure cancels the others and is thrown.
     */
    private List<Attempted<JudgeReplyParser.RatingReply>> rateAll(EvaluationItem item, List<String> aspects) {
        if (aspects.size() == 1 || maxConcurrency == 1) {
            return aspects.stream().map(a -> rate(item, a)).toList();
        }
        List<Future<Attempted<JudgeReplyParser.RatingReply>>> futures = new ArrayList<>();
        try {
            for (String a : aspects) {
                futures.add(RATERS.submit(() -> rate(item, a)));
            }
            List<Attempted<JudgeReplyParser.RatingReply>> out = new ArrayList<>(aspects.size());
            for (Future<Attempted<JudgeReplyParser.RatingReply>> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ServiceException.unavailable("interrupted while the model judge rated the aspects");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            futures.forEach(f -> f.cancel(true)); // the rest, after a failure or an interrupt
        }
    }

    private Attempted<JudgeReplyParser.RatingReply> rate(EvaluationItem item, String aspect) {
        AspectCatalog.AspectDefinition definition = AspectCatalog.find(aspect).orElseThrow();
        return ask(RubricPrompts.rating(item, definition), JudgeReplyParser::rating);
    }

    private record Attempted<T>(T value, String lastProblem) {
    }

    /** One prompt, retried while the reply does not parse. */
    private <T> Attempted<T> ask(List<ChatBackend.Message> prompt, Function<String, JudgeReplyParser.Parsed<T>> parse) {
        List<ChatBackend.Message> conversation = new ArrayList<>(prompt);
        String problem = "no attempt";
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            String reply;
            try {
                reply = completeInSlot(conversation);
            } catch (ChatBackend.UnavailableException e) {
                throw ServiceException.unavailable(e.getMessage() + "; the model judge cannot answer until it is back");
            } catch (ChatBackend.RejectedException e) {
                throw ServiceException.failedPrecondition(e.getMessage()
                        + "; check rlrf.reward.model-judge.openai.* (url, model, api-key)");
            } catch (ChatBackend.MalformedReplyException e) {
                problem = e.getMessage();
                metrics.parseFailure(id);
                continue;
            }
            JudgeReplyParser.Parsed<T> parsed = parse.apply(reply);
            if (parsed instanceof JudgeReplyParser.Valid<T> valid) {
                return new Attempted<>(valid.value(), null);
            }
            problem = ((JudgeReplyParser.Invalid<T>) parsed).reason();
            metrics.parseFailure(id);
            conversation.add(new ChatBackend.Message("assistant", reply));
            conversation.add(RubricPrompts.correction(problem));
        }
        return new Attempted<>(null, problem);
    }

    /** One backend call, holding one of the shared slots while it runs. */
    private String completeInSlot(List<ChatBackend.Message> conversation)
            throws ChatBackend.UnavailableException, ChatBackend.RejectedException, ChatBackend.MalformedReplyException {
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatBackend.UnavailableException("interrupted while waiting for a model judge slot", e);
        }
        try {
            return backend.complete(List.copyOf(conversation), options);
        } finally {
            slots.release();
        }
    }

    private static Feedback.Builder failure(String reason) {
        return Feedback.newBuilder().setStatus(FeedbackStatus.FEEDBACK_STATUS_JUDGE_FAILURE).setFailureReason(reason)
                .setOutcome(VerifiableOutcome.newBuilder().setOutcome(Outcome.OUTCOME_NOT_VERIFIABLE));
    }
}
