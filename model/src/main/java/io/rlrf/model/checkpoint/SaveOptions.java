package io.rlrf.model.checkpoint;

/**
 * How {@link Checkpoint#save} writes weights.
 *
 * @param dtype         the stored dtype; null (the default) for the base's {@code torch_dtype}, float32
 *                      for a model that has no base on disk. Computation stays float32 either way.
 * @param maxShardBytes above this many bytes of tensor data the weights are split into
 *                      {@code model-00001-of-0000N.safetensors} files listed in
 *                      {@code model.safetensors.index.json}, as {@code transformers} does; default 5 GB
 *                      (5 * 10^9 bytes, {@code transformers}' default)
 */
public record SaveOptions(Dtype dtype, long maxShardBytes) {

    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    /** The base's dtype, shards of at most 5 GB. */
    public static final SaveOptions DEFAULT = new SaveOptions(null, DEFAULT_MAX_SHARD_BYTES);

    public SaveOptions {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be > 0, got " + maxShardBytes);
        }
    }

    /** These options with the given stored dtype. */
    public SaveOptions withDtype(Dtype d) {
        return new SaveOptions(d, maxShardBytes);
    }

    /** These options with the given shard size. */
    public SaveOptions withMaxShardBytes(long bytes) {
        return new SaveOptions(dtype, bytes);
    }
}
