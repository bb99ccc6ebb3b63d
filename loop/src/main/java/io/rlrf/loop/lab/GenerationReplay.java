package io.rlrf.loop.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import ai.djl.pytorch.jni.JniUtils;

import io.rlrf.loop.run.Seeds;
import io.rlrf.loop.stage.Ranking;
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
import io.rlrf.tasks.prompt.ReflectionPrompt;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.Verdict;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The generation work of the main job's rlrf iteration 1, in process through one engine, with the
 * engine's own prefill and decode times: Q level-1 train questions (drawn as the run of seed 1 draws
 * its iteration-1 prompts) x 8 samples (T 0.8, top-p 0.95), then R rewrites (T 0.7) of each question's
 * K best faulted samples under the default verifier's critiques in the form reward-svc serves, answers
 * capped at 3x the reference length as the main job caps them. The shape follows the built-in arith
 * recipe by default (K = 4 sources of distinct texts, R = 2 rewrites each, only questions no sample
 * solved: SelectStage's rule); {@code 2 4 all} gives the run defaults' shape (2 sources x 4 rewrites of
 * every question with a faulted answer), the shape of the main job before the recipe. Prints, for each
 * round, both stages' wall, prefill and decode seconds, the prompt tokens computed and copied, the
 * decoding rows computed, the work per sequence (prompt tokens and decoding rows computed) and the rate
 * at which each kind of work ran, and reflection's time per rewrite over sampling's per sample.
 *
 * <p>{@code GenerationReplay <checkpoint> [threads] [questions] [min-shared-prefix] [rounds] [sources]
 * [rewrites] [unsolved|all]} (defaults 1, 2048, the engine's default, 2, 4, 2, unsolved).
 */
public final class GenerationReplay {

    private static final int SAMPLES = 8;

    private GenerationReplay() {
    }

    /** What one stage cost. */
    record Stage(int sequences, double wall, double prefill, double decode, long computed, long shared,
            long decodeRows, long decodeComputed, List<String> texts) {
    }

    public static void main(String[] args) throws Exception {
        Engines.pytorch();
        JniUtils.setNumThreads(args.length > 1 ? Integer.parseInt(args[1]) : 1);
        int questions = args.length > 2 ? Integer.parseInt(args[2]) : 2048;
        EngineParams params = args.length > 3 ? EngineParams.defaults().withMinSharedPrefix(Integer.parseInt(args[3]))
                : EngineParams.defaults();
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        int sources = args.length > 5 ? Integer.parseInt(args[5]) : 4;
        int rewrites = args.length > 6 ? Integer.parseInt(args[6]) : 2;
        String which = args.length > 7 ? args[7] : "unsolved";
        if (!which.equals("unsolved") && !which.equals("all")) {
            throw new IllegalArgumentException("the 8th argument is unsolved or all, got " + which);
        }
        boolean unsolvedOnly = which.equals("unsolved");
        boolean distinct = unsolvedOnly; // the recipe sets both; the run defaults neither
        List<MathProblem> problems = ArithWorld.generate(ArithLevel.L1, Split.TRAIN, questions, Seeds.mix(1, 1, 11));
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
                    boolean solved = false;
                    for (int j = 0; j < SAMPLES; j++) {
                        String draft = s.texts().get(i * SAMPLES + j);
                        Verdict v = verifier.verify(p.question(), draft, p.solution());
                        solved |= Ranking.solves(v.score()); // SelectStage's rule
                        if (v.ratings().stream().anyMatch(r -> ReflectionPrompt.isFault(r.rating()))) {
                            verdicts.add(v);
                            drafts.add(draft);
                        }
                    }
                    if (unsolvedOnly && solved) {
                        continue; // SelectStage: a sample has the top score, so no rewrite can change the pair
                    }
                    List<Integer> order = new ArrayList<>();
                    for (int k = 0; k < verdicts.size(); k++) {
                        order.add(k);
                    }
                    order.sort(Comparator.comparingDouble(k -> -verdicts.get(k).score()));
                    Set<String> texts = new HashSet<>();
                    if (distinct) {
                        order.removeIf(k -> !texts.add(drafts.get(k))); // the best of each distinct text
                    }
                    for (int k = 0; k < Math.min(sources, order.size()); k++) {
                        int[] prompt = policy.encodePrompt(Arith.reflectionPrompt(p.question(), drafts.get(order.get(k)),
                                verdicts.get(order.get(k))));
                        for (int r = 0; r < rewrites; r++) {
                            reflection.add(new GenerationRequest(prompt, SamplingParams.sample(0.7, 0.95, cap(policy, p),
                                    7000L * i + 10L * k + r)));
                        }
                    }
                }
                Stage f = run(policy, params, reflection);
                System.out.printf("round %d, min shared prefix %d, %d sources x %d rewrites (%s):%n", round,
                        params.minSharedPrefix(), sources, rewrites, unsolvedOnly ? "unsolved questions, distinct texts"
                                : "every question with a faulted answer");
                print("sampling", s);
                print("reflection", f);
                System.out.printf("  per rewrite / per sample: %.2fx (prefill %.2fx, decode %.2fx)%n",
                        (f.wall() / f.sequences()) / (s.wall() / s.sequences()),
                        (f.prefill() / f.sequences()) / (s.prefill() / s.sequences()),
                        (f.decode() / f.sequences()) / (s.decode() / s.sequences()));
                System.out.printf("  work per rewrite / per sample: prompt tokens computed %.1f / %.1f (%.1fx), decoding rows "
                        + "computed %.1f / %.1f (%.1fx)%n", (double) f.computed() / f.sequences(), (double) s.computed() / s.sequences(),
                        ((double) f.computed() / f.sequences()) / ((double) s.computed() / s.sequences()),
                        (double) f.decodeComputed() / f.sequences(), (double) s.decodeComputed() / s.sequences(),
                        ((double) f.decodeComputed() / f.sequences()) / ((double) s.decodeComputed() / s.sequences()));
                System.out.printf("  rates, reflection / sampling: prefill %,.0f / %,.0f prompt tokens/s, decode %,.0f / %,.0f "
                        + "rows/s%n", f.computed() / f.prefill(), s.computed() / s.prefill(), f.decodeComputed() / f.decode(),
                        s.decodeComputed() / s.decode());
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
