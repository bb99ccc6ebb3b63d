package io.rlrf.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import io.rlrf.api.trainer.v1.CancelRunRequest;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.ListRunsRequest;
import io.rlrf.api.trainer.v1.ListRunsResponse;
import io.rlrf.api.trainer.v1.ResumeRunRequest;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runs list|show|watch|resume|cancel}: trainer-svc's runs. */
@Command(name = "runs", description = "Lists, shows, watches, resumes and cancels trainer-svc's runs.",
        subcommands = {RunsCommand.ListRuns.class, RunsCommand.Show.class, RunsCommand.Watch.class, RunsCommand.Resume.class,
            RunsCommand.Cancel.class})
final class RunsCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a subcommand is required: list, show, watch, resume or cancel");
    }

    /** A command that talks to trainer-svc. */
    abstract static class TrainerCommand extends Cli.Command implements Callable<Integer> {
        @Mixin
        TrainerOptions trainer;

        @Override
        String peer() {
            return trainer.peer();
        }
    }

    @Command(name = "list", description = "Lists runs, newest first (ListRuns, every page): id, state, mode, iterations done, "
            + "creation time, held-out accuracy (base -> last iteration).")
    static final class ListRuns extends TrainerCommand {

        @Option(names = "--state", paramLabel = "STATE",
                description = "Only runs in this state: pending, running, succeeded, failed, cancelled, interrupted.")
        String state;

        @Option(names = "--page-size", paramLabel = "N", defaultValue = "0",
                description = "Runs per ListRuns call (default: the trainer's maximum).")
        int pageSize;

        @Option(names = "--json", description = "One Run per line as JSON instead of the table.")
        boolean json;

        @Override
        public Integer call() {
            ListRunsRequest.Builder request = ListRunsRequest.newBuilder().setPageSize(pageSize).setState(state(state));
            List<Run> runs = new ArrayList<>();
            try (TrainerOptions.Connection c = trainer.connect()) {
                do {
                    ListRunsResponse page = c.call().listRuns(request.build());
                    runs.addAll(page.getRunsList());
                    request.setPageToken(page.getNextPageToken());
                } while (!request.getPageToken().isEmpty());
            }
            if (json) {
                runs.forEach(r -> out.println(RunViews.json(r)));
            } else {
                RunViews.table(runs, out);
            }
            return Cli.OK;
        }

        static RunState state(String name) {
            if (name == null) {
                return RunState.RUN_STATE_UNSPECIFIED;
            }
            for (RunState s : RunState.values()) {
                if (s != RunState.UNRECOGNIZED && s != RunState.RUN_STATE_UNSPECIFIED
                        && (RunViews.stateName(s).equals(name.toLowerCase(Locale.ROOT)) || s.name().equals(name))) {
                    return s;
                }
            }
            throw new Cli.UsageError("--state " + name + " is not a run state; states: pending, running, succeeded, failed, "
                    + "cancelled, interrupted");
        }
    }

    @Command(name = "show", description = "Shows one run (GetRun): its state, config summary and per-iteration results.")
    static final class Show extends TrainerCommand {

        @Parameters(paramLabel = "RUN", description = "The run's id.")
        String runId;

        @Option(names = "--json", description = "The Run message as JSON, every field, instead of the summary.")
        boolean json;

        @Override
        public Integer call() {
            try (TrainerOptions.Connection c = trainer.connect()) {
                Run run = c.call().getRun(GetRunRequest.newBuilder().setRunId(runId).build());
                if (json) {
                    out.println(RunViews.json(run));
                } else {
                    RunViews.details(run, out);
                }
            }
            return Cli.OK;
        }
    }

    @Command(name = "watch", description = "Follows a run's events (WatchRun) until it ends, reconnecting after the last "
            + "event seen if the trainer drops; exit status 0 when the run succeeded, 1 when it failed, was cancelled or "
            + "interrupted.")
    static final class Watch extends TrainerCommand {

        @Parameters(paramLabel = "RUN", description = "The run's id.")
        String runId;

        @Option(names = "--after", paramLabel = "SEQUENCE", defaultValue = "0",
                description = "Only events after this sequence number (default: ${DEFAULT-VALUE}, every event).")
        long after;

        @Override
        public Integer call() {
            try (TrainerOptions.Connection c = trainer.connect()) {
                return RunViews.ended(RunViews.follow(c, runId, after, out));
            }
        }
    }

    @Command(name = "resume", description = "Continues a cancelled, failed or interrupted run at its first unfinished stage "
            + "(ResumeRun); with --watch follows it to its end.")
    static final class Resume extends TrainerCommand {

        @Parameters(paramLabel = "RUN", description = "The run's id.")
        String runId;

        @Option(names = {"-w", "--watch"}, description = "Follow the run until it ends; exit status 1 unless it succeeded.")
        boolean watch;

        @Override
        public Integer call() {
            try (TrainerOptions.Connection c = trainer.connect()) {
                Run run = c.call().resumeRun(ResumeRunRequest.newBuilder().setRunId(runId).build());
                out.printf("run %s %s%n", run.getRunId(), RunViews.stateName(run.getState()));
                return watch ? RunViews.ended(RunViews.follow(c, runId, 0, out)) : Cli.OK;
            }
        }
    }

    @Command(name = "cancel", description = "Stops a run at its next safe point (CancelRun); finished stages stay, so "
            + "'runs resume' continues it. Prints the run's state as the trainer answered.")
    static final class Cancel extends TrainerCommand {

        @Parameters(paramLabel = "RUN", description = "The run's id.")
        String runId;

        @Override
        public Integer call() {
            try (TrainerOptions.Connection c = trainer.connect()) {
                Run run = c.call().cancelRun(CancelRunRequest.newBuilder().setRunId(runId).build());
                out.printf("run %s %s%s%n", run.getRunId(), RunViews.stateName(run.getState()),
                        run.getState() == RunState.RUN_STATE_RUNNING || run.getState() == RunState.RUN_STATE_PENDING
                                ? " (cancellation requested; it stops at the next safe point)" : "");
            }
            return Cli.OK;
        }
    }
}
