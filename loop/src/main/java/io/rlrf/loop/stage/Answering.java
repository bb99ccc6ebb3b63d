package io.rlrf.loop.stage;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;

import io.rlrf.api.generator.v1.Answer;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.loop.peer.Peers;
import io.rlrf.loop.run.Records.Problem;
import io.rlrf.loop.run.Records.Sample;
import io.rlrf.model.generate.SamplingParams;

/**
 * The policy's answers to problems under the answer prompt, in Generate calls of the configured size,
 * {@link io.rlrf.loop.LoopSettings#callsInFlight} of them in flight.
 */
final class Answering {

    /** A sample's id from its problem and sample index. */
    @FunctionalInterface
    interface Ids {
        String id(Problem problem, int sampleIndex);
    }

    private Answering() {
    }

    /**
     * {@code n} answers per problem from checkpoint {@code version}, each problem's answers capped by
     * the run's {@link io.rlrf.loop.plan.RunPlan.AnswerCap} within {@code params}; the batch starting at problem
     * {@code from} is sampled with seed {@code seedOfBatch(from)}.
     */
    static List<Sample> answer(StageContext ctx, List<Problem> problems, int n, SamplingParams params,
            IntToLongFunction seedOfBatch, Ids ids, String version) {
        List<Sample> out = new ArrayList<>();
        int batch = ctx.settings().generateBatchPrompts();
        int calls = (problems.size() + batch - 1) / batch;
        InFlight.run(calls, ctx.settings().callsInFlight(), c -> {
            int from = c * batch;
            List<Problem> chunk = problems.subList(from, Math.min(problems.size(), from + batch));
            GenerateRequest.Builder request = GenerateRequest.newBuilder().setN(n)
                    .setSampling(Peers.sampling(params, seedOfBatch.applyAsLong(from))).setRequirePolicyVersion(version);
            for (Problem p : chunk) {
                Prompt.Builder prompt = Prompt.newBuilder().setId(p.id())
                        .setText(ctx.settings().answerPrompt().render(p.question()));
                int cap = ctx.plan().cap().tokens(p.reference(), params.maxNewTokens());
                if (cap < params.maxNewTokens()) {
                    prompt.setMaxNewTokens(cap);
                }
                request.addPrompts(prompt);
            }
            return ctx.peers().generator().generate(request.build()).getAnswersList();
        }, (c, answers) -> {
            int from = c * batch;
            List<Problem> chunk = problems.subList(from, Math.min(problems.size(), from + batch));
            for (Answer a : answers) {
                Problem p = chunk.get(a.getPromptIndex());
                out.add(new Sample(ids.id(p, a.getSampleIndex()), p.index(), p.id(), a.getSampleIndex(), a.getText(),
                        a.getCompletionTokens(), a.getFinishReason().name(), a.getPolicyVersion(), a.getSeed(),
                        ids(a.getTokenIdsList())));
            }
            ctx.progress(from + chunk.size(), problems.size());
            ctx.safePoint("batch-" + from);
        });
        return out;
    }

    /** A response's token ids as a record keeps them; null when the peer sent none (it predates them). */
    static int[] ids(List<Integer> tokenIds) {
        return tokenIds.isEmpty() ? null : tokenIds.stream().mapToInt(Integer::intValue).toArray();
    }
}
