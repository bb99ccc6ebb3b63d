package io.rlrf.tasks.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.rlrf.tasks.FinalAnswer;
import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.VerifierAspect;
import io.rlrf.tasks.verify.VerifierParams;

/** The loaders on the real shared datasets (../shared/datasets). */
class DatasetsTest {

    private final Path root = DatasetsRoot.resolve();

    @Test
    void gsm8kTrainAndTestLoadWithTheirFinalAnswers() {
        List<MathProblem> train = Gsm8k.load(root, Split.TRAIN);
        List<MathProblem> test = Gsm8k.load(root, Split.TEST);
        assertEquals(7473, train.size());
        assertEquals(1319, test.size());
        MathProblem first = train.get(0);
        assertEquals("gsm8k-train-00001", first.id());
        assertTrue(first.question().startsWith("Natalia sold clips to 48 of her friends"));
        assertEquals("72", first.finalAnswer());
        assertEquals(train.size(), train.stream().map(MathProblem::id).distinct().count());
    }

    @Test
    void svampLoadsAsOneAnnotatedStepWhoseResultIsTheAnswer() {
        List<MathProblem> svamp = Svamp.load(root);
        assertEquals(1000, svamp.size());
        MathProblem first = svamp.get(0);
        assertEquals("svamp-chal-1", first.id());
        assertEquals("Each pack of dvds costs 76 dollars. If there is a discount of 25 dollars on each pack, "
                + "how much do you have to pay to buy each pack?", first.question());
        assertEquals("76 - 25 = <<76-25=51>>51\n#### 51", first.solution());
        MathVerifier verifier = new MathVerifier(VerifierParams.DEFAULTS);
        long consistent = svamp.stream().filter(p -> verifier.verify(p.question(), p.solution(), p.solution())
                .rating(VerifierAspect.LOGICAL_ROBUSTNESS).orElseThrow().rating() == 3).count();
        System.out.printf("SVAMP: %d of %d equations recompute to the stated answer%n", consistent, svamp.size());
        assertTrue(consistent >= 990, consistent + " of 1000");
    }

    @Test
    void aMissingDatasetNamesThePathAndTheSetting() {
        var e = assertThrows(IllegalArgumentException.class, () -> Gsm8k.load(Path.of("/nonexistent"), Split.TRAIN));
        assertTrue(e.getMessage().contains("/nonexistent/gsm8k/train.jsonl") && e.getMessage().contains("rlrf.datasets.root"));
        assertThrows(IllegalArgumentException.class, () -> Gsm8k.load(root, Split.DEV));
    }

    @Test
    void theRootIsFoundFromAModuleFolderWithoutConfiguration() {
        Path found = DatasetsRoot.search(Path.of("").toAbsolutePath()).orElseThrow();
        assertTrue(found.endsWith(Path.of("shared", "datasets")), found.toString());
        assertTrue(FinalAnswer.extract("#### 5").isPresent());
    }

    @Test
    void theEvaluationSetsShipWithRlrfAndEqualTheOriginals() {
        Path none = Path.of("/nonexistent-datasets-root");
        List<MathProblem> gsm8k = Gsm8k.load(none, Split.TEST);
        List<MathProblem> svamp = Svamp.load(none);
        assertEquals(1319, gsm8k.size());
        assertEquals(1000, svamp.size());
        Path root = DatasetsRoot.resolve();
        if (java.nio.file.Files.isDirectory(root.resolve("gsm8k"))) { // the project's ../shared: the copies are the originals
            assertEquals(Gsm8k.load(root, Split.TEST), gsm8k);
            assertEquals(Svamp.load(root), svamp);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Gsm8k.load(none, Split.TRAIN));
        assertTrue(e.getMessage().contains("only the test split ships"), e.getMessage());
    }
}
