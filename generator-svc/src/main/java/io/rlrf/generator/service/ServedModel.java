package io.rlrf.generator.service;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.rlrf.model.Policy;
import io.rlrf.model.generate.BatchingLanes;
import io.rlrf.model.generate.EngineParams;
import io.rlrf.model.generate.GenerationEngine;
import io.rlrf.model.lora.LoraWeights;

/**
 * A loaded checkpoint and the number of users holding it. The model store holds one reference while
 * the version is current; every request holds one from admission until its last sequence is done,
 * and the batch worker holds one for each engine step. The policy's native memory (its generation
 * engine's KV cache included) is freed when the last reference goes, so a hot swap never closes a
 * model a request or step still uses.
 *
 * <p>A served model is a full checkpoint, or a LoRA adapter on one ({@link LoadedBase}): the adapter's
 * engine runs the base's network with the adapter applied, and the base's weights are shared with
 * every other served model over the same base (the version being replaced, typically).
 */
public final class ServedModel implements BatchingLanes.Model {

    private final String version;
    private final LoadedBase base;
    private final LoraWeights adapter; // null: the base checkpoint itself
    private final Map<Integer, GenerationEngine> engines = new ConcurrentHashMap<>(); // one per batching lane, used by its worker only
    private final Instant loadedAt;
    private final AtomicInteger references = new AtomicInteger(1); // the store's own reference

    /** Takes over one reference to {@code base} and, if not null, ownership of {@code adapter}. */
    ServedModel(String version, LoadedBase base, LoraWeights adapter, Instant loadedAt) {
        this.version = version;
        this.base = base;
        this.adapter = adapter;
        this.loadedAt = loadedAt;
    }

    @Override
    public String version() {
        return version;
    }

    /** The base checkpoint's policy: its tokenizer, chat template, EOS ids and config serve the adapter too. */
    public Policy policy() {
        return base.policy();
    }

    LoadedBase base() {
        return base;
    }

    /** The store version of the base checkpoint: this version itself unless it is an adapter. */
    public String baseVersion() {
        return base.version();
    }

    /**
     * This model's generation engine in batching lane {@code lane}, created on first use (that lane's
     * worker thread only); the lanes' engines share the weights and each has its own KV cache.
     */
    @Override
    public GenerationEngine engine(int lane, EngineParams params) {
        return engines.computeIfAbsent(lane, l -> {
            Policy policy = base.policy();
            policy.requireTokenizer(); // served models read and write text
            return adapter == null ? policy.generationEngine(params) // stops on every EOS id of the checkpoint
                    : new GenerationEngine(policy.baseModel().withAdapter(adapter), policy.requireTokenizer(),
                            policy.stopTokens(), params);
        });
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    /** Takes a reference; false when the model was already closed (the caller re-reads the current one). */
    @Override
    public boolean tryAcquire() {
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

    /**
     * Gives a reference back; the last one frees the engines' KV caches and the adapter, and gives the
     * base back (freed when no other served model holds it).
     */
    @Override
    public void release() {
        if (references.decrementAndGet() == 0) {
            engines.values().forEach(GenerationEngine::close);
            if (adapter != null) {
                adapter.close();
            }
            base.release();
        }
    }

    /** Whether the policy's native memory was freed. */
    boolean isClosed() {
        return references.get() == 0;
    }
}
