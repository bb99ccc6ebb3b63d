package io.rlrf.loop.lab;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

import io.rlrf.model.Policy;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.Generator;
import io.rlrf.model.generate.SamplingParams;

/** Generates from a policy in batches of similar prompt length (less padding), results in request order. */
public final class Sampler {

    /** One request: a prompt text and its sampling parameters (seeded). */
    public record Request(String prompt, SamplingParams params) {
    }

    private final Policy policy;
    private final Generator generator;
    private final int batch;

    public Sampler(Policy policy, int batch) {
        this.policy = policy;
        policy.requireTokenizer();
        this.generator = policy.generator();
        this.batch = batch;
    }

    /** Whether {@code prompt} plus {@code maxNewTokens} fits the model's positions. */
    public boolean fits(String prompt, int maxNewTokens) {
        return policy.encodePrompt(prompt).length + maxNewTokens <= policy.config().maxPositionEmbeddings();
    }

    public List<String> generate(List<Request> requests) {
        List<int[]> encoded = requests.stream().map(r -> policy.encodePrompt(r.prompt())).toList();
        Integer[] order = IntStream.range(0, requests.size()).boxed().toArray(Integer[]::new);
        java.util.Arrays.sort(order, Comparator.comparingInt(i -> encoded.get(i).length));
        String[] out = new String[requests.size()];
        for (int from = 0; from < order.length; from += batch) {
            List<GenerationRequest> chunk = new ArrayList<>();
            int to = Math.min(order.length, from + batch);
            for (int i = from; i < to; i++) {
                chunk.add(new GenerationRequest(encoded.get(order[i]), requests.get(order[i]).params()));
            }
            List<Completion> done = generator.generate(chunk);
            for (int i = from; i < to; i++) {
                out[order[i]] = done.get(i - from).text();
            }
        }
        return List.of(out);
    }
}
