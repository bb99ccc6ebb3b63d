package io.rlrf.model.train;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter 2019, Algorithm 2):
 * <pre>
 *   m = b1 m + (1 - b1) g            v = b2 v + (1 - b2) g^2
 *   m^ = m / (1 - b1^t)              v^ = v / (1 - b2^t)
 *   p = p - lr (m^ / (sqrt(v^) + eps) + wd p)      (wd on matrices only)
 * </pre>
 * plus the two chores around it: zeroing gradients and clipping their global norm. Moment buffers
 * are allocated once, up front, on their own manager, so steps allocate nothing that outlives them.
 * Call every method inside the caller's {@code NDScope} with gradient recording off.
 */
public final class AdamW implements AutoCloseable {

    private final List<NDArray> params;
    private final List<NDArray> m = new ArrayList<>();
    private final List<NDArray> v = new ArrayList<>();
    private final NDManager stateManager;
    private final OptimizerParams p;
    private int t;
    private boolean gradientsExist;

    public AdamW(List<NDArray> params, OptimizerParams p, NDManager parent) {
        this.params = List.copyOf(params);
        this.p = p;
        this.stateManager = parent.newSubManager();
        for (NDArray param : this.params) {
            m.add(stateManager.zeros(param.getShape(), param.getDataType(), param.getDevice()));
            v.add(stateManager.zeros(param.getShape(), param.getDataType(), param.getDevice()));
        }
        m.forEach(NDScope::unregister); // live as long as the optimiser
        v.forEach(NDScope::unregister);
    }

    /** Optimiser steps taken so far. */
    public int stepsTaken() {
        return t;
    }

    /** Sets every parameter's accumulated gradient to zero (start of a step). */
    public void zeroGradients() {
        if (!gradientsExist) {
            return; // before the first backward pass there are no gradient buffers to clear
        }
        for (NDArray param : params) {
            JniUtils.zeroGrad((PtNDArray) param);
        }
    }

    /** Marks that a backward pass has run, so gradient buffers exist. */
    void gradientsComputed() {
        gradientsExist = true;
    }

    /**
     * Scales all gradients so that their global L2 norm is at most {@code maxGradNorm} (no-op when it
     * is 0) and returns the norm before clipping.
     */
    public double clipGradients() {
        NDList squares = new NDList();
        for (NDArray param : params) {
            squares.add(param.getGradient().square().sum());
        }
        double norm = Math.sqrt(NDArrays.stack(squares).sum().getFloat());
        if (p.maxGradNorm() > 0 && norm > p.maxGradNorm()) {
            float scale = (float) (p.maxGradNorm() / (norm + 1e-6));
            for (NDArray param : params) {
                param.getGradient().muli(scale);
            }
        }
        return norm;
    }

    /** One AdamW update at learning rate {@code lr}. */
    public void step(double lr) {
        t++;
        // scalars as float: a double scalar would promote the arrays to float64
        float b1 = (float) p.beta1();
        float b2 = (float) p.beta2();
        float c1 = (float) (1 - Math.pow(p.beta1(), t));
        float c2 = (float) (1 - Math.pow(p.beta2(), t));
        float decay = (float) (lr * p.weightDecay());
        float eps = (float) p.eps();
        float rate = (float) lr;
        for (int i = 0; i < params.size(); i++) {
            NDArray param = params.get(i);
            NDArray g = param.getGradient();
            NDArray mi = m.get(i);
            NDArray vi = v.get(i);
            mi.muli(b1).addi(g.mul(1 - b1)); // m = b1 m + (1 - b1) g
            vi.muli(b2).addi(g.square().muli(1 - b2)); // v = b2 v + (1 - b2) g^2
            if (decay > 0 && param.getShape().dimension() >= 2) {
                param.subi(param.mul(decay)); // decoupled decay
            }
            NDArray denom = vi.div(c2).sqrt().addi(eps); // sqrt(v^) + eps
            param.subi(mi.div(c1).divi(denom).muli(rate)); // p -= lr m^ / (sqrt(v^) + eps)
        }
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
