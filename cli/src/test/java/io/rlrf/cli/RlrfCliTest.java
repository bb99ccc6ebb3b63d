package io.rlrf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.grpc.Status;

/**
 * The CLI's own logic. Its probe against the real services runs in .ci/run through bin/rlrf demo,
 * which starts all four.
 */
class RlrfCliTest {

    @Test
    void onlyUnimplementedCountsAsNotImplementedAndTransportErrorsFail() {
        assertEquals(Probe.Outcome.IMPLEMENTED, Probe.classify(Status.Code.OK));
        assertEquals(Probe.Outcome.IMPLEMENTED, Probe.classify(Status.Code.NOT_FOUND));
        assertEquals(Probe.Outcome.NOT_IMPLEMENTED, Probe.classify(Status.Code.UNIMPLEMENTED));
        for (Status.Code code : new Status.Code[] {Status.Code.INTERNAL, Status.Code.UNKNOWN, Status.Code.UNAVAILABLE,
                Status.Code.INVALID_ARGUMENT, Status.Code.DEADLINE_EXCEEDED}) {
            assertEquals(Probe.Outcome.FAILED, Probe.classify(code), code.name());
        }
    }

    @Test
    void badUsageExitsWithTwo() {
        var err = new ByteArrayOutputStream();
        assertEquals(2, RlrfCli.run(new String[] {"frobnicate"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("Usage: rlrf-cli"), err.toString(StandardCharsets.UTF_8));
        assertEquals(2, RlrfCli.run(new String[] {"health", "--nosuch", "x:1"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream())));
    }

    @Test
    void unreachableServiceMakesHealthFail() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String target = "127.0.0.1:" + closedPort;
        var out = new ByteArrayOutputStream();
        int status = RlrfCli.run(new String[] {"health", "--generator", target, "--reward", target, "--reflector", target,
                "--trainer", target}, new PrintStream(out), new PrintStream(new ByteArrayOutputStream()));
        assertEquals(1, status);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("UNAVAILABLE"), printed);
        assertTrue(printed.contains("4 checked: 0 ok, 0 not implemented yet, 4 failed"), printed);
    }
}
