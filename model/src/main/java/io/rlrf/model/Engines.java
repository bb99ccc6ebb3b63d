package io.rlrf.model;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.cuda.CudaUtils;

/**
 * Access to the compute engine the policy runs on: DJL's PyTorch engine, with libtorch loaded from
 * the bundled native jar (CPU here; a CUDA build where a GPU is present). The project never lets DJL
 * download anything, so {@code ai.djl.offline} is forced to {@code true} before the engine loads.
 *
 * <p>libtorch's intra-op thread count is set once, when the engine first loads: the system property
 * {@code rlrf.torch.threads}, else the environment variable {@code RLRF_TORCH_THREADS}, else every
 * processor the JVM sees. (Left to itself, libtorch inside a service JVM used about one core of two
 * here: SFT ran at 2,700 tokens/s instead of 7,500.)
 *
 * <p>libtorch's threads are OpenMP's (GNU libgomp), whose idle workers spin between parallel regions by
 * default. On a machine where other processes also run (these 2-core machines are shared), a spinning
 * worker and a descheduled one make every op wait for a time slice: measured here with 2 threads
 * and other work on the machine, chunked prefill ran at about 1,000 tokens/s instead of 11,000-20,000.
 * So unless {@code OMP_WAIT_POLICY} is set in the environment, it is set to {@code PASSIVE} (idle
 * workers sleep) before libtorch loads; with it, 2 threads ran the generation benchmark 1.5-2x faster
 * than 1 thread on the same loaded machine.
 */
public final class Engines {

    /** DJL's name of the PyTorch engine. */
    public static final String PYTORCH = "PyTorch";

    /** The property that sets libtorch's intra-op threads. */
    public static final String THREADS_PROPERTY = "rlrf.torch.threads";

    /** The property that sets how many shards a training micro-batch is computed in at once. */
    public static final String TRAINING_SHARDS_PROPERTY = "rlrf.torch.training-shards";

    private static volatile boolean threadsSet;

    private Engines() {
    }

    /** The thread count {@link #pytorch()} gives libtorch (see the class comment). */
    public static int configuredThreads() {
        return positive(THREADS_PROPERTY, "RLRF_TORCH_THREADS", Runtime.getRuntime().availableProcessors());
    }

    /**
     * Sets libtorch's intra-op threads to {@code threads} for work started on the calling thread (its
     * OpenMP team size; libtorch's own pool takes the same count). For parallel workers that each run
     * their own forward passes, such as the batching lanes ({@link io.rlrf.model.generate.BatchingLanes}):
     * a worker thread that never calls this uses {@link #configuredThreads()}.
     *
     * <p>The bundled libtorch's MKL keeps one count for the whole process, though: its matrix products
     * use the count of the latest call, on every thread. A thread that computes after another thread
     * called this calls it again with its own count first (the lanes do when they wake, the loop before
     * each stage), or its products run with the other's (training after two generation lanes ran on 1
     * thread each took 1.4x as long, with different float sums).
     */
    public static void useThreadsOnThisThread(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        pytorch();
        JniUtils.setNumThreads(threads);
    }

    /**
     * How many shards the loop's training stages split each micro-batch into, computed at once, each on
     * one libtorch thread ({@link io.rlrf.model.train.PolicyTrainer}): the system property
     * {@code rlrf.torch.training-shards}, else the environment variable {@code RLRF_TORCH_TRAINING_SHARDS},
     * else {@link #configuredThreads()}. At the built-in policy's size one training step's ops are too
     * small to keep two threads busy (a step of 8 answers took 161 ms on 2 threads and 171 ms on 1); in
     * 2 shards the main job's steps took 107 ms instead of 159 ms. The float sums depend on the count (as
     * they do on the thread count), so a run resumed under another count continues with other sums.
     */
    public static int trainingShards() {
        return positive(TRAINING_SHARDS_PROPERTY, "RLRF_TORCH_TRAINING_SHARDS", configuredThreads());
    }

    private static int positive(String property, String variable, int fallback) {
        String value = System.getProperty(property, System.getenv(variable));
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.strip());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(property + " (or " + variable + ") must be a positive integer, got '"
                    + value + "'");
        }
    }

    /** The C library's setenv, reached through JNA. */
    private interface LibC extends com.sun.jna.Library {
        int setenv(String name, String value, int overwrite);
    }

    private static volatile boolean waitPolicyChecked;

    /**
     * {@code OMP_WAIT_POLICY=PASSIVE} in the process environment unless it is set already; libgomp
     * reads it once, when libtorch loads, so this runs before the engine is first created. Best
     * effort: where libc or JNA cannot be reached nothing changes.
     */
    static void preferPassiveOpenMpWaiting() {
        if (waitPolicyChecked) {
            return;
        }
        synchronized (Engines.class) {
            if (!waitPolicyChecked && System.getenv("OMP_WAIT_POLICY") == null) {
                try {
                    LibC libc = com.sun.jna.Native.load("c", LibC.class);
                    libc.setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
                } catch (Throwable e) { // LinkageError, UnsatisfiedLinkError: not a libc platform
                    // keep libgomp's default
                }
            }
            waitPolicyChecked = true;
        }
    }

    /**
     * The PyTorch engine.
     *
     * @throws IllegalStateException if libtorch cannot be loaded from the classpath, with the reason
     */
    public static Engine pytorch() {
        System.setProperty("ai.djl.offline", "true");
        preferPassiveOpenMpWaiting();
        Engine engine;
        try {
            engine = Engine.getEngine(PYTORCH);
        } catch (EngineException | IllegalArgumentException e) {
            String flavor = bundledFlavor();
            if (flavor.startsWith("cu") && !CudaUtils.hasCuda()) {
                // DJL uses a bundled CUDA libtorch only where it finds a CUDA runtime of the same major
                // version; elsewhere it would download a CPU build, which offline mode forbids
                throw new IllegalStateException("This is the CUDA build (-Pcuda: libtorch " + flavor + "), and no CUDA "
                        + "driver is visible on this host, so libtorch cannot load; run it on a host with an NVIDIA "
                        + "driver for CUDA 12, or build without -Pcuda for the CPU", e);
            }
            throw new IllegalStateException("The PyTorch engine could not be loaded offline; check that "
                    + "ai.djl.pytorch:pytorch-native-cpu (or a CUDA build) is on the classpath: " + e.getMessage(), e);
        }
        if (!threadsSet) {
            synchronized (Engines.class) {
                if (!threadsSet) {
                    // outside the catch above: a bad rlrf.torch.threads is refused with its own message
                    JniUtils.setNumThreads(configuredThreads());
                    threadsSet = true;
                }
            }
        }
        return engine;
    }

    /**
     * The flavor of the libtorch jar on the classpath ({@code cpu}, {@code cu124}, ...), from the
     * {@code native/lib/pytorch.properties} it carries; empty when there is none.
     */
    static String bundledFlavor() {
        try (InputStream in = Engines.class.getClassLoader().getResourceAsStream("native/lib/pytorch.properties")) {
            if (in == null) {
                return "";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("flavor", "");
        } catch (IOException e) {
            return "";
        }
    }
}
