package io.rlrf.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * Command-line client of the RLRF services ({@code bin/rlrf} runs it): {@code health}, {@code probe},
 * {@code experiment}, {@code bootstrap}, {@code run start}, {@code runs list|show|watch|resume|cancel}
 * {@code pairs export} and {@code just-eval}. Every command documents its options under {@code --help} (exit status 0);
 * the exit statuses are {@link Cli#OK}, {@link Cli#FAILED} and {@link Cli#USAGE}.
 */
@Command(name = "rlrf-cli", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true, version = "rlrf-cli 0.1.0",
        usageHelpAutoWidth = true, sortOptions = false,
        description = "Command-line client of the RLRF services: health checks, runs through trainer-svc, pairs export, "
                + "Just-Eval, the built-in experiment.",
        exitCodeListHeading = "%nExit status:%n", exitCodeList = {
            "0:ok (for a run: it succeeded)",
            "1:a run failed or was cancelled; a service answered with an error (printed as its gRPC status and message) "
                    + "or could not be reached; an output file could not be written",
            "2:bad usage: an unknown command or option, a bad value, an unreadable or invalid config or pairs file"},
        subcommands = {HealthCommand.class, ProbeCommand.class, RunCommand.class, RunsCommand.class, PairsCommand.class,
            JustEvalCommand.class, ExperimentCommand.class, BootstrapCommand.class, CommandLine.HelpCommand.class})
public final class RlrfCli implements Runnable {

    @Spec
    CommandSpec spec;

    RlrfCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Parses {@code args}, runs the command, and returns its exit status (no System.exit, for tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine cli = new CommandLine(new RlrfCli(), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                K made = defaults.create(type);
                if (made instanceof Cli.Command c) {
                    c.streams(out, err);
                }
                return made;
            }
        });
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setExecutionExceptionHandler(Cli.exceptionHandler(err));
        cli.setParameterExceptionHandler((e, args1) -> {
            // The reason first, then the usage of the command that was being parsed.
            PrintWriter w = e.getCommandLine().getErr();
            w.println("error: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, w);
            e.getCommandLine().usage(w);
            return Cli.USAGE;
        });
        return cli.execute(args);
    }

    /** No command given: the usage, as bad usage. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
