package io.rlrf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.ScoreKind;
import picocli.CommandLine;

/**
 * The command line itself, without services: every command's --help exits 0 and documents every
 * option, bad usage exits 2 with the reason, and run start's config files and flags make the RunConfig
 * they say. (The commands against a real trainer-svc: trainer-svc's CliAgainstTrainerTest.)
 */
class CommandLineTest {

    @TempDir
    Path dir;

    record Result(int status, String out, String err) {
    }

    static Result run(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = RlrfCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "health", "probe", "experiment", "bootstrap", "run", "run start", "runs", "runs list",
        "runs show", "runs watch", "runs resume", "runs cancel", "pairs", "pairs export", "just-eval"})
    void helpExitsZeroAndDocumentsEveryOptionAndTheExitStatuses(String command) {
        String[] words = command.isEmpty() ? new String[0] : command.split(" ");
        String[] args = new String[words.length + 1];
        System.arraycopy(words, 0, args, 0, words.length);
        args[words.length] = "--help";

        Result r = run(args);

        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("Usage: rlrf-cli" + (command.isEmpty() ? "" : " " + command)), r.out());
        assertTrue(r.out().contains("Exit status:") && r.out().contains("2   bad usage"), r.out());
        // Every option of the command has a description in the help.
        CommandLine cli = new CommandLine(new RlrfCli());
        for (String w : words) {
            cli = cli.getSubcommands().get(w);
        }
        for (CommandLine.Model.OptionSpec o : cli.getCommandSpec().options()) {
            if (!o.hidden()) {
                assertTrue(o.description().length > 0 && !o.description()[0].isBlank(), command + " " + o.longestName());
                assertTrue(r.out().contains(o.longestName()), command + " help lacks " + o.longestName());
            }
        }
    }

    @Test
    void justEvalsBadOptionsAreBadUsageBeforeAnyServiceIsCalled() throws Exception {
        Result category = run("just-eval", "--category", "funny");
        assertEquals(2, category.status(), category.err());
        assertTrue(category.err().contains("--category"), category.err());
        Result both = run("just-eval", "--outputs", "x.json", "--policy", "tiny/v1");
        assertEquals(2, both.status(), both.err());
        assertTrue(both.err().contains("--outputs and --policy exclude each other"), both.err());
        Result limit = run("just-eval", "--limit", "-1");
        assertEquals(2, limit.status(), limit.err());
        Result missing = run("just-eval", "--outputs", "/nonexistent/outputs.json");
        assertEquals(2, missing.status(), missing.err());
        assertTrue(missing.err().contains("--outputs: /nonexistent/outputs.json is not a file"), missing.err());
    }

    @Test
    void theHelpCommandPrintsACommandsHelp() {
        Result r = run("help", "runs");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("Usage: rlrf-cli runs"), r.out());
    }

    @Test
    void noCommandAnUnknownOptionOrAMissingRunAreBadUsage() {
        Result none = run();
        assertEquals(2, none.status());
        assertTrue(none.err().contains("a command is required"), none.err());
        Result unknown = run("runs", "list", "--frobnicate");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("Unknown option: '--frobnicate'"), unknown.err());
        Result missing = run("runs", "show");
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("Missing required parameter: 'RUN'"), missing.err());
        Result subcommand = run("runs");
        assertEquals(2, subcommand.status());
        assertTrue(subcommand.err().contains("list, show, watch, resume or cancel"), subcommand.err());
    }

    @Test
    void anUnknownModeOrStateIsBadUsageNamingTheChoices() {
        Result mode = run("run", "start", "--mode", "dpo", "--trainer", "127.0.0.1:1");
        assertEquals(2, mode.status());
        assertTrue(mode.err().contains("--mode dpo is not a mode; modes: rlrf, reward-only, sft"), mode.err());
        Result state = run("runs", "list", "--state", "done", "--trainer", "127.0.0.1:1");
        assertEquals(2, state.status());
        assertTrue(state.err().contains("--state done is not a run state"), state.err());
    }

    @Test
    void yamlJsonAndTextFormatConfigsReadAsTheSameRunConfig() throws Exception {
        Path yaml = Files.writeString(dir.resolve("run.yaml"), """
                mode: MODE_RLRF
                iterations: 3
                sampling:
                  n: 4
                pairing: {score: SCORE_KIND_SCALAR}
                labels: {experiment: yaml}
                """);
        Path json = Files.writeString(dir.resolve("run.json"), """
                {"mode": "MODE_RLRF", "iterations": 3, "sampling": {"n": 4}, "pairing": {"score": "SCORE_KIND_SCALAR"},
                 "labels": {"experiment": "yaml"}}
                """);
        Path text = Files.writeString(dir.resolve("run.textproto"), """
                mode: MODE_RLRF iterations: 3 sampling { n: 4 } pairing { score: SCORE_KIND_SCALAR }
                labels { key: "experiment" value: "yaml" }
                """);
        RunConfig expected = RunConfig.newBuilder().setMode(Mode.MODE_RLRF).setIterations(3)
                .setSampling(io.rlrf.api.trainer.v1.SamplingConfig.newBuilder().setN(4))
                .setPairing(io.rlrf.api.trainer.v1.PairingConfig.newBuilder().setScore(ScoreKind.SCORE_KIND_SCALAR))
                .putLabels("experiment", "yaml").build();
        for (Path p : List.of(yaml, json, text)) {
            assertEquals(expected, RunConfigFiles.read(p), p.toString());
        }
    }

    @Test
    void flagsOverrideTheConfigFile() throws Exception {
        Path yaml = Files.writeString(dir.resolve("run.yml"), "mode: MODE_RLRF\niterations: 3\nseed: 5\n");
        RunCommand.Start start = new RunCommand.Start();
        new CommandLine(start).parseArgs("--config", yaml.toString(), "--mode", "reward-only", "--iterations", "1",
                "--base-checkpoint", "tiny/v1", "--train-prompts", "3", "--eval-prompts", "2", "--samples", "2",
                "--label", "who=cli");

        RunConfig c = start.config();

        assertEquals(Mode.MODE_REWARD_ONLY, c.getMode());
        assertEquals(1, c.getIterations());
        assertEquals(5, c.getSeed(), "kept from the file");
        assertEquals("tiny/v1", c.getBaseCheckpoint());
        assertEquals(3, c.getData().getTrainPrompts());
        assertEquals(2, c.getData().getEvalPrompts());
        assertEquals(2, c.getSampling().getN());
        assertEquals("cli", c.getLabelsOrThrow("who"));
    }

    @Test
    void aBadConfigFileIsBadUsageNamingTheFileAndWhatIsWrong() throws Exception {
        Path misspelt = Files.writeString(dir.resolve("bad.yaml"), "mode: MODE_RLRF\nsampling:\n  nn: 4\n");
        Result r = run("run", "start", "--config", misspelt.toString(), "--trainer", "127.0.0.1:1");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("bad.yaml is not a valid RunConfig") && r.err().contains("nn"), r.err());

        Path broken = Files.writeString(dir.resolve("broken.yaml"), "mode: MODE_RLRF\nsampling: [\n");
        Result b = run("run", "start", "--config", broken.toString(), "--trainer", "127.0.0.1:1");
        assertEquals(2, b.status());
        assertTrue(b.err().contains("broken.yaml does not parse at line"), b.err());

        Result missing = run("run", "start", "--config", dir.resolve("none.yaml").toString());
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("cannot read the config file"), missing.err());
    }

    @Test
    void experimentAcceptsTheFourServiceAddressesBinRlrfPasses() {
        ExperimentCommand experiment = new ExperimentCommand();
        new CommandLine(experiment).parseArgs("--generator", "127.0.0.1:1", "--reward", "127.0.0.1:2", "--reflector",
                "127.0.0.1:3", "--trainer", "127.0.0.1:4", "--out", dir.toString());
        assertEquals("127.0.0.1:4", experiment.trainer);
    }

    static ExperimentCommand experiment(String... args) {
        ExperimentCommand experiment = new ExperimentCommand();
        new CommandLine(experiment).parseArgs(args);
        return experiment;
    }

    @Test
    void theExperimentRunsTheArithRecipeUnlessAConfigAnotherTaskOrNoRecipeIsGiven() throws Exception {
        // the recipe claim.json measured: right answers only, 4 distinct sources, unsolved prompts, 2,048 prompts
        RunConfig recipe = experiment().overrides();
        assertEquals(1.0, recipe.getPairing().getMinChosenScore());
        assertTrue(recipe.getReflection().getDistinctSources() && recipe.getReflection().getUnsolvedOnly());
        assertEquals(4, recipe.getReflection().getK());
        assertEquals(2048, recipe.getData().getTrainPrompts());
        assertEquals(recipe, experiment("--task", "arith").overrides());
        assertTrue(experiment().settingsSource().startsWith("the arith recipe (io/rlrf/cli/experiment/arith-recipe.yaml): "),
                experiment().settingsSource());
        // measured on arith only: another task, --no-recipe or a --config file replaces it whole
        assertEquals(RunConfig.getDefaultInstance(), experiment("--task", "facts").overrides());
        assertEquals(RunConfig.getDefaultInstance(), experiment("--no-recipe").overrides());
        assertEquals("the trainer's run defaults", experiment("--no-recipe").settingsSource());
        Path own = Files.writeString(dir.resolve("own.yaml"), "reflection: {k: 1}\n");
        assertEquals(RunConfig.newBuilder().setReflection(io.rlrf.api.trainer.v1.ReflectionConfig.newBuilder().setK(1)).build(),
                experiment("--config", own.toString()).overrides());
        // both at once would leave one of them silently unused
        Result both = run("experiment", "--no-recipe", "--config", own.toString(), "--trainer", "127.0.0.1:1");
        assertEquals(2, both.status(), both.err());
        assertTrue(both.err().contains("--no-recipe and --config exclude each other"), both.err());
    }

    @Test
    void anUnreachableTrainerIsAFailedRpcPrintedAsItsStatus() throws Exception {
        int closed;
        try (var socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Result r = run("runs", "list", "--trainer", "127.0.0.1:" + closed);
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("error: trainer-svc at 127.0.0.1:" + closed + " answered UNAVAILABLE"), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
    }
}
