package io.rlrf.common.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import io.grpc.Status;

class GrpcErrorMapperTest {

    @Test
    void everyKindHasItsOwnStatus() {
        var seen = new java.util.HashSet<Status.Code>();
        for (ServiceException.Kind kind : ServiceException.Kind.values()) {
            Status status = GrpcErrorMapper.toStatus(new ServiceException(kind, "m"));
            assertTrue(seen.add(status.getCode()), "two kinds map to " + status.getCode());
            assertFalse(status.getCode() == Status.Code.INTERNAL || status.getCode() == Status.Code.UNKNOWN);
        }
    }

    @Test
    void serviceExceptionKeepsItsMessage() {
        Status status = GrpcErrorMapper.toStatus(ServiceException.invalidArgument("n", "must be at least 1, got 0"));
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode());
        assertEquals("n must be at least 1, got 0", status.getDescription());
    }

    @Test
    void limitExceededIsResourceExhaustedAndNamesTheProperty() {
        Status status = GrpcErrorMapper.toStatus(ServiceException.limitExceeded("n", 64, 16, "rlrf.generator.limits.max-n"));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode());
        assertEquals("n is 64, above the limit of 16 (set by rlrf.generator.limits.max-n)", status.getDescription());
    }

    @Test
    void wrappedServiceExceptionIsUnwrapped() {
        Status status = GrpcErrorMapper.toStatus(new CompletionException(ServiceException.notFound("run r-1 not found")));
        assertEquals(Status.Code.NOT_FOUND, status.getCode());
        assertEquals("run r-1 not found", status.getDescription());
    }

    @Test
    void grpcStatusPassesThrough() {
        Status status = GrpcErrorMapper.toStatus(Status.DEADLINE_EXCEEDED.withDescription("late").asRuntimeException());
        assertEquals(Status.Code.DEADLINE_EXCEEDED, status.getCode());
        assertEquals("late", status.getDescription());
    }

    @Test
    void unexpectedErrorIsInternalWithoutLeakingTheClassOrMessage() {
        Status status = GrpcErrorMapper.toStatus(new IllegalStateException("secret detail"));
        assertEquals(Status.Code.INTERNAL, status.getCode());
        assertFalse(status.getDescription().contains("IllegalStateException"));
        assertFalse(status.getDescription().contains("secret detail"));
        assertTrue(status.getDescription().contains("error id"));
    }
}
