package io.rlrf.model.train;

import io.rlrf.model.LlamaConfig;

/**
 * What training and generation hold in memory, per model size, as this library computes (fp32
 * compute on libtorch; the counts follow the code of {@code nn/*} and {@code SequenceScorer}, op by
 * op). {@code PeakMemoryTest} checks the activation count against libtorch's measured peak at small
 * sizes; model/README tabulates it for real sizes.
 *
 * <p>Activations: every array a forward pass creates stays alive until its micro-batch's backward
 * pass ends (DJL keeps a handle to each in the micro-batch's scope, and autograd saves most of them
 * anyway). Per token and layer that is, in floats: attention {@code 5C + 9HD + 6H_kv D + 3HT}
 * (two RMSNorm temporaries and the norm, the fused QKV projection, RoPE's four products, the scaled
 * queries, scores, mask, softmax, the attended values and their transposed copy, the output
 * projection and the residual) and MLP {@code 5C + 5F} (norm, the fused gate/up projection, the
 * SiLU's sigmoid and product, the gated product, the down projection and the residual). The head
 * keeps the final norm's arrays ({@code 3C}), the embedding ({@code C}) and, with chunked scoring,
 * one log-softmax ({@code V}) per token.
 */
public final class MemoryBudget {

    /** Bytes of an fp32 value, the dtype of compute, gradients and AdamW's moments here. */
    public static final int FP32 = 4;

    private MemoryBudget() {
    }

    /** Floats one decoder layer keeps per token of a (rows, positions) batch until backward. */
    public static long layerFloatsPerToken(LlamaConfig c, int positions) {
        long C = c.hiddenSize();
        long hd = (long) c.numAttentionHeads() * c.headDim();
        long kvd = (long) c.numKeyValueHeads() * c.headDim();
        long attention = 5 * C + 9 * hd + 6 * kvd + 3L * c.numAttentionHeads() * positions;
        long mlp = 5 * C + 5L * c.intermediateSize();
        return attention + mlp;
    }

    /** Floats the embedding, final norm and (chunked) log-softmax keep per token until backward. */
    public static long headFloatsPerToken(LlamaConfig c) {
        return 4L * c.hiddenSize() + c.vocabSize();
    }

    /** Activation bytes of one training micro-batch of {@code rows} sequences of {@code positions}. */
    public static long activationBytes(LlamaConfig c, int rows, int positions) {
        long perToken = c.numHiddenLayers() * layerFloatsPerToken(c, positions) + headFloatsPerToken(c);
        return FP32 * rows * (long) positions * perToken;
    }

    /**
     * Activation bytes of the same micro-batch with activation checkpointing
     * ({@link io.rlrf.model.nn.LlamaModel#setActivationCheckpointing}): each block's input
     * ({@code C} floats per token and layer), one block's arrays at a time (recomputed in the backward
     * pass) and the head's.
     */
    public static long checkpointedActivationBytes(LlamaConfig c, int rows, int positions) {
        long perToken = (long) c.numHiddenLayers() * c.hiddenSize() + layerFloatsPerToken(c, positions)
                + headFloatsPerToken(c);
        return FP32 * rows * (long) positions * perToken;
    }

    /**
     * Trainer state that lives across steps: the weights in fp32, and for each trainable parameter
     * its gradient and AdamW's two moments (fp32). Training in shards ({@link PolicyTrainer}) adds one
     * more gradient per trainable parameter for each shard after the first (their leaves alias the
     * weights, so no copy of them); a micro-batch's activations stay as {@link #activationBytes} gives,
     * divided among the shards.
     */
    public static long trainerStateBytes(long parameters, long trainableParameters) {
        return FP32 * parameters + 3L * FP32 * trainableParameters;
    }

    /** K/V cache bytes for {@code sequences} sequences of {@code positions} tokens each. */
    public static long kvCacheBytes(LlamaConfig c, int sequences, int positions, int bytesPerValue) {
        return 2L * c.numHiddenLayers() * c.numKeyValueHeads() * c.headDim() * sequences * (long) positions * bytesPerValue;
    }

    /**
     * Trainable parameters of LoRA adapters of rank {@code rank} on every attention (q, k, v, o) and
     * MLP (gate, up, down) projection: {@code r (in + out)} per projection.
     */
    public static long loraParameters(LlamaConfig c, int rank) {
        long C = c.hiddenSize();
        long q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        long F = c.intermediateSize();
        long perLayer = (C + q) + 2 * (C + kv) + (q + C) + 2 * (C + F) + (F + C);
        return rank * perLayer * c.numHiddenLayers();
    }
}
