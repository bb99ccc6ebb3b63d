package io.rlrf.loop.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.util.JsonFormat;

import io.rlrf.api.trainer.v1.DataConfig;
import io.rlrf.api.trainer.v1.DpoConfig;
import io.rlrf.api.trainer.v1.EvalConfig;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.PreferenceRow;
import io.rlrf.api.trainer.v1.PairingConfig;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.common.error.ServiceException;
import io.rlrf.loop.plan.RunDefaults;
import io.rlrf.loop.plan.RunDefaultsTest;
import io.rlrf.loop.run.PreferenceRows;
import io.rlrf.loop.run.Records.Pair;
import io.rlrf.loop.run.Records.TrainResult;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunLayout;
import io.rlrf.tasks.prompt.AnswerPrompt;

/**
 * Pairs out and in: a recorded run's pairs exported as TRL/OpenRLHF rows (what {@code rlrf-cli pairs
 * export} writes) train a MODE_DPO_OFFLINE run in process, which runs only PAIR (reading the file),
 * TRAIN, PUBLISH and EVALUATE; a bad file is refused naming its line and what is wrong. A tiny
 * random-weight base: this proves the wiring, not learning.
 */
class OfflineDpoRunTest {

    private static final Path RECORDED = Path.of("src/test/resources/recorded");
    private static final JsonFormat.Printer CLI_FORM = JsonFormat.printer().preservingProtoFieldNames()
            .alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace();

    @TempDir
    Path dir;

    private static RunConfig offline(Path pairs) {
        return RunConfig.newBuilder().setMode(Mode.MODE_DPO_OFFLINE).setBaseCheckpoint("tiny/v1").setIterations(1).setSeed(7)
                .setData(DataConfig.newBuilder().setEvalPrompts(2).addDifficultyLevels(1).setPairsFile(pairs.toString()))
                .setDpo(DpoConfig.newBuilder().setBatchSize(2).setBeta(0.1)).setEval(EvalConfig.newBuilder().setMaxNewTokens(24)).build();
    }

    /** The recorded rlrf run's pairs, exported as the CLI writes them. */
    private Path exported() throws Exception {
        RunLayout source = new RunLayout(dir.resolve("source/rec-rlrf"), "rec-rlrf", "tiny/v1");
        Files.createDirectories(source.iterDir(1));
        Files.copy(RECORDED.resolve("rec-rlrf/pairs.jsonl"), source.file(1, RunLayout.PAIRS));
        Files.writeString(source.marker(1, Stage.STAGE_PAIR), "");
        StringBuilder jsonl = new StringBuilder();
        for (PreferenceRow row : PreferenceRows.of(source, 1, AnswerPrompt.DEFAULT)) {
            jsonl.append(CLI_FORM.print(row)).append('\n');
        }
        return Files.writeString(dir.resolve("pairs.jsonl"), jsonl);
    }

    @Test
    void exportedPairsTrainAnOfflineDpoRunThatSkipsSamplingAndJudging() throws Exception {
        Path pairs = exported();

        // the recorded run paired answers cut at their cap under UNFINISHED; the offline run trains them alike
        InProcessRunTest.run(dir, "offline", offline(pairs).toBuilder()
                .setPairing(PairingConfig.newBuilder().setTruncated(Truncation.TRUNCATION_UNFINISHED)).build());

        Path iter = dir.resolve("runs/offline/iter-1");
        List<Pair> original = RunFiles.readRecords(RECORDED.resolve("rec-rlrf/pairs.jsonl"), Pair.class);
        List<Pair> trained = RunFiles.readRecords(iter.resolve(RunLayout.PAIRS), Pair.class);
        assertEquals(original.size(), trained.size());
        for (int i = 0; i < original.size(); i++) {
            assertEquals(original.get(i).question(), trained.get(i).question());
            assertEquals(original.get(i).chosen().text(), trained.get(i).chosen().text());
            assertEquals(original.get(i).rejected().text(), trained.get(i).rejected().text());
            assertEquals(original.get(i).id(), trained.get(i).id(), "the lineage columns came back");
            assertEquals(original.get(i).chosen().id(), trained.get(i).chosen().id());
        }
        TrainResult train = RunFiles.readRecord(iter.resolve(RunLayout.TRAIN), TrainResult.class);
        assertTrue(train.steps() > 0, "DPO stepped on the imported pairs");
        assertEquals(3, RunFiles.lines(iter.resolve(RunLayout.SCORED_PAIRS)).size());
        assertTrue(Files.exists(iter.resolve(RunLayout.EVALUATION)));
        assertTrue(Files.exists(dir.resolve("models/runs/offline/iter-1/model.safetensors")), "published");
        for (String none : List.of(RunLayout.SAMPLES, RunLayout.FEEDBACK, RunLayout.REFINEMENTS)) {
            assertFalse(Files.exists(iter.resolve(none)), none + " is not part of an offline run");
        }
    }

    @Test
    void atBetaZeroTheRunTrainsTheChosenAnswersWithoutScoringTheReference() throws Exception {
        Path pairs = exported();
        RunConfig config = offline(pairs).toBuilder().setPairing(PairingConfig.newBuilder()
                .setTruncated(Truncation.TRUNCATION_UNFINISHED))
                .setDpo(DpoConfig.newBuilder().setBatchSize(2).setBeta(0).setNllWeight(1)).build();

        InProcessRunTest.run(dir, "offline-beta0", config);

        Path iter = dir.resolve("runs/offline-beta0/iter-1");
        TrainResult train = RunFiles.readRecord(iter.resolve(RunLayout.TRAIN), TrainResult.class);
        assertTrue(train.steps() > 0, "the NLL term stepped on the imported pairs");
        assertEquals(Math.log(2), train.preferenceLoss(), 1e-6, "the preference term is ln 2 at beta 0");
        assertTrue(train.nllLoss() > 0);
        assertFalse(Files.exists(iter.resolve(RunLayout.SCORED_PAIRS)), "the reference is not scored at beta 0");
        assertTrue(Files.exists(dir.resolve("models/runs/offline-beta0/iter-1/model.safetensors")), "published");
    }

    @Test
    void aPlainTrlFileWithoutLineageColumnsLoadsWithIdsFromItsLines() throws Exception {
        Path file = Files.writeString(dir.resolve("trl.jsonl"), """
                {"prompt": "Question:\\nWhat is 2 + 3?\\nAnswer:\\n", "chosen": "2 + 3 = 5\\n#### 5", "rejected": "#### 6"}

                {"prompt": "Question:\\nWhat is 1 + 1?\\nAnswer:\\n", "chosen": "#### 2", "rejected": "#### 3", "score": 1}
                """);
        List<Pair> pairs = PreferenceRows.read(file, AnswerPrompt.DEFAULT);
        assertEquals(2, pairs.size());
        assertEquals("What is 2 + 3?", pairs.get(0).question());
        assertEquals("l3", pairs.get(1).id(), "named after its line; the blank line is skipped");
        assertEquals("l3-chosen", pairs.get(1).chosen().id());
        assertTrue(pairs.get(1).chosen().initial());
    }

    @Test
    void underDropAPairWithAnAnswerCutAtItsCapIsLeftOutAndTheOthersTrain() throws Exception {
        Path file = Files.writeString(dir.resolve("cut.jsonl"), """
                {"prompt": "Question:\\nWhat is 2 + 3?\\nAnswer:\\n", "chosen": "2 + 3 = 5\\n#### 5", "rejected": "#### 6", \
                "chosen_candidate": {"finish_reason": "FINISH_REASON_STOP"}, "rejected_candidate": {"finish_reason": "FINISH_REASON_STOP"}}
                {"prompt": "Question:\\nWhat is 1 + 1?\\nAnswer:\\n", "chosen": "#### 2", "rejected": "1 + 1 = 1 + 1 = 1 + 1", \
                "rejected_candidate": {"finish_reason": "FINISH_REASON_LENGTH"}}
                """);
        InProcessRunTest.run(dir, "offline-drop", offline(file)); // pairing.truncated: the default, DROP

        Path iter = dir.resolve("runs/offline-drop/iter-1");
        List<Pair> trained = RunFiles.readRecords(iter.resolve(RunLayout.PAIRS), Pair.class);
        assertEquals(1, trained.size(), "the pair whose rejected answer never ended is left out");
        assertEquals("What is 2 + 3?", trained.get(0).question());
        assertEquals(1, RunFiles.lines(iter.resolve(RunLayout.SCORED_PAIRS)).size());
    }

    @Test
    void aBadLineIsRefusedNamingTheLineAndWhatIsWrong() throws Exception {
        String good = "{\"prompt\": \"Question:\\nq\\nAnswer:\\n\", \"chosen\": \"a\", \"rejected\": \"b\"}\n";
        assertRefused(good + "{\"prompt\": \"Question:\\nq\\nAnswer:\\n\", \"rejected\": \"b\"}\n",
                "line 2: \"chosen\" is missing");
        assertRefused(good + good + "not json\n", "line 3: is not JSON");
        assertRefused("{\"prompt\": \"q\", \"chosen\": \"a\", \"rejected\": \"b\"}\n",
                "line 1: \"prompt\" is not a question under this trainer's answer template");
        assertRefused("{\"prompt\": \"Question:\\nq\\nAnswer:\\n\", \"chosen\": 5, \"rejected\": \"b\"}\n",
                "line 1: \"chosen\" must be a string, found NUMBER");
        assertRefused("{\"prompt\": \"Question:\\nq\\nAnswer:\\n\", \"chosen\": \"a\", \"rejected\": \"a\"}\n",
                "line 1: \"chosen\" and \"rejected\" are the same text");
        assertRefused("[1, 2]\n", "line 1: is not a JSON object");
        assertRefused("{\"prompt\": \"Question:\\nq\\nAnswer:\\n\", \"chosen\": \"a\", \"rejected\": \"b\", "
                + "\"chosen_candidate\": {\"finish_reason\": \"EOS\"}}\n",
                "line 1: \"finish_reason\" must be FINISH_REASON_STOP, FINISH_REASON_LENGTH or empty, found 'EOS'");
        assertRefused("\n\n", "holds no pairs");
    }

    private void assertRefused(String content, String fragment) throws Exception {
        Path file = Files.writeString(dir.resolve("bad.jsonl"), content);
        RunConfig config = RunDefaults.builtIn(RunDefaultsTest.LIMITS).resolve(offline(file));
        ServiceException e = assertThrows(ServiceException.class,
                () -> PreferenceRows.validate(config, AnswerPrompt.DEFAULT, RunDefaultsTest.LIMITS));
        assertEquals(ServiceException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("config.data.pairs_file '"), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void theModeAndThePairsFileComeTogether() {
        RunDefaults defaults = RunDefaults.builtIn(RunDefaultsTest.LIMITS);
        ServiceException missing = assertThrows(ServiceException.class, () -> defaults.resolve(
                RunConfig.newBuilder().setMode(Mode.MODE_DPO_OFFLINE).build()));
        assertTrue(missing.getMessage().startsWith("config.data.pairs_file is required in MODE_DPO_OFFLINE"),
                missing.getMessage());
        ServiceException stray = assertThrows(ServiceException.class, () -> defaults.resolve(RunConfig.newBuilder()
                .setMode(Mode.MODE_RLRF).setData(DataConfig.newBuilder().setPairsFile("p.jsonl")).build()));
        assertEquals("config.data.pairs_file is only for MODE_DPO_OFFLINE, not MODE_RLRF", stray.getMessage());
        ServiceException absent = assertThrows(ServiceException.class, () -> PreferenceRows.validate(
                defaults.resolve(offline(dir.resolve("absent.jsonl"))), AnswerPrompt.DEFAULT, RunDefaultsTest.LIMITS));
        assertTrue(absent.getMessage().contains("is not a file trainer-svc can read"), absent.getMessage());
    }
}
