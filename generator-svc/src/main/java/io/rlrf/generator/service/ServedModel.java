package io.rlrf.generator.service;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import io.rlrf.model.Policy;
import io.rlrf.model.generate.Generator;

/**
 * A loaded checkpoint and the number of users holding it. The model store holds one reference while
 * the version is current; every request holds one from admission until its last sequence is done,
 * and the batch worker holds one for each batch. The policy's native memory is freed when the last
 * reference goes, so a hot swap never closes a model a request or batch still uses.
 */
public final class ServedModel {

    private final String version;
    private final Policy policy;
    private final Generator generator;
    private final Instant loadedAt;
    private final AtomicInteger references = new AtomicInteger(1); // the store's own reference

    ServedModel(String version, Policy policy, Instant loadedAt) {
        this.version = version;
        this.policy = policy;
        this.generator = new Generator(policy.model(), policy.requireTokenizer());
        this.loadedAt = loadedAt;
    }

    public String version() {
        return version;
    }

    public Policy policy() {
        return policy;
    }

    Generator generator() {
        return generator;
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    /** Takes a reference; false when the model was already closed (the caller re-reads the current one). */
    boolean tryAcquire() {
        while (true) {
            int n = references.get();
            if (n == 0) {
                return false;
            }
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives a reference back; the last one closes the policy. */
    void release() {
        if (references.decrementAndGet() == 0) {
            policy.close();
        }
    }

    /** Whether the policy's native memory was freed. */
    boolean isClosed() {
        return references.get() == 0;
    }
}
