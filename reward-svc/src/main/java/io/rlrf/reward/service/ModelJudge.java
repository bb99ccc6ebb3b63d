package io.rlrf.reward.service;

import java.util.ArrayList;
import java.util.List;
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
 */
public final class ModelJudge implements Judge {

    private final String id;
    private final ChatBackend backend;
    private final ChatBackend.Options options;
    private final int maxAttempts;
    private final int maxAspects;
    private final RewardMetrics metrics;

    /**
     * @param id          the judge id, e.g. {@code model-openai}
     * @param options     sampling options of every judge prompt
     * @param maxAttempts attempts per prompt while replies do not parse, at least 1
     * @param maxAspects  most aspects the judge selects per prompt, at least 1
     */
    public ModelJudge(String id, ChatBackend backend, ChatBackend.Options options, int maxAttempts, int maxAspects,
            RewardMetrics metrics) {
        if (maxAttempts < 1 || maxAspects < 1) {
            throw new IllegalArgumentException("maxAttempts and maxAspects must be >= 1, got " + maxAttempts + " and "
                    + maxAspects);
        }
        this.id = id;
        this.backend = backend;
        this.options = options;
        this.maxAttempts = maxAttempts;
        this.maxAspects = maxAspects;
        this.metrics = metrics;
        metrics.parseFailures(id); // published at 0 from the start, so a rate over it sees the first failure
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
        Feedback.Builder feedback = Feedback.newBuilder().setStatus(FeedbackStatus.FEEDBACK_STATUS_OK)
                .setOutcome(VerifiableOutcome.newBuilder().setOutcome(Outcome.OUTCOME_NOT_VERIFIABLE));
        double sum = 0;
        for (String aspect : selected) {
            AspectCatalog.AspectDefinition definition = AspectCatalog.find(aspect).orElseThrow();
            Attempted<JudgeReplyParser.RatingReply> rating = ask(RubricPrompts.rating(item, definition),
                    JudgeReplyParser::rating);
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

    private record Attempted<T>(T value, String lastProblem) {
    }

    /** One prompt, retried while the reply does not parse. */
    private <T> Attempted<T> ask(List<ChatBackend.Message> prompt, Function<String, JudgeReplyParser.Parsed<T>> parse) {
        List<ChatBackend.Message> conversation = new ArrayList<>(prompt);
        String problem = "no attempt";
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            String reply;
            try {
                reply = backend.complete(conversation, options);
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

    private static Feedback.Builder failure(String reason) {
        return Feedback.newBuilder().setStatus(FeedbackStatus.FEEDBACK_STATUS_JUDGE_FAILURE).setFailureReason(reason)
                .setOutcome(VerifiableOutcome.newBuilder().setOutcome(Outcome.OUTCOME_NOT_VERIFIABLE));
    }
}
