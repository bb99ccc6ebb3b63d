package io.rlrf.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for a batch of sequences being decoded, preallocated to the
 * longest length the batch can reach, so each decoding step writes one slot instead of re-running
 * the whole prefix. Slot t of every row holds the token at column t of the (left-padded) batch;
 * which slots are real tokens is the attention mask's business, not the cache's.
 */
public final class KvCache implements AutoCloseable {

    private final NDArray[] keys; // L x (B, Hkv, Tmax, D)
    private final NDArray[] values; // L x (B, Hkv, Tmax, D)
    private final int capacity;
    private int length;

    public KvCache(NDManager manager, int layers, int batch, int kvHeads, int headDim, int capacity) {
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.capacity = capacity;
        Shape shape = new Shape(batch, kvHeads, capacity, headDim);
        for (int l = 0; l < layers; l++) {
            keys[l] = manager.zeros(shape);
            values[l] = manager.zeros(shape);
        }
    }

    /** Slots filled so far (the same for every layer once a forward pass completes). */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Writes the new keys and values at slots [start, start + T) of layer {@code layer} and returns
     * views of slots [0, start + T).
     *
     * @param k (B, Hkv, T, D)
     * @param v (B, Hkv, T, D)
     * @return keys and values, two (B, Hkv, start + T, D) views
     */
    public NDArray[] append(int layer, int start, NDArray k, NDArray v) {
        int end = start + (int) k.getShape().get(2);
        if (end > capacity) {
            throw new IllegalStateException("KV cache overflow: " + end + " slots needed, capacity " + capacity);
        }
        NDIndex slots = new NDIndex().addAllDim(2).addSliceDim(start, end); // [:, :, start:end], no string parsing
        keys[layer].set(slots, k);
        values[layer].set(slots, v);
        if (layer == keys.length - 1) {
            length = end;
        }
        NDIndex prefix = new NDIndex().addAllDim(2).addSliceDim(0, end); // [:, :, :end]
        return new NDArray[] {keys[layer].get(prefix), values[layer].get(prefix)};
    }

    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            keys[l].close();
            values[l].close();
        }
    }
}
