package io.rlrf.loop.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.StageCompleted;
import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.core.AtomicFiles;
import io.rlrf.loop.LoopSettings;
import io.rlrf.loop.run.Records.Candidate;
import io.rlrf.loop.run.Records.Pair;
import io.rlrf.loop.run.Records.Sample;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunHandle;
import io.rlrf.model.Policy;
import io.rlrf.model.score.SequenceScorer;
import io.rlrf.model.score.SequenceScorer.Sequence;

/**
 * Token ids end to end, on the recorded rlrf run's config and random-weight checkpoint (which samples
 * special tokens that its text drops, and is cut at its cap on most answers): the reference scores the
 * pairs on the ids the generator sampled; under TRUNCATION_DROP no answer cut at its cap is paired;
 * and a run whose files were written before ids were kept still resumes, trained on its texts as before.
 */
class SampledIdsRunTest {

    @TempDir
    Path dir;

    private static RunConfig recorded(String id) throws Exception {
        return RunFiles.fromJson(Files.readString(InProcessRunTest.RECORDED.resolve(id).resolve("config.json")),
                RunConfig::newBuilder);
    }

    private Path iteration(String run) {
        return dir.resolve("runs").resolve(run).resolve("iter-1");
    }

    /** The base's summed log-probability of {@code completion} after the answer prompt of {@code question}. */
    private static double score(Policy base, String question, int[] completion) {
        int[] prompt = base.encodePrompt(LoopSettings.defaults().answerPrompt().render(question));
        return SequenceScorer.score(base.model(), List.of(new Sequence(prompt, completion)), 1)[0];
    }

    @Test
    void theReferenceScoresEachAnswerOnItsSampledIdsNotItsTextEncodedAgain() throws Exception {
        InProcessRunTest.run(dir, "ids", recorded("rec-rlrf"));
        List<Sample> samples = RunFiles.readRecords(iteration("ids").resolve("samples.jsonl"), Sample.class);
        List<Pair> scored = RunFiles.readRecords(iteration("ids").resolve("scored-pairs.jsonl"), Pair.class);
        int differFromText = 0;
        try (Policy base = Policy.load(dir.resolve("models/tiny/v1"))) {
            for (Sample s : samples) {
                assertNotNull(s.tokenIds(), s.id());
                assertEquals(s.completionTokens(), s.tokenIds().length, s.id());
            }
            for (Pair p : scored) {
                for (Candidate c : List.of(p.chosen(), p.rejected())) {
                    double reference = c == p.chosen() ? p.refChosenLogProb() : p.refRejectedLogProb();
                    assertEquals(score(base, p.question(), c.tokenIds()), reference, 1e-3, c.id() + " scored on its ids");
                    if (!Arrays.equals(c.tokenIds(), base.encodeCompletion(c.text()))) {
                        differFromText++;
                        assertTrue(Math.abs(score(base, p.question(), base.encodeCompletion(c.text())) - reference) > 1e-2,
                                c.id() + ": its text encoded again is another sequence with another score");
                    }
                }
            }
        }
        // Of the 6 answers in the pairs, the 2 that ended are their text + EOS; the 4 cut at their cap are
        // not (no EOS, and 2 of them hold special tokens that decoding dropped).
        assertEquals(4, differFromText);
    }

    @Test
    void underDropNoAnswerCutAtItsCapIsPaired() throws Exception {
        RunConfig config = recorded("rec-reward-only");
        config = config.toBuilder().setPairing(config.getPairing().toBuilder().setTruncated(Truncation.TRUNCATION_DROP))
                .build();
        InProcessRunTest.run(dir, "drop", config);
        List<Pair> pairs = RunFiles.readRecords(iteration("drop").resolve("pairs.jsonl"), Pair.class);
        for (Pair p : pairs) {
            assertFalse(p.chosen().truncated() || p.rejected().truncated(), p.id());
        }
        StageCompleted pair = RunFiles.fromJson(Files.readString(iteration("drop").resolve("pair.done")),
                StageCompleted::newBuilder);
        assertEquals(9.0, pair.getMetricsOrThrow("truncated_candidates"), "9 of the 12 samples were cut at their cap");
        assertEquals(0.0, pair.getMetricsOrThrow("truncated_paired"));
        assertEquals(pairs.size(), pair.getMetricsOrThrow("pairs"));
        // The recorded config (TRUNCATION_UNFINISHED) pairs 5 of them; the first test scores such answers
        // on their ids without EOS.
    }

    @Test
    void aRunWrittenBeforeIdsWereKeptResumesAndTrainsOnItsTextsAsBefore() throws Exception {
        InProcessRunTest.run(dir, "old", recorded("rec-rlrf"));
        Path iter = iteration("old");
        // Make it a run from before this change, stopped before TRAIN: no ids, finish reasons or versions
        // on its answers, no pairing.truncated in its config.
        for (String f : List.of("samples.jsonl", "refinements.jsonl", "pairs.jsonl")) {
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(iter.resolve(f))) {
                ObjectNode o = (ObjectNode) RunFiles.JSON.readTree(line);
                o.remove("tokenIds");
                if (f.equals("refinements.jsonl")) {
                    o.remove("finishReason");
                }
                for (String side : List.of("chosen", "rejected")) {
                    if (o.get(side) instanceof ObjectNode c) {
                        c.remove(List.of("finishReason", "policyVersion", "tokenIds"));
                    }
                }
                lines.add(RunFiles.JSON.writeValueAsString(o));
            }
            Files.write(iter.resolve(f), lines);
        }
        for (String f : List.of("train.done", "train.json", "scored-pairs.jsonl")) {
            Files.delete(iter.resolve(f));
        }
        AtomicFiles.deleteTree(iter.resolve("checkpoint"));
        try (LocalTrainer trainer = InProcessRunTest.trainer(dir)) {
            RunHandle handle = trainer.find("old");
            handle.update(b -> {
                b.setState(RunState.RUN_STATE_FAILED);
                b.getConfigBuilder().getPairingBuilder().clearTruncated();
                return b;
            });
            Run run = trainer.execute(handle);
            assertEquals(RunState.RUN_STATE_SUCCEEDED, run.getState(), run.getError());
        }
        List<Pair> scored = RunFiles.readRecords(iter.resolve("scored-pairs.jsonl"), Pair.class);
        assertEquals(3, scored.size());
        try (Policy base = Policy.load(dir.resolve("models/tiny/v1"))) {
            for (Pair p : scored) {
                assertNull(p.chosen().tokenIds());
                assertEquals(score(base, p.question(), base.encodeCompletion(p.chosen().text())), p.refChosenLogProb(), 1e-3);
                assertEquals(score(base, p.question(), base.encodeCompletion(p.rejected().text())), p.refRejectedLogProb(),
                        1e-3);
            }
        }
        assertTrue(Files.exists(iter.resolve("checkpoint/model.safetensors")));
        // As recorded before ids were kept (commit ea2516a): the first pair's chosen answer scored -111.8087.
        assertEquals(-111.80874633789062, scored.get(0).refChosenLogProb(), 1e-6);
    }
}
