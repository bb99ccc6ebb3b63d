package io.rlrf.model.nn;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import io.rlrf.model.GradMode;

/**
 * Gradient checkpointing (Chen et al. 2016, "Training Deep Nets with Sublinear Memory Cost"), one
 * checkpoint per decoder block, done from Java because DJL exposes no {@code torch.utils.checkpoint}
 * and no custom autograd function. What it uses instead is libtorch's vector-Jacobian product:
 * {@code backward(output, gradOutput)}, which DJL's {@code JniUtils.backward} reaches.
 *
 * <ol>
 *   <li>Forward, with gradients on: the embedding is recorded by autograd; each block then runs
 *       <em>without</em> gradients, its arrays freed as soon as it ends, only its input kept
 *       ({@code (B, T, C)}); the last block's output is handed on as a leaf that requires a gradient.</li>
 *   <li>The caller computes the loss from it and runs {@code backward(loss)}: gradients of the head
 *       and final norm, and of that leaf.</li>
 *   <li>{@link #backward()}: for the last block down to the first, recompute the block with
 *       gradients from its kept input (made a leaf), {@code backward(output, gradient of output)}
 *       (the block's weight gradients accumulate, the input's gradient is the next block's output
 *       gradient), free the block's arrays; finally {@code backward(embedding, gradient)}.</li>
 * </ol>
 * Activations held: L block inputs plus one block's arrays at a time, instead of every block's. The
 * price is a second forward pass through the blocks. One checkpointed forward pass per backward pass
 * (what the trainers do, one per micro-batch): a pass still pending when the next one starts belongs
 * to a step that failed before its backward pass, and is dropped. Recomputation is deterministic here (no dropout
 * in the blocks); a block with dropout would need its random state replayed.
 */
final class ActivationCheckpoints {

    /** One checkpointed forward pass awaiting its backward pass. */
    private record Pass(NDArray embedded, List<NDArray> inputs, NDArray output, NDList cs, NDArray bias) {
    }

    private final LlamaModel model;
    private final Deque<Pass> pending = new ArrayDeque<>();

    ActivationCheckpoints(LlamaModel model) {
        this.model = model;
    }

    /**
     * Step 1: the blocks without gradients from {@code embedded} (recorded by autograd).
     *
     * @param embedded (B, T, C)
     * @return the last block's output, (B, T, C), a leaf requiring a gradient
     */
    NDArray forward(NDArray embedded, NDList cs, NDArray bias) {
        discard();
        int layers = model.config().numHiddenLayers();
        List<NDArray> inputs = new ArrayList<>(layers);
        NDArray x = embedded.stopGradient(); // (B, T, C) same values, no graph
        for (int l = 0; l < layers; l++) {
            inputs.add(x);
            NDArray in = x;
            int layer = l;
            x = GradMode.withoutGradients(() -> {
                try (NDScope scope = new NDScope()) {
                    NDArray out = model.block(layer, in, cs, bias, null); // (B, T, C)
                    scope.suppressNotUsedWarning();
                    NDScope.unregister(out); // kept: the next block's input
                    return out;
                }
            });
        }
        x.setRequiresGradient(true); // the leaf the loss's gradient arrives at
        pending.push(new Pass(embedded, inputs, x, cs, bias));
        return x;
    }

    /** Frees the arrays of passes whose backward pass never came. */
    void discard() {
        while (!pending.isEmpty()) {
            Pass p = pending.pop();
            for (int l = 1; l < p.inputs().size(); l++) {
                p.inputs().get(l).close();
            }
            p.output().close();
        }
    }

    /** Step 3, for the pending pass. */
    void backward() {
        while (!pending.isEmpty()) {
            Pass p = pending.pop();
            NDArray grad = p.output().getGradient(); // (B, T, C) d loss / d output of the last block
            for (int l = p.inputs().size() - 1; l >= 0; l--) {
                NDArray in = p.inputs().get(l);
                in.setRequiresGradient(true);
                NDArray inGrad;
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray out = model.block(l, in, p.cs(), p.bias(), null); // (B, T, C) recomputed with autograd
                    JniUtils.backward((PtNDArray) out, (PtNDArray) grad, false, false);
                    inGrad = in.getGradient().duplicate(); // (B, T, C) a copy: the input is freed below
                    NDScope.unregister(inGrad);
                }
                grad.close();
                if (l > 0) { // block 0's input is the embedding's detached view: freed with the caller's scope
                    in.close();
                }
                grad = inGrad;
            }
            p.output().close();
            JniUtils.backward((PtNDArray) p.embedded(), (PtNDArray) grad, false, false); // the embedding's gradient
            grad.close();
        }
    }
}
