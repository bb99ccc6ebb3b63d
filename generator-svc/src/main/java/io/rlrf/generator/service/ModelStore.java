package io.rlrf.generator.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.rlrf.common.error.Echo;
import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.Check;
import io.rlrf.common.validation.StorePaths;
import io.rlrf.generator.config.GeneratorConfig;
import io.rlrf.model.Compute;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.checkpoint.Checkpoint;
import io.rlrf.model.lora.LoraWeights;
import io.rlrf.model.lora.PeftAdapter;
import io.rlrf.model.tokenizer.CharTokenizerSpec;

/**
 * The directory of versioned checkpoints and the one currently served. {@link #load} reads a new
 * checkpoint while the old one keeps serving, then swaps the two in one atomic step; the old model
 * is closed when the last request or batch using it lets go (see {@link ServedModel}).
 *
 * <p>A version may also be a LoRA adapter in PEFT's layout ({@code adapter_config.json} and
 * {@code adapter_model.safetensors}) whose {@code base_model_name_or_path} is a checkpoint version in
 * the store: it is served on that base, which is read only when it is not the base of the version
 * being served already, so swapping one adapter for the next keeps one copy of the base in memory.
 */
@ApplicationScoped
public class ModelStore {

    private static final Logger LOG = Logger.getLogger(ModelStore.class);
    private static final String STORE = "model store";

    /** The swap: the new model and the one it replaced (null if none). */
    public record Swap(ServedModel loaded, String previousVersion, long loadMillis) {
    }

    private final GeneratorConfig.Store config;
    private final Compute compute;
    private final Path root;
    private final AtomicReference<ServedModel> current = new AtomicReference<>();
    private final Object loadLock = new Object();
    private volatile String lastLoadError = "";

    public ModelStore(GeneratorConfig config) {
        this.config = config.store();
        this.compute = config.compute(); // a device this build cannot use stops the service here, naming the setting
        LOG.infof("policies compute on %s", compute);
        this.root = this.config.root().toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /**
     * The served model with a reference taken for the caller, who must {@link ServedModel#release()}
     * it; empty while no checkpoint is loaded.
     */
    public Optional<ServedModel> acquireCurrent() {
        while (true) {
            ServedModel model = current.get();
            if (model == null) {
                return Optional.empty();
            }
            if (model.tryAcquire()) {
                return Optional.of(model);
            }
            // swapped and closed between get() and tryAcquire(): the new one is current now
        }
    }

    /** The served model without taking a reference: for descriptions only. */
    public Optional<ServedModel> peekCurrent() {
        return Optional.ofNullable(current.get());
    }

    /** Why the last load failed, or empty. */
    public String lastLoadError() {
        return lastLoadError;
    }

    /**
     * Loads {@code version} and makes it the served model. Loads are serialised; generation goes on
     * with the previous model while the new one is read.
     *
     * @throws ServiceException INVALID_ARGUMENT when the version escapes the store, NOT_FOUND when it
     *         is not a checkpoint, FAILED_PRECONDITION when the checkpoint cannot be served
     */
    public Swap load(String version) {
        Path dir = resolve(version);
        synchronized (loadLock) {
            long start = System.nanoTime();
            ServedModel loaded = PeftAdapter.isAdapter(dir) && !Files.isRegularFile(dir.resolve(Checkpoint.CONFIG))
                    ? loadAdapter(version, dir) : new ServedModel(version, loadBase(version, dir), null, Instant.now());
            Policy policy = loaded.policy();
            ServedModel previous = current.getAndSet(loaded);
            lastLoadError = "";
            if (previous != null) {
                previous.release(); // the store's reference; in-flight users keep theirs
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            LOG.infof("serving policy version '%s' (%d parameters, loaded in %d ms)%s", version,
                    policy.config().parameterCount(), millis,
                    previous == null ? "" : "; replaced '" + previous.version() + "'");
            return new Swap(loaded, previous == null ? "" : previous.version(), millis);
        }
    }

    /** A full checkpoint, read from {@code dir}, with a tokenizer. */
    private LoadedBase loadBase(String version, Path dir) {
        Policy policy;
        try {
            policy = Policy.load(dir, compute);
        } catch (IOException | RuntimeException e) {
            // The model library names absolute paths: the message names store-relative ones.
            lastLoadError = "checkpoint " + Echo.of(version) + " could not be loaded: "
                    + StorePaths.relativize(root, rootMessage(e));
            throw ServiceException.failedPrecondition(lastLoadError);
        }
        if (policy.tokenizer().isEmpty()) {
            policy.close();
            lastLoadError = "checkpoint " + Echo.of(version) + " has no " + Checkpoint.TOKENIZER
                    + "; generator-svc serves text and needs the checkpoint's tokenizer";
            throw ServiceException.failedPrecondition(lastLoadError);
        }
        return new LoadedBase(version, policy);
    }

    /**
     * The adapter in {@code dir} on the base its {@code adapter_config.json} names: the served
     * model's base when it is that version (shared, not read again), else read from the store.
     */
    private ServedModel loadAdapter(String version, Path dir) {
        String baseVersion;
        try {
            baseVersion = PeftAdapter.readConfig(dir).baseModelNameOrPath();
        } catch (IOException e) {
            lastLoadError = "adapter " + Echo.of(version) + " could not be loaded: " + StorePaths.relativize(root, rootMessage(e));
            throw ServiceException.failedPrecondition(lastLoadError);
        }
        if (baseVersion.isEmpty()) {
            lastLoadError = "adapter " + Echo.of(version) + " names no base_model_name_or_path in " + PeftAdapter.CONFIG
                    + "; it must be a checkpoint version in the model store";
            throw ServiceException.failedPrecondition(lastLoadError);
        }
        Path baseDir;
        try {
            baseDir = resolve(baseVersion);
        } catch (ServiceException e) {
            lastLoadError = "adapter " + Echo.of(version) + ": its base " + Echo.of(baseVersion) + " is not in the model store";
            throw ServiceException.failedPrecondition(lastLoadError);
        }
        if (!Files.isRegularFile(baseDir.resolve(Checkpoint.CONFIG))) {
            lastLoadError = "adapter " + Echo.of(version) + ": its base " + Echo.of(baseVersion)
                    + " is itself an adapter; an adapter's base must be a full checkpoint";
            throw ServiceException.failedPrecondition(lastLoadError);
        }
        if (compute.half()) {
            lastLoadError = "adapter " + Echo.of(version) + " cannot be served with rlrf.generator.compute-dtype=float16: "
                    + "LoRA adapters compute in float32 (serve its merged checkpoint, or compute in float32)";
            throw ServiceException.failedPrecondition(lastLoadError);
        }
        LoadedBase base = sharedBase(baseVersion);
        if (base == null) {
            base = loadBase(baseVersion, baseDir);
        }
        try {
            Policy p = base.policy();
            LoraWeights adapter = PeftAdapter.load(dir, p.config(), p.weights().manager());
            return new ServedModel(version, base, adapter, Instant.now());
        } catch (IOException | RuntimeException e) {
            base.release();
            lastLoadError = "adapter " + Echo.of(version) + " could not be loaded on " + Echo.of(baseVersion) + ": "
                    + StorePaths.relativize(root, rootMessage(e));
            throw ServiceException.failedPrecondition(lastLoadError);
        }
    }

    /** The served model's base with a reference taken, when it is {@code baseVersion}; else null. */
    private LoadedBase sharedBase(String baseVersion) {
        ServedModel served = current.get();
        if (served != null && served.baseVersion().equals(baseVersion) && served.base().tryAcquire()) {
            return served.base();
        }
        return null;
    }

    /**
     * The directory of {@code version}, a checkpoint ({@code config.json}) or a LoRA adapter
     * ({@code adapter_config.json}): inside the store root, with every symbolic link (on the folder or
     * on any file in it) followed and staying inside the store.
     */
    Path resolve(String version) {
        Path dir = StorePaths.resolve("version", root, version, STORE);
        if (!Files.isRegularFile(dir.resolve(Checkpoint.CONFIG)) && !PeftAdapter.isAdapter(dir)) {
            throw ServiceException.notFound("no checkpoint " + Echo.of(version) + " in the model store (no "
                    + Checkpoint.CONFIG + " or " + PeftAdapter.CONFIG + " there)");
        }
        return dir;
    }

    /** Start-up: the configured initial version, created first when asked to (demos and tests). */
    void loadInitial() {
        Optional<String> initial = config.initialVersion();
        if (initial.isEmpty()) {
            LOG.info("no initial policy version configured; Generate answers UNAVAILABLE until LoadCheckpoint");
            return;
        }
        try {
            if (config.initializeIfMissing()) {
                Check.relativePath("version", initial.get());
                Path dir = root.resolve(initial.get()).normalize();
                if (!Files.exists(dir.resolve(Checkpoint.CONFIG))) {
                    createTinyCheckpoint(dir, 42);
                    LOG.infof("created a tiny random-weight checkpoint at %s (initialize-if-missing)", dir);
                }
            }
            load(initial.get());
        } catch (RuntimeException | IOException e) {
            lastLoadError = "initial version " + Echo.of(initial.get()) + ": " + StorePaths.relativize(root, rootMessage(e));
            LOG.errorf("could not load the initial policy version: %s; the service stays up without a model "
                    + "until LoadCheckpoint succeeds", lastLoadError);
        }
    }

    /**
     * Writes a tiny character-level policy with random weights (printable ASCII, 2 layers, d = 64,
     * 1024 positions): enough to exercise every code path; its answers are noise.
     */
    public static void createTinyCheckpoint(Path dir, long seed) throws IOException {
        String alphabet = CharTokenizerSpec.PRINTABLE_ASCII;
        LlamaConfig config = LlamaConfig.of(CharTokenizerSpec.vocabSize(alphabet), 64, 128, 2, 4, 2, 1024, true);
        Files.createDirectories(dir.getParent());
        try (Policy policy = Policy.initialize(config, CharTokenizerSpec.toJson(alphabet), seed)) {
            policy.save(dir, Map.of("rlrf.note", "random weights for demos and tests", "rlrf.seed", Long.toString(seed)));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    @PreDestroy
    void close() {
        ServedModel model = current.getAndSet(null);
        if (model != null) {
            model.release();
        }
    }
}
