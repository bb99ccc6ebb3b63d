package io.rlrf.common.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.grpc.Status;

/** How messages repeat a caller's value, and the bound on a whole message (issue 18, point 8). */
class EchoTest {

    @Test
    void aShortValueIsQuotedWhole() {
        assertEquals("'runs/r-1'", Echo.of("runs/r-1"));
    }

    @Test
    void aLongValueIsCutToAPrefixWithItsLength() {
        String echoed = Echo.of("a".repeat(131072));
        assertEquals("'" + "a".repeat(Echo.MAX_CHARS) + "...' (131072 characters)", echoed);
    }

    @Test
    void controlCharactersAndQuotesAreEscaped() {
        assertEquals("'a\\u0000b\\u000ac\\'d'", Echo.of("a\u0000b\nc'd"));
    }

    @Test
    void aSurrogatePairIsNeverSplit() {
        String value = "x".repeat(Echo.MAX_CHARS - 1) + "\uD83D\uDE00tail";
        String echoed = Echo.of(value);
        assertTrue(echoed.startsWith("'" + "x".repeat(Echo.MAX_CHARS - 1) + "...'"), echoed);
        assertEquals("'\\ud83d'", Echo.of("\uD83D"), "a lone surrogate is escaped");
    }

    @Test
    void everyStatusDescriptionIsBounded() {
        Status status = GrpcErrorMapper.toStatus(ServiceException.invalidArgument("x", "y".repeat(100_000)));
        assertTrue(status.getDescription().length() <= GrpcErrorMapper.MAX_DESCRIPTION_CHARS);
        assertTrue(status.getDescription().endsWith("(message cut: 100002 characters)"), status.getDescription());
        Status passed = GrpcErrorMapper.toStatus(Status.NOT_FOUND.withDescription("z".repeat(50_000)).asRuntimeException());
        assertEquals(Status.Code.NOT_FOUND, passed.getCode());
        assertTrue(passed.getDescription().length() <= GrpcErrorMapper.MAX_DESCRIPTION_CHARS);
    }
}
