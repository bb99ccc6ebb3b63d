package io.rlrf.cli;

import java.io.PrintStream;

/** Lets tests in other packages call {@link RlrfCli#run} without System.exit. */
public final class RlrfCliAccess {

    private RlrfCliAccess() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        return RlrfCli.run(args, out, err);
    }
}
