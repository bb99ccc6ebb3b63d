package io.rlrf.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code probe}: health, then every RPC of the four services with a valid request that changes nothing. */
@Command(name = "probe", description = "Checks health, then calls every RPC of the four services with a valid request "
        + "that changes nothing (StartRun with validate_only; run-level RPCs and LoadCheckpoint name a run or version "
        + "that does not exist) and prints one line per RPC: ok, not implemented (UNIMPLEMENTED) or FAILED. Exit status "
        + "0 when every service is SERVING and no RPC FAILED, 1 otherwise.")
class ProbeCommand extends Cli.Command implements Callable<Integer> {

    @Mixin
    ServiceTargets targets;

    @Override
    public Integer call() {
        HealthCommand health = new HealthCommand();
        health.streams(out, err);
        return health.check(targets.byService(), true);
    }
}
