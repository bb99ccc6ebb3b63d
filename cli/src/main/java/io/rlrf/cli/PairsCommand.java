package io.rlrf.cli;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.Callable;

import io.grpc.StatusRuntimeException;
import io.rlrf.api.trainer.v1.ExportPairsRequest;
import io.rlrf.api.trainer.v1.PreferenceRow;
import io.rlrf.core.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pairs export}: a run's preference pairs as TRL/OpenRLHF rows. */
@Command(name = "pairs", description = "A run's preference pairs.", subcommands = PairsCommand.Export.class)
final class PairsCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: export");
    }

    @Command(name = "export", description = {
        "Writes a run's preference pairs (trainer-svc's ExportPairs) as JSON Lines that TRL's DPOTrainer and OpenRLHF "
                + "load as a preference dataset: 'prompt' (the question under the trainer's answer template, exactly "
                + "what the policy was trained on), 'chosen', 'rejected', and as extra columns run_id, iteration, "
                + "pair_id, prompt_id, question, and chosen_candidate / rejected_candidate (id, origin sample or "
                + "rewrite, source_answer_id, feedback_id, score, outcome_rank, ratings per aspect).",
        "Rows come iteration by iteration in the run's pair order. The file is written whole or not at all."})
    static final class Export extends Cli.Command implements Callable<Integer> {

        @Mixin
        TrainerOptions trainer;

        @Parameters(paramLabel = "RUN", description = "The run's id.")
        String runId;

        @Option(names = "--iteration", paramLabel = "N", defaultValue = "0",
                description = "Only this iteration's pairs (default: every iteration whose PAIR stage has finished).")
        int iteration;

        @Option(names = {"-o", "--out"}, paramLabel = "FILE.jsonl", defaultValue = "-",
                description = "Where the rows go (default: standard output).")
        String target;

        @Override
        String peer() {
            return trainer.peer();
        }

        @Override
        public Integer call() {
            if (iteration < 0) {
                throw new Cli.UsageError("--iteration must be at least 0, got " + iteration);
            }
            StringBuilder rows = new StringBuilder();
            int count = 0;
            try (TrainerOptions.Connection c = trainer.connect()) {
                Iterator<PreferenceRow> stream = c.stream().exportPairs(ExportPairsRequest.newBuilder().setRunId(runId)
                        .setIteration(iteration).build());
                while (stream.hasNext()) {
                    rows.append(RunViews.json(stream.next())).append('\n');
                    count++;
                }
            }
            if (target.equals("-")) {
                out.print(rows);
                out.flush();
                return Cli.OK;
            }
            try {
                AtomicFiles.writeString(Path.of(target), rows.toString());
            } catch (RuntimeException e) {
                throw new Cli.Failure("could not write " + target + ": " + e.getMessage());
            }
            err.printf("wrote %d pair(s) of run %s to %s%n", count, runId, target);
            return Cli.OK;
        }
    }
}
