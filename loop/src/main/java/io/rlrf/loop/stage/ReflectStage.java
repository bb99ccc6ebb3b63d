package io.rlrf.loop.stage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jboss.logging.Logger;

import io.rlrf.api.reflector.v1.RefineItem;
import io.rlrf.api.reflector.v1.RefineRequest;
import io.rlrf.api.reflector.v1.Refinement;
import io.rlrf.api.reflector.v1.SourceAnswer;
import io.rlrf.api.reward.v1.Feedback;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.loop.peer.Peers;
import io.rlrf.loop.plan.RunPlan.ReflectionPlan;
import io.rlrf.loop.plan.RunProblems;
import io.rlrf.loop.run.Records.Problem;
import io.rlrf.loop.run.Records.Rewrite;
import io.rlrf.loop.run.Records.Sample;
import io.rlrf.loop.run.Records.Selection;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunLayout;
import io.rlrf.loop.run.Seeds;

/** Step 4: m / k rewrites of every selected answer, conditioned on its feedback ({@code refinements.jsonl}). */
public final class ReflectStage implements RunStage {

    private static final Logger LOG = Logger.getLogger(ReflectStage.class);

    @Override
    public Stage stage() {
        return Stage.STAGE_REFLECT;
    }

    @Override
    public StageFigures run(StageContext ctx) {
        int t = ctx.iteration();
        String version = ctx.serve(t - 1);
        List<Problem> problems = RunProblems.train(ctx.plan(), t);
        Map<String, Sample> samples = new HashMap<>();
        for (Sample s : RunFiles.readRecords(ctx.file(RunLayout.SAMPLES), Sample.class)) {
            samples.put(s.id(), s);
        }
        Map<String, Feedback> fb = Candidates.feedbackById(ctx.file(RunLayout.FEEDBACK));
        List<String> sources = new ArrayList<>();
        for (Selection sel : RunFiles.readRecords(ctx.file(RunLayout.SELECTED), Selection.class)) {
            sources.addAll(sel.answerIds());
        }
        ReflectionPlan r = ctx.plan().reflection();
        List<Rewrite> rewrites = new ArrayList<>();
        int batch = ctx.settings().refineBatchItems();
        int calls = (sources.size() + batch - 1) / batch;
        int[] refused = {0};
        InFlight.run(calls, ctx.settings().callsInFlight(), c -> {
            int from = c * batch;
            List<String> chunk = sources.subList(from, Math.min(sources.size(), from + batch));
            long seed = Seeds.mix(ctx.plan().seed(), t, 200 + from);
            return WholeOrEach.call(chunk.size(), (lo, hi) -> refine(ctx, chunk.subList(lo, hi), lo, r, version, seed,
                    samples, problems, fb));
        }, (c, refined) -> {
            int from = c * batch;
            List<String> chunk = sources.subList(from, Math.min(sources.size(), from + batch));
            for (int i : refined.refused()) {
                LOG.warnf("run %s iteration %d: no rewrites for answer %s: %s", ctx.run().id(), t, chunk.get(i),
                        refined.reasons().get(i));
            }
            refused[0] += refined.refused().size();
            for (Refinement ref : refined.results()) {
                Sample s = samples.get(chunk.get(ref.getItemIndex()));
                var l = ref.getLineage();
                rewrites.add(new Rewrite(s.id() + "-r" + ref.getRewriteIndex(), s.promptIndex(), s.id(),
                        l.getFeedbackId(), l.getCritiquedAspectsList(), ref.getRewriteIndex(), ref.getText(),
                        ref.getCompletionTokens(), l.getPolicyVersion(), l.getTemplateVersion(), l.getSeed(),
                        ref.getFinishReason().name(), Answering.ids(ref.getTokenIdsList())));
            }
            ctx.progress(from + chunk.size(), sources.size());
            ctx.safePoint("batch-" + from);
        });
        RunFiles.writeRecords(ctx.file(RunLayout.REFINEMENTS), rewrites);
        return new StageFigures.Reflect(rewrites.size(), sources.size(), refused[0]);
    }

    /** One Refine call for {@code ids}; item indexes are shifted by {@code offset} to index the caller's chunk. */
    private static List<Refinement> refine(StageContext ctx, List<String> ids, int offset, ReflectionPlan r,
            String version, long seed, Map<String, Sample> samples, List<Problem> problems, Map<String, Feedback> fb) {
        RefineRequest.Builder request = RefineRequest.newBuilder().setM(r.perAnswer()).setRequirePolicyVersion(version)
                .setSampling(Peers.sampling(r.sampling(), seed));
        int stageMax = r.sampling().maxNewTokens();
        for (String id : ids) {
            Sample s = samples.get(id);
            Problem problem = problems.get(s.promptIndex());
            RefineItem.Builder item = RefineItem.newBuilder().setPrompt(problem.question())
                    .setAnswer(SourceAnswer.newBuilder().setId(s.id()).setText(s.text())).setFeedback(fb.get(id));
            int cap = ctx.plan().cap().tokens(problem.reference(), stageMax);
            if (cap < stageMax) {
                item.setMaxNewTokens(cap);
            }
            request.addItems(item);
        }
        List<Refinement> out = new ArrayList<>();
        for (Refinement ref : ctx.peers().reflector().refine(request.build()).getRefinementsList()) {
            out.add(ref.toBuilder().setItemIndex(ref.getItemIndex() + offset).build());
        }
        return out;
    }
}
