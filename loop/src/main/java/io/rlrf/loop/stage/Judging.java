package io.rlrf.loop.stage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.reward.v1.FeedbackStatus;
import io.rlrf.api.reward.v1.Outcome;
import io.rlrf.api.reward.v1.VerifiableOutcome;
import io.rlrf.loop.run.Records.JudgeItem;
import io.rlrf.loop.run.Records.Problem;

/** Fine-grained feedback on a list of items, in Evaluate calls of the configured batch size. */
final class Judging {

    private Judging() {
    }

    /** One feedback per item, in item order, from the run's judge (empty: the task's default). */
    static List<Feedback> judge(StageContext ctx, List<Problem> problems, List<JudgeItem> items) {
        String task = ctx.plan().data().task();
        List<Feedback> out = new ArrayList<>();
        int batch = ctx.settings().judgeBatchItems();
        for (int from = 0; from < items.size(); from += batch) {
            EvaluateRequest.Builder request = EvaluateRequest.newBuilder().setTask(task).setJudge(ctx.plan().judge());
            Map<String, Feedback> byId = new HashMap<>();
            List<JudgeItem> chunk = items.subList(from, Math.min(items.size(), from + batch));
            for (JudgeItem item : chunk) {
                if (item.text().isBlank()) {
                    byId.put(item.id(), emptyAnswer(item.id(), task));
                    continue;
                }
                Problem p = problems.get(item.promptIndex());
                request.addItems(EvaluationItem.newBuilder().setId(item.id()).setPrompt(p.question())
                        .setAnswer(item.text()).setReference(p.reference()));
            }
            if (request.getItemsCount() > 0) {
                for (Feedback f : ctx.peers().reward().evaluate(request.build()).getFeedbackList()) {
                    byId.put(f.getItemId(), f);
                }
            }
            for (JudgeItem item : chunk) {
                out.add(byId.get(item.id()));
            }
            ctx.progress(Math.min(items.size(), from + batch), items.size());
            ctx.safePoint("batch-" + from);
        }
        return out;
    }

    /**
     * [ours] An empty answer (EOS first) is a real policy output reward-svc refuses to judge: it gets
     * the lowest score and NO_ANSWER here, so it can still be a rejected answer.
     */
    private static Feedback emptyAnswer(String id, String task) {
        return Feedback.newBuilder().setId("empty-" + id).setItemId(id).setStatus(FeedbackStatus.FEEDBACK_STATUS_OK)
                .setScore(0).setJudgeId("trainer:empty-answer").setTask(task)
                .setOutcome(VerifiableOutcome.newBuilder().setOutcome(Outcome.OUTCOME_NO_ANSWER)).build();
    }
}
