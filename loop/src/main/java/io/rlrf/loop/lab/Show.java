package io.rlrf.loop.lab;

import java.nio.file.Path;
import java.util.List;

import io.rlrf.model.Policy;
import io.rlrf.model.generate.SamplingParams;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.arith.ArithLevel;
import io.rlrf.tasks.arith.ArithWorld;

/** Prints greedy answers beside their references: {@code Show <checkpoint> [level] [count]}. */
public final class Show {

    private Show() {
    }

    public static void main(String[] args) throws Exception {
        int level = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        List<MathProblem> problems = ArithWorld.generate(ArithLevel.of(level), Split.TEST, count, 1);
        try (Policy policy = Policy.load(Path.of(args[0]))) {
            List<String> answers = new Sampler(policy, 32).generate(problems.stream()
                    .map(p -> new Sampler.Request(Arith.answerPrompt(p.question()), SamplingParams.greedy(160))).toList());
            for (int i = 0; i < problems.size(); i++) {
                System.out.println(problems.get(i).question() + "\n--- reference\n" + problems.get(i).solution()
                        + "\n--- greedy\n" + answers.get(i) + "\n");
            }
        }
    }
}
