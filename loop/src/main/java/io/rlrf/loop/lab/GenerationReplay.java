package io.rlrf.loop.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import ai.djl.pytorch.jni.JniUtils;

import io.rlrf.model.Engines;
import io.rlrf.model.Policy;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.EngineParams;
import io.rlrf.model.generate.GenerationEngine;
import io.rlrf.model.generate.GenerationRequest;
import io.rlrf.model.generate.SamplingParams;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.arith.ArithLevel;
import io.rlrf.tasks.arith.ArithWorld;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The generation work of the main job's rlrf iteration, in process through one engine, with the
 * engine's own prefill and decode times: Q level-1 train questions x 8 samples (T 0.8, top-p 0.95),
 * then 4 rewrites (T 0.7) of each question's 2 best faulted samples under the default verifier's
 * critiques in the form reward-svc serves, answers capped at 3x the reference length as the main job caps them. Prints, for each
 * round, both stages' wall, prefill and decode seconds, the prompt tokens computed and copied, and
 * reflection's time per rewrite over sampling's per sample.
 *
 * <p>{@code GenerationReplay <checkpoint> [threads] [questions] [min-shared-prefix] [rounds]}
 * (defaults 1, 256, the engine's default, 2).
 */
public final class GenerationReplay {

    private static final int SAMPLES = 8;
    private static final int SOURCES = 2;
    private static final int REWRITES = 4;

    private GenerationReplay() {
    }

    /** What one stage cost. */
    record Stage(int sequences, double wall, double prefill, double decode, long computed, long shared,
            long decodeRows, long decodeComputed, List<String> texts) {
    }

    public static void main(String[] args) throws Exception {
        Engines.pytorch();
        JniUtils.setNumThreads(args.length > 1 ? Integer.parseInt(args[1]) : 1);
        int questions = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        EngineParams params = args.length > 3 ? EngineParams.defaults().withMinSharedPrefix(Integer.parseInt(args[3]))
                : EngineParams.defaults();
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        List<MathProblem> problems = ArithWorld.generate(ArithLevel.L1, Split.TRAIN, questions, 1);
        MathVerifier verifier = new MathVerifier(VerifierParams.SERVED);
        try (Policy policy = Policy.load(Path.of(args[0]))) {
            for (int round = 0; round < rounds; round++) {
                List<GenerationRequest> sampling = new ArrayList<>();
                for (int i = 0; i < problems.size(); i++) {
                    int[] prompt = policy.encodePrompt(Arith.answerPrompt(problems.get(i).question()));
                    for (int j = 0; j < SAMPLES; j++) {
                        sampling.add(new GenerationRequest(prompt, SamplingParams.sample(0.8, 0.95, cap(policy,
                                problems.get(i)), 1000L * i + j)));
                    }
                }
                Stage s = run(policy, params, sampling);
                List<GenerationRequest> reflection = new ArrayList<>();
                for (int i = 0; i < problems.size(); i++) {
                    MathProblem p = problems.get(i);
                    List<Verdict> verdicts = new ArrayList<>();
                    List<String> drafts = new ArrayList<>();
                    for (int j = 0; j < SAMPLES; j++) {
                        String draft = s.texts().get(i * SAMPLES + j);
                        Verdict v = verifier.verify(p.question(), draft, p.solution());
                        if (v.ratings().stream().anyMatch(r -> r.rating() < 3)) {
                            verdicts.add(v);
                            drafts.add(draft);
                        }
                    }
                    List<Integer> order = new ArrayList<>();
                    for (int k = 0; k < verdicts.size(); k++) {
                        order.add(k);
                    }
                    order.sort(Comparator.comparingDouble(k -> -verdicts.get(k).score()));
                    for (int k = 0; k < Math.min(SOURCES, order.size()); k++) {
                        int[] prompt = policy.encodePrompt(Arith.reflectionPrompt(p.question(), drafts.get(order.get(k)),
                                verdicts.get(order.get(k))));
                        for (int r = 0; r < REWRITES; r++) {
                            reflection.add(new GenerationRequest(prompt, SamplingParams.sample(0.7, 0.95, cap(policy, p),
                                    7000L * i + 10L * k + r)));
                        }
                    }
                }
                Stage f = run(policy, params, reflection);
                System.out.printf("round %d, min shared prefix %d:%n", round, params.minSharedPrefix());
                print("sampling", s);
                print("reflection", f);
                System.out.printf("  per rewrite / per sample: %.2fx (prefill %.2fx, decode %.2fx)%n",
                        (f.wall() / f.sequences()) / (s.wall() / s.sequences()),
                        (f.prefill() / f.sequences()) / (s.prefill() / s.sequences()),
                        (f.decode() / f.sequences()) / (s.decode() / s.sequences()));
            }
        }
    }

    /** The main job's answer cap: 3x the reference's tokens. */
    private static int cap(Policy policy, MathProblem p) {
        return Math.max(16, 3 * policy.encodeCompletion(p.solution()).length);
    }

    private static void print(String name, Stage s) {
        System.out.printf("  %-10s %5d sequences: %6.2f s (prefill %.2f s, decode %.2f s); prompt tokens computed %,d, "
                + "copied %,d; decoding rows computed %,d of %,d; outputs %08x%n", name, s.sequences(), s.wall(), s.prefill(),
                s.decode(), s.computed(), s.shared(), s.decodeComputed(), s.decodeRows(), s.texts().hashCode());
    }

    private static Stage run(Policy policy, EngineParams params, List<GenerationRequest> requests) throws Exception {
        try (GenerationEngine engine = new GenerationEngine(policy.model(), policy.requireTokenizer(), policy.stopTokens(),
                params)) {
            List<CompletableFuture<Completion>> futures = new ArrayList<>();
            long t0 = System.nanoTime();
            for (GenerationRequest r : requests) {
                futures.add(engine.submit(r));
            }
            GenerationEngine.Step total = engine.drain();
            double wall = (System.nanoTime() - t0) / 1e9;
            List<String> texts = new ArrayList<>();
            for (CompletableFuture<Completion> f : futures) {
                texts.add(f.get().text());
            }
            return new Stage(requests.size(), wall, total.prefillNanos() / 1e9, total.decodeNanos() / 1e9,
                    total.prefillTokens(), total.sharedTokens(), total.decodeRows(), total.decodeComputed(), texts);
        }
    }
}
