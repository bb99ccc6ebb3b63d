package io.rlrf.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import io.rlrf.model.Tensors;

/**
 * Keys and values of every layer for a set of sequences being decoded, one cache row per sequence,
 * column t of a row holding the token at column t of that sequence. The buffers are allocated once
 * and re-used: {@link #ensureCapacity} grows them (keeping their content) when a longer or wider
 * batch needs more; nothing is allocated per step beyond the new keys and values themselves.
 *
 * <p>Before each forward pass the caller says where that pass writes, and which columns it then
 * attends over:
 * <ul>
 *   <li>{@link #block}: rows {@code [row0, row0 + B)}, columns {@code [start, start + T)} (a prefill
 *       chunk, or a decoding step of a batch whose rows are all at the same column);</li>
 *   <li>{@link #scatter}: rows {@code [row0, row0 + B)}, T columns per row from each row's own start
 *       column (a decoding step of a continuous batch, T = 1, each row at its own length; or a prefill
 *       chunk of prompts that copied different numbers of leading columns from another row).</li>
 *   <li>{@link #scatterWithCopies}: as scatter, one column per row, and what a row writes is also
 *       written to other rows (a decoding step that computes one of the rows that decode the same
 *       tokens).</li>
 * </ul>
 * Either way a pass reads columns {@code [0, end)} of its rows; which of those a query may see is the
 * attention mask's business, not the cache's.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final DataType dtype;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private NDArray[] keys; // L x (R, Hkv, Tmax, D)
    private NDArray[] values; // L x (R, Hkv, Tmax, D)
    private NDArray[] flatKeys; // L x (R*Hkv*Tmax, D), views of keys for the scattered writes
    private NDArray[] flatValues;
    private int rows;
    private int capacity;
    private int length;

    // where the next forward pass writes and what it reads
    private int row0;
    private int windowRows;
    private int start;
    private int end;
    private NDArray scatterIndex; // (B*Hkv*T) int64 into the flat views; null in block mode
    private int[] scatterColumns; // the first column each row writes in scatter mode
    private NDArray writeFrom; // (B + copies) int64: the pass row whose keys each written row gets; null: one each

    /** An empty fp32 cache; {@link #ensureCapacity} allocates. */
    public KvCache(NDManager manager, int layers, int kvHeads, int headDim) {
        this(manager, layers, kvHeads, headDim, DataType.FLOAT32);
    }

    /** An empty cache of keys and values in {@code dtype} (the policy's compute dtype). */
    public KvCache(NDManager manager, int layers, int kvHeads, int headDim, DataType dtype) {
        this.manager = manager;
        this.dtype = dtype;
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.flatKeys = new NDArray[layers];
        this.flatValues = new NDArray[layers];
    }

    /** A cache of {@code batch} rows and {@code capacity} columns. */
    public KvCache(NDManager manager, int layers, int batch, int kvHeads, int headDim, int capacity) {
        this(manager, layers, kvHeads, headDim);
        ensureCapacity(batch, capacity);
    }

    /** Columns written by the last block pass (legacy view of a single-batch cache). */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public int rows() {
        return rows;
    }

    /**
     * Makes room for at least {@code minRows} rows of {@code minColumns} columns, copying what the
     * cache holds. Growth rounds columns up to a multiple of 64, so a stream of slightly longer
     * requests does not reallocate every time.
     */
    public void ensureCapacity(int minRows, int minColumns) {
        if (minRows <= rows && minColumns <= capacity) {
            return;
        }
        int newRows = Math.max(rows, minRows);
        int newCapacity = Math.max(capacity, ((minColumns + 63) / 64) * 64);
        Shape shape = new Shape(newRows, kvHeads, newCapacity, headDim);
        for (int l = 0; l < layers; l++) {
            NDArray k = manager.zeros(shape, dtype);
            NDArray v = manager.zeros(shape, dtype);
            NDScope.unregister(k, v); // long-lived: owned by this cache, not by the caller's scope
            if (keys[l] != null) {
                NDIndex old = new NDIndex().addSliceDim(0, rows).addAllDim().addSliceDim(0, capacity);
                k.set(old, keys[l]);
                v.set(old, values[l]);
                closeLayer(l);
            }
            keys[l] = k;
            values[l] = v;
            flatKeys[l] = k.reshape((long) newRows * kvHeads * newCapacity, headDim); // a view: same storage
            flatValues[l] = v.reshape((long) newRows * kvHeads * newCapacity, headDim);
            NDScope.unregister(flatKeys[l], flatValues[l]);
        }
        rows = newRows;
        capacity = newCapacity;
    }

    /**
     * The next pass writes rows {@code [row0, row0 + batch)} at columns {@code [start, start + T)} and
     * attends over columns {@code [0, start + T)} of those rows.
     */
    public KvCache block(int row0, int batch, int start, int t) {
        if (row0 < 0 || row0 + batch > rows || start < 0 || start + t > capacity) {
            throw new IllegalStateException("KV cache overflow: rows [" + row0 + ", " + (row0 + batch) + ") columns ["
                    + start + ", " + (start + t) + ") needed, capacity " + rows + " x " + capacity);
        }
        this.row0 = row0;
        this.windowRows = batch;
        this.start = start;
        this.end = start + t;
        this.scatterIndex = null;
        this.scatterColumns = null;
        this.writeFrom = null;
        return this;
    }

    /**
     * The next pass (one token per row) writes row r of {@code [0, batch)} at column
     * {@code columns[r]} and attends over columns {@code [0, readEnd)}. The index tensor is created in
     * the caller's scope.
     */
    public KvCache scatter(int batch, int[] columns, int readEnd) {
        return scatter(0, batch, columns, 1, readEnd);
    }

    /**
     * The next pass (T tokens per row) writes row {@code row0 + r} at columns
     * {@code [columns[r], columns[r] + t)} and attends over columns {@code [0, readEnd)} of rows
     * {@code [row0, row0 + batch)}. The index tensor is created in the caller's scope.
     */
    public KvCache scatter(int row0, int batch, int[] columns, int t, int readEnd) {
        if (row0 < 0 || row0 + batch > rows || readEnd > capacity) {
            throw new IllegalStateException("KV cache overflow: rows [" + row0 + ", " + (row0 + batch) + ") x " + readEnd
                    + " columns needed, capacity " + rows + " x " + capacity);
        }
        long[] index = new long[batch * kvHeads * t]; // row r, head h, column c -> ((r*Hkv + h)*Tmax + c)
        for (int r = 0; r < batch; r++) {
            if (columns[r] < 0 || columns[r] + t > readEnd) {
                throw new IllegalStateException("row " + r + " writes columns [" + columns[r] + ", " + (columns[r] + t)
                        + ") outside [0, " + readEnd + ")");
            }
            for (int h = 0; h < kvHeads; h++) {
                long base = ((long) (row0 + r) * kvHeads + h) * capacity + columns[r];
                for (int j = 0; j < t; j++) {
                    index[(r * kvHeads + h) * t + j] = base + j;
                }
            }
        }
        this.row0 = row0;
        this.windowRows = batch;
        this.start = -1;
        this.end = readEnd;
        this.scatterIndex = Tensors.of(manager, index, new Shape(index.length));
        this.scatterColumns = java.util.Arrays.copyOf(columns, batch);
        this.writeFrom = null;
        return this;
    }

    /**
     * The next pass (one token per row) feeds rows {@code [0, batch)}: row r writes at column
     * {@code columns[r]} and attends over columns {@code [0, readEnd)}, as {@link #scatter(int, int[], int)};
     * and the keys and values pass row {@code copyFrom[j]} writes are written to row {@code copyTo[j]}
     * (at or after {@code batch}) too, at the same column: a row that decodes the same tokens as a
     * computed one keeps a whole cache row of its own, so it can part from it at any later step. The
     * index tensors are created in the caller's scope.
     */
    public KvCache scatterWithCopies(int batch, int[] columns, int readEnd, int[] copyTo, int[] copyFrom) {
        if (copyTo.length != copyFrom.length) {
            throw new IllegalArgumentException("copyTo and copyFrom differ in length");
        }
        scatter(0, batch, columns, 1, readEnd); // checks the pass rows and sets the window
        if (copyTo.length == 0) {
            return this;
        }
        int written = batch + copyTo.length;
        long[] index = new long[written * kvHeads]; // written row w, head h -> ((row*Hkv + h)*Tmax + column)
        long[] from = new long[written]; // the pass row whose keys and values written row w gets
        for (int w = 0; w < written; w++) {
            int r = w < batch ? w : copyFrom[w - batch];
            int row = w < batch ? w : copyTo[w - batch];
            if (r < 0 || r >= batch || row < (w < batch ? 0 : batch) || row >= rows) {
                throw new IllegalStateException("copy from pass row " + r + " to row " + row + " outside the pass's "
                        + batch + " rows or the cache's " + rows);
            }
            from[w] = r;
            for (int h = 0; h < kvHeads; h++) {
                index[w * kvHeads + h] = ((long) row * kvHeads + h) * capacity + columns[r];
            }
        }
        this.scatterIndex = Tensors.of(manager, index, new Shape(index.length));
        this.writeFrom = Tensors.of(manager, from, new Shape(written));
        return this;
    }

    /**
     * Where the next pass's queries sit: the slot of each row's first query (one entry for a block,
     * whose rows all start at the same column), for masks that depend on query slots.
     */
    public int[] queryStarts() {
        return scatterColumns != null ? scatterColumns.clone() : new int[] {start};
    }

    /** Key columns the next pass attends over: {@code [0, end)}. */
    public int readEnd() {
        return end;
    }

    /**
     * Writes the new keys and values of layer {@code layer} where the current window says and returns
     * views of the columns the pass attends over.
     *
     * @param k (B, Hkv, T, D)
     * @param v (B, Hkv, T, D)
     * @return keys and values, two (B, Hkv, end, D) views
     */
    public NDArray[] append(int layer, NDArray k, NDArray v) {
        NDIndex rowsRead = new NDIndex().addSliceDim(row0, row0 + windowRows).addAllDim().addSliceDim(0, end);
        if (scatterIndex == null) {
            NDIndex slots = new NDIndex().addSliceDim(row0, row0 + windowRows).addAllDim().addSliceDim(start, end);
            keys[layer].set(slots, k);
            values[layer].set(slots, v);
            if (layer == layers - 1) {
                length = end;
            }
        } else {
            NDIndex slots = new NDIndex("{}", scatterIndex);
            long n = scatterIndex.size(); // B*Hkv*T, in (row, head, column) order as k's
            if (writeFrom != null) { // each written row takes its pass row's keys and values
                NDIndex expand = new NDIndex("{}", writeFrom);
                k = k.get(expand); // (B + copies, Hkv, 1, D)
                v = v.get(expand);
            }
            flatKeys[layer].set(slots, k.reshape(n, headDim)); // (n, D)
            flatValues[layer].set(slots, v.reshape(n, headDim));
        }
        return new NDArray[] {keys[layer].get(rowsRead), values[layer].get(rowsRead)};
    }

    /**
     * Copies columns {@code [0, columns)} of rows {@code from[i]} of {@code source} into rows
     * {@code to[i]} of this cache, every layer (a shared prompt prefix, or a row moving to another
     * slot). {@code source} may be this cache; the rows read are gathered before any is written.
     */
    public void copyRows(KvCache source, int[] from, int[] to, int columns) {
        if (from.length != to.length) {
            throw new IllegalArgumentException("from and to differ in length");
        }
        if (from.length == 0 || columns == 0) {
            return;
        }
        if (columns > capacity || columns > source.capacity) {
            throw new IllegalStateException("copy of " + columns + " columns exceeds a capacity");
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray fromIndex = Tensors.of(manager, toLongs(from), new Shape(from.length));
            NDArray toIndex = Tensors.of(manager, toLongs(to), new Shape(to.length));
            NDIndex read = new NDIndex("{}", fromIndex).addAllDim().addSliceDim(0, columns);
            NDIndex write = new NDIndex("{}", toIndex).addAllDim().addSliceDim(0, columns);
            for (int l = 0; l < layers; l++) {
                keys[l].set(write, source.keys[l].get(read)); // (n, Hkv, columns, D)
                values[l].set(write, source.values[l].get(read));
            }
        }
    }

    /** Layer {@code layer}'s keys and values, every row and column (for tests). */
    NDArray[] layer(int layer) {
        return new NDArray[] {keys[layer], values[layer]};
    }

    private static long[] toLongs(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    private void closeLayer(int l) {
        flatKeys[l].close();
        flatValues[l].close();
        keys[l].close();
        values[l].close();
    }

    @Override
    public void close() {
        for (int l = 0; l < layers; l++) {
            if (keys[l] != null) {
                closeLayer(l);
                keys[l] = null;
            }
        }
        rows = 0;
        capacity = 0;
    }
}
