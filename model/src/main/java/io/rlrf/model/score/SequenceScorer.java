package io.rlrf.model.score;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import io.rlrf.model.GradMode;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.nn.AttentionMask;
import io.rlrf.model.nn.LlamaModel;

import io.rlrf.model.Tensors;

/**
 * Sequence log-probabilities: {@code log pi(y | x) = sum_t log pi(y_t | x, y_<t)} over the
 * completion's tokens only (prompt tokens masked), what DPO's implicit reward and evaluation need.
 * Sequences of a batch are right-padded; padding is masked out of attention and of the sum.
 *
 * <p>Memory: the LM head and the log-softmax run over chunks of positions, so the full
 * {@code (B, T, V)} logits and log-softmax are never both alive. Without gradients a chunk's
 * arrays are freed before the next chunk (peak {@code B x chunk x V} instead of {@code 2 B T V});
 * with gradients autograd still keeps each chunk's log-softmax output for the backward pass (one
 * {@code B T V} in all, instead of the logits and the log-softmax, and the backward pass then
 * materialises gradients chunk by chunk instead of for the whole batch). A chunk holds at most
 * {@link #DEFAULT_CHUNK_LOGITS} logits; a batch that fits in one chunk is computed exactly as
 * before, bit for bit (the built-in 100-token model always does).
 */
public final class SequenceScorer {

    /**
     * Logits per chunk of positions (B x positions x V) unless a caller says otherwise: 2^24, 64 MiB
     * in fp32; a Qwen2-sized vocabulary (151,936) with 8 sequences gets 13 positions per chunk.
     */
    public static final long DEFAULT_CHUNK_LOGITS = 1L << 24;

    private SequenceScorer() {
    }

    /** A completion to score given its prompt; both non-empty. */
    public record Sequence(int[] prompt, int[] completion) {
        public Sequence {
            if (prompt == null || prompt.length == 0) {
                throw new IllegalArgumentException("prompt must hold at least one token (BOS)");
            }
            if (completion == null || completion.length == 0) {
                throw new IllegalArgumentException("completion must hold at least one token");
            }
        }

        public int length() {
            return prompt.length + completion.length;
        }
    }

    /** Summed and per-token log-probabilities of a batch, as NDArrays (with autograd when enabled). */
    public record Scores(
            NDArray sum, // (B) sum of completion-token log-probs
            NDArray tokenLogProbs, // (B, T) log-prob of each target token, 0 on masked positions
            NDArray mask, // (B, T) 1 on completion targets
            int[] completionTokens) { // per row
    }

    /**
     * Forward pass and gather, inside the caller's scope and gradient mode: the training path.
     * Target t of a row is token t+1 of prompt ++ completion; it counts iff it is a completion token.
     */
    public static Scores logProbs(LlamaModel model, List<Sequence> batch) {
        return logProbs(model, batch, DEFAULT_CHUNK_LOGITS);
    }

    /**
     * As {@link #logProbs(LlamaModel, List)}, with at most {@code chunkLogits} logits
     * ({@code B x positions x V}) alive per chunk of positions; at least one position per chunk.
     */
    public static Scores logProbs(LlamaModel model, List<Sequence> batch, long chunkLogits) {
        if (chunkLogits < 1) {
            throw new IllegalArgumentException("chunkLogits must be >= 1, got " + chunkLogits);
        }
        LlamaConfig config = model.config();
        NDManager manager = model.weights().manager();
        int b = batch.size();
        int t = 0;
        for (Sequence s : batch) {
            t = Math.max(t, s.length() - 1);
        }
        if (t + 1 > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("a sequence of " + (t + 1) + " tokens exceeds the model's "
                    + config.maxPositionEmbeddings() + " positions");
        }
        long[] inputs = new long[b * t]; // (B, T)
        long[] targets = new long[b * t]; // (B, T)
        long[] positions = new long[b * t]; // (B, T)
        float[] mask = new float[b * t]; // (B, T)
        boolean[][] real = new boolean[b][t];
        int[] counts = new int[b];
        for (int i = 0; i < b; i++) {
            Sequence s = batch.get(i);
            int[] seq = concat(s.prompt(), s.completion());
            for (int c = 0; c < t; c++) {
                boolean isReal = c < seq.length - 1;
                real[i][c] = isReal;
                inputs[i * t + c] = isReal ? check(seq[c], config) : config.eosTokenId();
                targets[i * t + c] = isReal ? check(seq[c + 1], config) : 0;
                positions[i * t + c] = isReal ? c : 0;
                if (isReal && c + 1 >= s.prompt().length) {
                    mask[i * t + c] = 1f;
                    counts[i]++;
                }
            }
        }
        // 1. the residual stream of every position
        NDArray hidden = model.hidden(Tensors.of(manager, inputs, new Shape(b, t)), Tensors.of(manager, positions, new Shape(b, t)),
                AttentionMask.bias(manager, real, 0, t), null); // (B, T, C)
        NDArray target = Tensors.of(manager, targets, new Shape(b, t, 1)); // (B, T, 1)
        NDArray m = Tensors.of(manager, mask, new Shape(b, t)); // (B, T)
        // 2. the target tokens' log-probabilities, chunk by chunk of positions
        int step = positionsPerChunk(b, t, config.vocabSize(), chunkLogits);
        NDArray tokenLp;
        if (step >= t) {
            tokenLp = targetLogProbs(model, hidden, target); // (B, T)
        } else {
            NDList chunks = new NDList();
            for (int from = 0; from < t; from += step) {
                NDIndex cols = new NDIndex(":, {}:{}", from, Math.min(t, from + step));
                chunks.add(targetLogProbs(model, hidden.get(cols), target.get(cols))); // (B, c)
            }
            tokenLp = NDArrays.concat(chunks, 1); // (B, T)
        }
        tokenLp = tokenLp.mul(m); // (B, T)
        return new Scores(tokenLp.sum(new int[] {1}), tokenLp, m, counts); // (B)
    }

    /** Positions per chunk so that {@code b x positions x vocab <= chunkLogits}, at least one. */
    static int positionsPerChunk(int b, int t, int vocab, long chunkLogits) {
        return (int) Math.max(1, Math.min(t, chunkLogits / ((long) b * vocab)));
    }

    /**
     * {@code log softmax(head(hidden))[target]} for one chunk of positions. The chunk's logits and
     * log-softmax are closed here: without gradients their memory is freed at once; with gradients
     * autograd keeps the log-softmax output it needs and nothing else.
     *
     * @param hidden (B, c, C)
     * @param target (B, c, 1)
     * @return (B, c)
     */
    private static NDArray targetLogProbs(LlamaModel model, NDArray hidden, NDArray target) {
        NDArray logits = model.logits(hidden); // (B, c, V)
        NDArray logp = logits.logSoftmax(-1); // (B, c, V)
        logits.close();
        Shape s = target.getShape();
        NDArray picked = logp.gather(target, 2).reshape(s.get(0), s.get(1)); // (B, c)
        logp.close();
        return picked;
    }

    /**
     * Summed completion log-probabilities without gradients, in chunks of {@code batchSize}
     * sequences, native memory released after each chunk.
     */
    public static double[] score(LlamaModel model, List<Sequence> sequences, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        double[] out = new double[sequences.size()];
        GradMode.withoutGradients(() -> {
            for (int start = 0; start < sequences.size(); start += batchSize) {
                List<Sequence> chunk = new ArrayList<>(sequences.subList(start,
                        Math.min(sequences.size(), start + batchSize)));
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    float[] sums = logProbs(model, chunk).sum().toType(DataType.FLOAT32, false).toFloatArray();
                    for (int i = 0; i < sums.length; i++) {
                        out[start + i] = sums[i];
                    }
                }
            }
            return null;
        });
        return out;
    }

    private static long check(int id, LlamaConfig config) {
        if (id < 0 || id >= config.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                    + config.vocabSize() + ")");
        }
        return id;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
