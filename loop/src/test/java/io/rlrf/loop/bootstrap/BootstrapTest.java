package io.rlrf.loop.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.tasks.prompt.AnswerPrompt;
import io.rlrf.tasks.prompt.ReflectionPrompt;

/** The bootstrap with tiny settings (1 layer, d = 32, 3 steps of 4 sequences) into a temporary model store. */
class BootstrapTest {

    static final BootstrapSpec TINY = new BootstrapSpec("bootstrap", OptionalLong.empty(), 6, 6, List.of(1), 3, 4, 4,
            2e-3, 1, 32, 1, 2, 1024, 2, 8, 1);
    static final ReflectionPrompt REFLECT = ReflectionPrompt.DEFAULT;

    @TempDir
    Path store;

    private Bootstrap bootstrap() {
        return new Bootstrap(TINY, AnswerPrompt.DEFAULT, store);
    }

    @Test
    void trainsAFreshPolicySavesItInTheStoreAndASecondCallWithTheSameConfigIsCached() throws Exception {
        Bootstrap bootstrap = bootstrap();
        long seed = 424242;
        String version = bootstrap.version(seed, REFLECT);
        assertTrue(version.matches("bootstrap/[0-9a-f]{12}"), version);
        Path dir = store.resolve(version);

        AtomicInteger steps = new AtomicInteger();
        Bootstrap.Result first = bootstrap.ensure(seed, REFLECT, (done, total) -> {
            assertEquals(steps.incrementAndGet(), done);
            assertEquals(3, total);
        });
        assertFalse(first.cached());
        assertEquals(version, first.version());
        assertEquals(3, steps.get());
        assertEquals(3, first.steps());
        assertTrue(Double.isFinite(first.finalLoss()) && first.finalLoss() > 0, "loss " + first.finalLoss());
        assertEquals(6, first.answerExamples());
        assertEquals(6, first.revisionExamples());
        assertEquals(2, first.devProblems());
        assertTrue(first.devAccuracy() >= 0 && first.devAccuracy() <= 1);
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", Bootstrap.INFO_FILE}) {
            assertTrue(Files.exists(dir.resolve(f)), f + " is missing");
        }
        long written = Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis();

        Bootstrap.Result second = bootstrap.ensure(seed, REFLECT, (done, total) -> {
            throw new AssertionError("a cached bootstrap must not train");
        });
        assertTrue(second.cached());
        assertEquals(version, second.version());
        assertEquals(first.finalLoss(), second.finalLoss());
        assertEquals(written, Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis());
    }

    @Test
    void theCacheKeyChangesWithTheSeedAndTheReflectionTemplate() {
        Bootstrap bootstrap = bootstrap();
        assertEquals(bootstrap.version(1, REFLECT), bootstrap.version(1, REFLECT));
        assertNotEquals(bootstrap.version(1, REFLECT), bootstrap.version(2, REFLECT));
        ReflectionPrompt other = new ReflectionPrompt("{prompt}|{answer}|{critiques}", "other");
        assertNotEquals(bootstrap.version(1, REFLECT), bootstrap.version(1, other));
    }

    /** TINY with a refine phase of 2 steps on 4 + 4 examples, critiques in the served form unless {@code lines} is false. */
    static BootstrapSpec refined(boolean lines, java.util.Optional<Path> shipped) {
        BootstrapSpec t = TINY;
        return new BootstrapSpec(t.directory(), t.seed(), t.answerExamplesPerLevel(), t.revisionExamplesPerLevel(),
                t.levels(), t.steps(), t.batchSize(), t.microBatchSize(), t.learningRate(), t.warmupSteps(), t.hiddenSize(),
                t.layers(), t.heads(), t.maxPositions(), t.devProblemsPerLevel(), t.devMaxNewTokens(), t.logEvery(),
                shipped, t.facts(), new BootstrapSpec.Refine(2, 4, 4, 0.35, 1e-3, 1, true, lines));
    }

    @Test
    void aRefinePhaseContinuesFromTheFirstPhasesWeightsAndKeepsBothInTheStore() throws Exception {
        long seed = 31;
        String first = bootstrap().version(seed, REFLECT);
        Bootstrap bootstrap = new Bootstrap(refined(true, java.util.Optional.empty()), AnswerPrompt.DEFAULT, store);
        String version = bootstrap.version(seed, REFLECT);
        assertNotEquals(first, version);

        List<Integer> totals = new java.util.ArrayList<>();
        Bootstrap.Result result = bootstrap.ensure(seed, REFLECT, (done, total) -> totals.add(total));
        assertEquals(List.of(3, 3, 3, 2, 2), totals, "the first phase's 3 steps, then the refine phase's 2");
        assertFalse(result.cached());
        assertEquals(version, result.version());
        assertEquals(first, result.refinedFrom());
        assertEquals(2, result.steps());
        assertEquals(4, result.answerExamples());
        assertEquals(4, result.revisionExamples());
        byte[] firstWeights = Files.readAllBytes(store.resolve(first).resolve("model.safetensors"));
        byte[] refinedWeights = Files.readAllBytes(store.resolve(version).resolve("model.safetensors"));
        assertEquals(firstWeights.length, refinedWeights.length, "the same shape");
        assertFalse(java.util.Arrays.equals(firstWeights, refinedWeights), "the refine phase trained the weights");

        Bootstrap.Result again = bootstrap.ensure(seed, REFLECT, (done, total) -> {
            throw new AssertionError("a cached refined base must not train");
        });
        assertTrue(again.cached());
        assertEquals(first, again.refinedFrom());
    }

    @Test
    void aStoreWithTheShippedFirstPhaseOnlyTrainsTheRefinePhase(@TempDir Path shipped) throws Exception {
        long seed = 32;
        String first = new Bootstrap(TINY, AnswerPrompt.DEFAULT, shipped).ensure(seed, REFLECT, (d, t) -> { }).version();
        Bootstrap bootstrap = new Bootstrap(refined(true, java.util.Optional.of(shipped)), AnswerPrompt.DEFAULT, store);
        List<Integer> totals = new java.util.ArrayList<>();
        Bootstrap.Result result = bootstrap.ensure(seed, REFLECT, (done, total) -> totals.add(total));
        assertEquals(List.of(2, 2), totals, "the first phase was copied, not trained");
        assertEquals(first, result.refinedFrom());
        assertTrue(Files.isRegularFile(store.resolve(first).resolve("model.safetensors")));
    }

    @Test
    void theRefinedKeyCoversTheCritiqueFormAndNoRefineStepsMeansTheFirstPhasesKey() {
        Bootstrap lines = new Bootstrap(refined(true, java.util.Optional.empty()), AnswerPrompt.DEFAULT, store);
        Bootstrap sentences = new Bootstrap(refined(false, java.util.Optional.empty()), AnswerPrompt.DEFAULT, store);
        assertNotEquals(lines.version(1, REFLECT), sentences.version(1, REFLECT));
        assertEquals(bootstrap().version(1, REFLECT), new Bootstrap(new BootstrapSpec(TINY.directory(), TINY.seed(),
                6, 6, List.of(1), 3, 4, 4, 2e-3, 1, 32, 1, 2, 1024, 2, 8, 1, java.util.Optional.empty(), TINY.facts(),
                BootstrapSpec.Refine.NONE), AnswerPrompt.DEFAULT, store).version(1, REFLECT));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new BootstrapSpec.Refine(-1, 4, 4, 0.35, 1e-3, 1, true, true));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new BootstrapSpec.Refine(2, 0, 0, 0.35, 1e-3, 1, true, true));
    }

    /** {@link #refined} with a target phase of 2 steps on 2 + 2 examples of {@code levels}. */
    static BootstrapSpec targeted(List<Integer> levels) {
        BootstrapSpec r = refined(true, java.util.Optional.empty());
        return new BootstrapSpec(r.directory(), r.seed(), r.answerExamplesPerLevel(), r.revisionExamplesPerLevel(),
                r.levels(), r.steps(), r.batchSize(), r.microBatchSize(), r.learningRate(), r.warmupSteps(), r.hiddenSize(),
                r.layers(), r.heads(), r.maxPositions(), r.devProblemsPerLevel(), r.devMaxNewTokens(), r.logEvery(),
                r.shippedStore(), r.facts(), r.refine(), new BootstrapSpec.Target(2, levels, 2, 2, 0.35, 1e-3, 1, 7, 0.75, true));
    }

    @Test
    void aTargetPhaseContinuesFromTheRefinedBaseOnItsLevelsAndKeepsEveryPhaseInTheStore() throws Exception {
        long seed = 33;
        String refinedVersion = new Bootstrap(refined(true, java.util.Optional.empty()), AnswerPrompt.DEFAULT, store)
                .version(seed, REFLECT);
        Bootstrap bootstrap = new Bootstrap(targeted(List.of(5)), AnswerPrompt.DEFAULT, store);
        String version = bootstrap.version(seed, REFLECT);
        assertNotEquals(refinedVersion, version);
        assertNotEquals(version, new Bootstrap(targeted(List.of(4)), AnswerPrompt.DEFAULT, store).version(seed, REFLECT),
                "the key covers the target levels");

        List<Integer> totals = new java.util.ArrayList<>();
        Bootstrap.Result result = bootstrap.ensure(seed, REFLECT, (done, total) -> totals.add(total));
        assertEquals(List.of(3, 3, 3, 2, 2, 2, 2), totals, "3 first-phase steps, 2 refine steps, 2 target steps");
        assertEquals(version, result.version());
        assertEquals(refinedVersion, result.refinedFrom());
        assertEquals(2, result.answerExamples());
        assertEquals(2, result.revisionExamples());
        assertEquals(2, result.devProblems(), "dev accuracy on the target level's problems");
        assertTrue(Files.isRegularFile(store.resolve(refinedVersion).resolve("model.safetensors")), "the refined base is kept");
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(store.resolve(refinedVersion).resolve("model.safetensors")),
                Files.readAllBytes(store.resolve(version).resolve("model.safetensors"))), "the target phase trained");
        assertTrue(bootstrap.ensure(seed, REFLECT, (done, total) -> {
            throw new AssertionError("a cached target base must not train");
        }).cached());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new BootstrapSpec.Target(2, List.of(), 2, 2, 0.35, 1e-3, 1, 7, 0.75, true));
    }

    @Test
    void theTargetPhaseTrainsTheSameWeightsAsTheLabRecipeWithTheSameSettings(@TempDir Path lab) throws Exception {
        long seed = 34;
        BootstrapSpec spec = targeted(List.of(5));
        Bootstrap bootstrap = new Bootstrap(spec, AnswerPrompt.DEFAULT, store);
        Bootstrap.Result result = bootstrap.ensure(seed, REFLECT, (done, total) -> { });
        // the lab's TrainBase from the same refined base: the models/README.md recipe of the shipped level-5 base
        BootstrapSpec.Target t = spec.target();
        Path out = lab.resolve("l5");
        io.rlrf.loop.lab.TrainBase.main(new String[] {out.toString(), "init=" + store.resolve(result.refinedFrom()),
                "levels=5", "answers=" + t.answersPerLevel(), "revisions=" + t.revisionsPerLevel(),
                "slip-rate=" + t.slipRate(), "positions=" + spec.maxPositions(), "steps=" + t.steps(),
                "batch=" + spec.batchSize(), "micro=" + spec.microBatchSize(), "lr=" + t.learningRate(),
                "warmup=" + t.warmupSteps(), "seed=" + t.dataSeed(), "probe=false", "chained=true", "lines=true",
                "refsteps=" + t.referenceSteps(), "structural=" + t.structuralShare()});
        try (io.rlrf.model.Policy product = io.rlrf.model.Policy.load(store.resolve(result.version()));
                io.rlrf.model.Policy recipe = io.rlrf.model.Policy.load(out)) {
            var a = product.weights().byName();
            var b = recipe.weights().byName();
            assertEquals(a.keySet(), b.keySet());
            for (String name : a.keySet()) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(b.get(name).toFloatArray(), a.get(name).toFloatArray(), name);
            }
        }
    }

    @Test
    void refineDataWritesItsCritiquesInTheGivenForm() {
        var form = io.rlrf.tasks.verify.VerifierParams.DEFAULTS;
        List<RefineData.Example> lines = RefineData.build(new RefineData.Spec(List.of(1), 2, 20, 0.35,
                form.withChainedCorrections(true).withCorrectedLines(true), 5));
        List<RefineData.Example> sentences = RefineData.build(new RefineData.Spec(List.of(1), 2, 20, 0.35, form, 5));
        assertEquals(22, lines.size());
        assertEquals(20, lines.stream().filter(e -> e.kind() == BootstrapData.Kind.REVISION).count());
        for (RefineData.Example e : lines) {
            if (e.kind() == BootstrapData.Kind.REVISION) {
                assertTrue(e.prompt().contains(" should be ") && !e.prompt().contains(" is wrong; "), e.prompt());
            }
        }
        for (RefineData.Example e : sentences) {
            if (e.kind() == BootstrapData.Kind.REVISION) {
                assertTrue(e.prompt().contains(" is wrong; ") && !e.prompt().contains(" should be "), e.prompt());
            }
        }
    }

    @Test
    void anAbortedBootstrapLeavesNothingInTheStore() throws Exception {
        Bootstrap bootstrap = bootstrap();
        long seed = 777;
        Path dir = store.resolve(bootstrap.version(seed, REFLECT));
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> bootstrap.ensure(seed, REFLECT, (done, total) -> {
                    throw new IllegalStateException("cancelled at step " + done);
                }));
        assertEquals("cancelled at step 1", e.getMessage());
        assertFalse(Files.exists(dir));
        if (Files.exists(dir.getParent())) {
            try (var left = Files.list(dir.getParent())) {
                assertEquals(0, left.count(), "no staging folder left behind");
            }
        }
    }
}
