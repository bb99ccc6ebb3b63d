package io.rlrf.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import io.rlrf.model.Engines;

/**
 * {@link KvCache#copyRows} copies exactly the rows and columns asked, every layer, keys and values:
 * one source row into several rows (a prompt's samples), consecutive and out-of-order rows, rows that
 * swap (read before any is written), and rows of another cache. Each case is checked against the same
 * copy done on plain arrays, every element of the cache, so a wrong row or a column past
 * {@code columns} shows.
 */
class KvCacheCopyRowsTest {

    static final int LAYERS = 2;
    static final int ROWS = 10;
    static final int HEADS = 2;
    static final int DIM = 2;

    @Test
    void oneSourceRowIntoSeveralRowsAndConsecutiveRowsAreCopied() {
        // rows 4-6 take row 0 (a prompt's samples), rows 7-9 take rows 1-3
        check(new int[] {0, 0, 0, 1, 2, 3}, new int[] {4, 5, 6, 7, 8, 9}, 5);
    }

    @Test
    void rowsOutOfOrderAreCopiedEachToItsOwnRow() {
        // a source repeats but its destinations are not consecutive; sources that count down
        check(new int[] {9, 9, 8, 7, 6}, new int[] {0, 2, 1, 3, 4}, 7);
        // consecutive sources with a gap (8 after 6), then one source for two rows
        check(new int[] {5, 6, 8, 9, 9}, new int[] {0, 1, 2, 3, 4}, 7);
    }

    @Test
    void rowsThatSwapAreGatheredBeforeAnyIsWritten() {
        check(new int[] {1, 3, 5, 2}, new int[] {3, 1, 2, 5}, 64);
    }

    @Test
    void rowsComeFromAnotherCache() {
        try (NDManager m = Engines.pytorch().newBaseManager(); KvCache cache = filled(m, 1); KvCache other = filled(m, 1000)) {
            float[][] expected = contents(cache);
            float[][] source = contents(other);
            int[] from = {2, 2, 3, 4};
            int[] to = {2, 3, 4, 9}; // the same row numbers as the source's: no overlap inside another cache
            copyOnArrays(expected, source, from, to, 9);
            cache.copyRows(other, from, to, 9);
            assertContents(expected, cache);
        }
    }

    private static void check(int[] from, int[] to, int columns) {
        try (NDManager m = Engines.pytorch().newBaseManager(); KvCache cache = filled(m, 1)) {
            float[][] expected = contents(cache);
            float[][] before = contents(cache);
            copyOnArrays(expected, before, from, to, columns);
            cache.copyRows(cache, from, to, columns);
            assertContents(expected, cache);
        }
    }

    /** A cache whose every element is distinct: {@code offset} + its flat position, per tensor. */
    private static KvCache filled(NDManager m, int offset) {
        KvCache cache = new KvCache(m, LAYERS, ROWS, HEADS, DIM, 10);
        for (int l = 0; l < LAYERS; l++) {
            NDArray[] kv = cache.layer(l);
            for (int t = 0; t < 2; t++) {
                Shape shape = kv[t].getShape(); // (rows, Hkv, capacity, D)
                NDArray content = m.arange(0f, (float) shape.size()).add(offset + 100_000f * (2 * l + t)).reshape(shape);
                kv[t].set(new NDIndex().addAllDim(), content);
            }
        }
        return cache;
    }

    private static float[][] contents(KvCache cache) {
        float[][] out = new float[2 * LAYERS][];
        for (int l = 0; l < LAYERS; l++) {
            out[2 * l] = cache.layer(l)[0].toFloatArray();
            out[2 * l + 1] = cache.layer(l)[1].toFloatArray();
        }
        return out;
    }

    /** The copy on arrays: every row read from {@code source} as it was, columns [0, columns). */
    private static void copyOnArrays(float[][] target, float[][] source, int[] from, int[] to, int columns) {
        int capacity = target[0].length / (ROWS * HEADS * DIM);
        for (int t = 0; t < target.length; t++) {
            for (int i = 0; i < from.length; i++) {
                for (int h = 0; h < HEADS; h++) {
                    for (int c = 0; c < columns; c++) {
                        for (int d = 0; d < DIM; d++) {
                            target[t][((to[i] * HEADS + h) * capacity + c) * DIM + d] =
                                    source[t][((from[i] * HEADS + h) * capacity + c) * DIM + d];
                        }
                    }
                }
            }
        }
    }

    private static void assertContents(float[][] expected, KvCache cache) {
        float[][] actual = contents(cache);
        for (int t = 0; t < expected.length; t++) {
            assertArrayEquals(expected[t], actual[t], "layer " + t / 2 + (t % 2 == 0 ? " keys" : " values"));
        }
    }
}
