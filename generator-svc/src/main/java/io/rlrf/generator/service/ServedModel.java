package io.rlrf.generator.service;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import io.rlrf.model.Policy;
import io.rlrf.model.generate.EngineParams;
import io.rlrf.model.generate.GenerationEngine;

/**
 * A loaded checkpoint and the number of users holding it. The model store holds one reference while
 * the version is current; every request holds one from admission until its last sequence is done,
 * and the batch worker holds one for each engine step. The policy's native memory (its generation
 * engine's KV cache included) is freed when the last reference goes, so a hot swap never closes a
 * model a request or step still uses.
 */
public final class ServedModel {

    private final String version;
    private final Policy policy;
    private GenerationEngine engine; // created and used by the batch worker only
    private final Instant loadedAt;
    private final AtomicInteger references = new AtomicInteger(1); // the store's own reference

    ServedModel(String version, Policy policy, Instant loadedAt) {
        this.version = version;
        this.policy = policy;
        this.loadedAt = loadedAt;
    }

    public String version() {
        return version;
    }

    public Policy policy() {
        return policy;
    }

    /** This model's generation engine, created on first use (batch worker thread only). */
    GenerationEngine engine(EngineParams params) {
        if (engine == null) {
            policy.requireTokenizer(); // served models read and write text
            engine = policy.generationEngine(params); // stops on every EOS id of the checkpoint
        }
        return engine;
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
            policy.close(); // frees the engine's buffers too: they live on the policy's manager
        }
    }

    /** Whether the policy's native memory was freed. */
    boolean isClosed() {
        return references.get() == 0;
    }
}
