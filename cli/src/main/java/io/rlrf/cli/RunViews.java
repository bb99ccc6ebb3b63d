package io.rlrf.cli;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.rlrf.api.trainer.v1.GetRunRequest;
import io.rlrf.api.trainer.v1.IterationSummary;
import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.Run;
import io.rlrf.api.trainer.v1.RunEvent;
import io.rlrf.api.trainer.v1.RunState;
import io.rlrf.api.trainer.v1.StageCompleted;
import io.rlrf.api.trainer.v1.StageProgress;
import io.rlrf.api.trainer.v1.WatchRunRequest;
import io.rlrf.cli.experiment.Experiment;

/** How runs, their events and their rows look on the terminal, and following a run to its end. */
final class RunViews {

    /** One proto message per line, field names as in the .proto, every field printed (stable columns). */
    static final JsonFormat.Printer JSON_LINE = JsonFormat.printer().preservingProtoFieldNames()
            .alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace();

    private RunViews() {
    }

    static String json(MessageOrBuilder message) {
        try {
            return JSON_LINE.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A mode's short name: MODE_REWARD_ONLY -> reward-only. */
    static String modeName(Mode mode) {
        return mode.name().substring("MODE_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** A state's short name: RUN_STATE_SUCCEEDED -> succeeded. */
    static String stateName(RunState state) {
        return state.name().substring("RUN_STATE_".length()).toLowerCase(Locale.ROOT);
    }

    static String time(Timestamp t) {
        return t.getSeconds() == 0 ? "-" : Instant.ofEpochSecond(t.getSeconds()).toString();
    }

    /** "3/3" iterations, and the stage a running run is in. */
    static String where(Run run) {
        String done = run.getIterationsCount() + "/" + run.getConfig().getIterations();
        if (run.getState() == RunState.RUN_STATE_RUNNING && run.hasProgress()) {
            StageProgress p = run.getProgress();
            return done + " (iteration " + p.getIteration() + " " + Experiment.stageName(p.getStage()) + " "
                    + p.getDone() + "/" + p.getTotal() + ")";
        }
        return done;
    }

    static String accuracy(Run run) {
        String base = run.hasBaseEvalAccuracy() ? percent(run.getBaseEvalAccuracy()) : "-";
        if (run.getIterationsCount() == 0) {
            return base;
        }
        return base + " -> " + percent(run.getIterations(run.getIterationsCount() - 1).getEvalAccuracy());
    }

    static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * share);
    }

    static void table(List<Run> runs, PrintStream out) {
        // The id column is as wide as the longest id, so long ids (the experiment's) keep the columns aligned.
        int width = Math.max(3, runs.stream().mapToInt(r -> r.getRunId().length()).max().orElse(0));
        String row = "%-" + width + "s  %-12s %-12s %-10s %-21s %s%n";
        out.printf(Locale.ROOT, row, "RUN", "STATE", "MODE", "ITERATIONS", "CREATED", "ACCURACY");
        for (Run r : runs) {
            out.printf(Locale.ROOT, row, r.getRunId(), stateName(r.getState()),
                    modeName(r.getConfig().getMode()), r.getIterationsCount() + "/" + r.getConfig().getIterations(),
                    time(r.getCreatedAt()), accuracy(r));
        }
    }

    static void details(Run run, PrintStream out) {
        var c = run.getConfig();
        out.printf(Locale.ROOT, "run        %s%n", run.getRunId());
        out.printf(Locale.ROOT, "state      %s%s%n", stateName(run.getState()), run.getError().isEmpty() ? "" : ": " + run.getError());
        out.printf(Locale.ROOT, "mode       %s, task %s, seed %d, judge %s%n", modeName(c.getMode()), c.getTask(), c.getSeed(),
                c.getJudge().isEmpty() ? "(the task's)" : c.getJudge());
        out.printf(Locale.ROOT, "base       %s%n", c.getBaseCheckpoint().isEmpty() ? "(the built-in base)" : c.getBaseCheckpoint());
        out.printf(Locale.ROOT, "iterations %s%n", where(run));
        out.printf(Locale.ROOT, "created    %s, updated %s%n", time(run.getCreatedAt()), time(run.getUpdatedAt()));
        if (!c.getLabelsMap().isEmpty()) {
            out.printf(Locale.ROOT, "labels     %s%n", c.getLabelsMap());
        }
        out.printf(Locale.ROOT, "%n%-9s %-28s %9s %6s %8s %8s %9s%n", "ITERATION", "POLICY", "ACCURACY", "PAIRS", "LOSS", "MARGIN",
                "ANS.TOKENS");
        if (run.hasBase() || run.hasBaseEvalAccuracy()) {
            out.printf(Locale.ROOT, "%-9d %-28s %9s %6s %8s %8s %9.1f%n", 0, run.getBase().getPolicyVersion(),
                    run.hasBaseEvalAccuracy() ? percent(run.getBaseEvalAccuracy()) : "-", "", "", "",
                    run.getBase().getMeanAnswerTokens());
        }
        for (IterationSummary s : run.getIterationsList()) {
            out.printf(Locale.ROOT, "%-9d %-28s %9s %6d %8.4f %8.4f %9.1f%n", s.getIteration(), s.getPolicyVersion(),
                    percent(s.getEvalAccuracy()), s.getPairs(), s.getLoss(), s.getRewardMargin(), s.getMeanAnswerTokens());
        }
    }

    /** One line per event worth reading: stage finished, iteration finished, state changed (progress is skipped). */
    static void event(RunEvent e, PrintStream out) {
        String at = "[" + e.getRunId() + " #" + e.getSequence() + "] ";
        switch (e.getEventCase()) {
            case STAGE_COMPLETED -> {
                StageCompleted s = e.getStageCompleted();
                out.printf(Locale.ROOT, "%siteration %d %-17s done in %.1f s%s%n", at, s.getIteration(),
                        Experiment.stageName(s.getStage()), s.getDurationMillis() / 1000.0, Experiment.highlights(s));
            }
            case ITERATION_COMPLETED -> out.printf(Locale.ROOT, "%siteration %d: held-out accuracy %s%n", at,
                    e.getIterationCompleted().getIteration(), percent(e.getIterationCompleted().getEvalAccuracy()));
            case STATE_CHANGED -> out.printf(Locale.ROOT, "%s%s%s%n", at, stateName(e.getStateChanged().getState()),
                    e.getStateChanged().getError().isEmpty() ? "" : ": " + e.getStateChanged().getError());
            default -> {
            }
        }
    }

    /**
     * Follows a run's events from {@code after} until the stream ends (the run left RUNNING), reconnecting
     * after the last event seen when the trainer becomes unreachable (up to 5 times); returns the run as
     * GetRun then answers.
     */
    static Run follow(TrainerOptions.Connection trainer, String runId, long after, PrintStream out) {
        int reconnects = 0;
        while (true) {
            try {
                Iterator<RunEvent> events = trainer.stream().watchRun(WatchRunRequest.newBuilder().setRunId(runId)
                        .setAfterSequence(after).build());
                while (events.hasNext()) {
                    RunEvent e = events.next();
                    after = e.getSequence();
                    event(e, out);
                }
                return trainer.call().getRun(GetRunRequest.newBuilder().setRunId(runId).build());
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if ((code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) || ++reconnects > 5) {
                    throw e;
                }
                out.printf(Locale.ROOT, "[%s] watch interrupted (%s); reconnecting after event %d%n", runId, code, after);
                try {
                    Thread.sleep(1000L * reconnects);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Exit status for a run that was followed to its end: 0 when it succeeded, else a failure naming the state. */
    static int ended(Run run) {
        if (run.getState() == RunState.RUN_STATE_SUCCEEDED) {
            return Cli.OK;
        }
        throw new Cli.Failure("run " + run.getRunId() + " ended " + stateName(run.getState())
                + (run.getError().isEmpty() ? "" : ": " + run.getError())
                + " (its files stay in the trainer's run root; 'runs resume " + run.getRunId() + "' continues it)");
    }
}
