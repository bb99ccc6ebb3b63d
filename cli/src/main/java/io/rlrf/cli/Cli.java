package io.rlrf.cli;

import java.io.PrintStream;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;

/**
 * What every command shares: its exit statuses, its two streams, and the errors that end it. A
 * command throws {@link UsageError} (exit 2) or {@link Failure} (exit 1) with a message for the user;
 * a {@link StatusRuntimeException} from a service is printed as its status and message (exit 1).
 * Nothing prints a stack trace.
 */
public final class Cli {

    /** Everything asked for was done (for a run: it succeeded). */
    public static final int OK = 0;
    /** A run failed or was cancelled, a service answered with an error or could not be reached, or a file could not be written. */
    public static final int FAILED = 1;
    /** Bad usage: an unknown command or option, a bad value, an unreadable or invalid config or pairs file. */
    public static final int USAGE = 2;

    private Cli() {
    }

    /** Bad usage, found after parsing (a config file that does not parse, a value out of range). */
    public static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UsageError(String message) {
            super(message);
        }
    }

    /** The command ran and something failed that the user should read about. */
    public static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Failure(String message) {
            super(message);
        }
    }

    /** A command of this CLI: it prints to the streams the caller gave {@link RlrfCli#run}. */
    abstract static class Command {
        protected PrintStream out = System.out;
        protected PrintStream err = System.err;

        void streams(PrintStream out, PrintStream err) {
            this.out = out;
            this.err = err;
        }

        /** What a failed call to a service is reported against, e.g. "trainer-svc at 127.0.0.1:8714". */
        String peer() {
            return "the service";
        }
    }

    /** One line for a service's error: its gRPC status and message. */
    static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    }

    /** Maps what a command threw to its message and exit status. */
    static CommandLine.IExecutionExceptionHandler exceptionHandler(PrintStream err) {
        return (e, commandLine, parseResult) -> {
            String peer = commandLine.getCommand() instanceof Command c ? c.peer() : "the service";
            if (e instanceof UsageError) {
                err.println("error: " + e.getMessage());
                err.println("(" + commandLine.getCommandSpec().qualifiedName() + " --help lists the options)");
                return USAGE;
            }
            if (e instanceof Failure) {
                err.println("error: " + e.getMessage());
                return FAILED;
            }
            if (e instanceof StatusRuntimeException s) {
                err.println("error: " + peer + " answered " + describe(s.getStatus()));
                return FAILED;
            }
            err.println("error: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            return FAILED;
        };
    }
}
