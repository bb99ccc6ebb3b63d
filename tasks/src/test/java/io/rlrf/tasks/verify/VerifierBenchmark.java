package io.rlrf.tasks.verify;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.datasets.DatasetsRoot;
import io.rlrf.tasks.datasets.Gsm8k;

/**
 * Verifier evaluations per second, in process, on one thread, over the GSM8K train solutions (each
 * judged against itself, all four aspects). Not part of the default build; run with
 * {@code ./mvnw -pl tasks test -Dtest=VerifierBenchmark -Dgroups=benchmark -Drlrf.excluded.groups=none}.
 */
@Tag("benchmark")
class VerifierBenchmark {

    @Test
    void verifierEvaluationsPerSecondInProcess() {
        List<MathProblem> problems = Gsm8k.load(DatasetsRoot.resolve(), Split.TRAIN);
        MathVerifier verifier = new MathVerifier(VerifierParams.DEFAULTS);
        double sink = 0;
        for (int warm = 0; warm < 3; warm++) {
            for (MathProblem p : problems) {
                sink += verifier.verify(p.question(), p.solution(), p.solution()).score();
            }
        }
        int rounds = 5;
        long start = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            for (MathProblem p : problems) {
                sink += verifier.verify(p.question(), p.solution(), p.solution()).score();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("verifier in process: %d evaluations in %.2f s = %.0f evaluations/s on one thread (sink %.1f)%n",
                rounds * problems.size(), seconds, rounds * problems.size() / seconds, sink);
    }
}
