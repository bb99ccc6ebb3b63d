package io.rlrf.generator.service;

import java.util.concurrent.atomic.AtomicInteger;

import io.rlrf.model.Policy;

/**
 * A full checkpoint in memory and the number of served models over it: the version itself, and any
 * LoRA adapters hot-swapped onto it, share one copy of its weights. Its native memory is freed when
 * the last of them goes.
 */
final class LoadedBase {

    private final String version;
    private final Policy policy;
    private final AtomicInteger references = new AtomicInteger(1); // the served model it was loaded for

    LoadedBase(String version, Policy policy) {
        this.version = version;
        this.policy = policy;
    }

    String version() {
        return version;
    }

    Policy policy() {
        return policy;
    }

    /** Takes a reference for another served model; false when the base was already freed. */
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
}
