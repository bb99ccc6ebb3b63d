package io.rlrf.model.generate;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import io.rlrf.model.GradMode;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Tensors;
import io.rlrf.model.nn.AttentionMask;
import io.rlrf.model.nn.KvCache;
import io.rlrf.model.nn.LlamaModel;
import io.rlrf.model.tokenizer.Tokenizer;

/**
 * Continuous batching over one KV cache (in the manner of Orca, Yu et al. 2022, and vLLM, Kwon et
 * al. 2023, without paging). Requests wait in a queue; every {@link #step}:
 * <ol>
 *   <li><b>admit</b> waiting requests, oldest first, while a cache row is free and the rows' reserved
 *       positions (prompt + max_new_tokens each) stay within {@link EngineParams#maxBatchTokens};</li>
 *   <li><b>prefill once per distinct prompt</b>: an admitted row whose prompt another row already
 *       holds (admitted with it, or still decoding) copies that row's keys and values instead of
 *       computing them, and one whose prompt begins with at least
 *       {@link EngineParams#minSharedPrefix} tokens of a prompt the cache holds copies those columns and
 *       computes only the rest, from its own column; the distinct prompts run through the cache in chunks of
 *       {@link EngineParams#prefillChunk} positions, longest first, so every chunk's rows are a
 *       contiguous block of the cache and a chunk only holds prompts that still have tokens;</li>
 *   <li><b>sample</b> each new row's first token from its prompt's last logits;</li>
 *   <li><b>decode</b>: one forward pass feeds every running row its last token, each row writing its
 *       own column of the cache (rows are at different lengths) and attending over its own columns;
 *       rows with the same prompt and the same tokens so far (the n samples of a question before they
 *       part, rewrites that copy their source) are computed once, every one of them getting the keys
 *       and values; then each row samples its next token with its own random stream;</li>
 *   <li><b>retire</b> finished rows at once (their futures complete) and move the last rows into the
 *       freed cache rows, so running rows always fill rows {@code [0, A)} and the next step can admit.</li>
 * </ol>
 * A row's cache columns are its positions (no padding anywhere), and each row samples with its own
 * seeded random stream, so a completion depends only on its prompt, parameters and seed: not on its
 * batch neighbours, on when it was admitted, on whom it shared a prompt with or on the chunk size.
 *
 * <p>Not thread-safe: one thread submits and steps (generator-svc's batch worker; {@link Generator}
 * under its lock). Buffers (the cache) are allocated on the model's manager, grow when a wider or
 * longer batch needs them and are re-used across steps and calls; {@link #close} frees them.
 */
public final class GenerationEngine implements AutoCloseable {

    /**
     * What one {@link #step} did.
     *
     * @param admitted         rows admitted
     * @param prefilledPrompts distinct prompts computed by prefill
     * @param prefillTokens    prompt tokens computed (padding excluded)
     * @param sharedTokens     prompt tokens copied from a row with the same prompt, or with a long enough
     *                         common prefix, instead of computed
     * @param prefillPasses    forward passes of prefill (chunks)
     * @param decodeRows       rows fed in the decoding pass (0: no decoding pass)
     * @param decodeComputed   rows the decoding pass computed: one per set of rows with the same prompt
     *                         and the same tokens so far (the others take its logits); = decodeRows
     *                         without shared prefixes
     * @param sampledTokens    tokens sampled (first tokens of new rows and one per decoding row)
     * @param finished         rows that finished (completions delivered), cancelled ones included
     * @param cancelled        rows that finished because their request was cancelled
     * @param prefillNanos     wall time of admission and prefill
     * @param decodeNanos      wall time of the decoding pass and sampling
     */
    public record Step(int admitted, int prefilledPrompts, int prefillTokens, int sharedTokens, int prefillPasses,
            int decodeRows, int decodeComputed, int sampledTokens, int finished, int cancelled, long prefillNanos,
            long decodeNanos) {

        /** Nothing done: the start of a sum. */
        public static final Step NONE = new Step(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        /** This step's counts and times added to {@code o}'s (the totals of several steps). */
        public Step plus(Step o) {
            return new Step(admitted + o.admitted, prefilledPrompts + o.prefilledPrompts, prefillTokens + o.prefillTokens,
                    sharedTokens + o.sharedTokens, prefillPasses + o.prefillPasses, decodeRows + o.decodeRows,
                    decodeComputed + o.decodeComputed, sampledTokens + o.sampledTokens, finished + o.finished, cancelled + o.cancelled,
                    prefillNanos + o.prefillNanos, decodeNanos + o.decodeNanos);
        }
    }

    private final LlamaModel model;
    private final LlamaConfig config;
    private final Tokenizer tokenizer; // null: id-only, stop strings unsupported
    private final StopTokens eos;
    private final EngineParams params;
    private final NDManager manager;
    private final KvCache cache;
    private final ArrayDeque<Row> waiting = new ArrayDeque<>();
    private Row[] running; // running[i] lives in cache row i, i < runningCount
    private int runningCount;

    /** Stops on the config's single EOS id (a model built in memory). */
    public GenerationEngine(LlamaModel model, Tokenizer tokenizer, EngineParams params) {
        this(model, tokenizer, StopTokens.of(model.config()), params);
    }

    /**
     * @param eos the ids that end a completion ({@link io.rlrf.model.Policy#stopTokens()} for a loaded
     *            checkpoint)
     */
    public GenerationEngine(LlamaModel model, Tokenizer tokenizer, StopTokens eos, EngineParams params) {
        this.model = model;
        this.config = model.config();
        this.tokenizer = tokenizer;
        this.eos = eos;
        this.params = params;
        this.manager = model.weights().manager();
        this.cache = new KvCache(manager, config.numHiddenLayers(), config.numKeyValueHeads(), config.headDim(),
                model.weights().embedding().getDataType()); // keys and values in the compute dtype
        this.running = new Row[Math.min(params.maxRows(), 256)];
    }

    public EngineParams params() {
        return params;
    }

    /**
     * Queues one request. Its future completes, on the stepping thread, as soon as the request
     * finishes (EOS, stop string, length or cancellation), or exceptionally if a step fails.
     *
     * @throws IllegalArgumentException if the request does not fit the model (prompt + max_new_tokens
     *                                  beyond its positions, a token outside the vocabulary, stop
     *                                  strings without a tokenizer)
     */
    public CompletableFuture<Completion> submit(GenerationRequest request) {
        return submit(request, null);
    }

    /**
     * As {@link #submit(GenerationRequest)}; {@code onAdmitted} (may be null) runs on the stepping
     * thread when the request leaves the queue for a cache row (for queue-wait telemetry).
     */
    public CompletableFuture<Completion> submit(GenerationRequest request, Runnable onAdmitted) {
        check(request, "request");
        Row row = new Row(request, onAdmitted, tokenizer);
        waiting.addLast(row);
        return row.result;
    }

    /** The checks {@link #submit} makes, for callers that want to fail a whole batch before queuing any. */
    public void check(GenerationRequest r, String what) {
        int need = r.prompt().length + r.params().maxNewTokens();
        if (need > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException(what + ": prompt (" + r.prompt().length + " tokens) + max_new_tokens ("
                    + r.params().maxNewTokens() + ") exceeds the model's " + config.maxPositionEmbeddings() + " positions");
        }
        for (int id : r.prompt()) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException(what + ": token id " + id + " is outside the vocabulary [0, "
                        + config.vocabSize() + ")");
            }
        }
        if (!r.params().stop().isEmpty() && tokenizer == null) {
            throw new IllegalArgumentException(what + ": stop strings need a tokenizer; this checkpoint works on "
                    + "token ids only");
        }
    }

    /** Steps until no request waits or runs; the totals of those steps. */
    public Step drain() {
        Step total = Step.NONE;
        while (hasWork()) {
            total = total.plus(step());
        }
        return total;
    }

    /** Whether any request is waiting or running. */
    public boolean hasWork() {
        return runningCount > 0 || !waiting.isEmpty();
    }

    public int waitingCount() {
        return waiting.size();
    }

    public int runningCount() {
        return runningCount;
    }

    /**
     * One iteration: admit and prefill, then one decoding pass over every running row (see the class
     * comment). If it fails, every waiting and running request fails with the same exception, the
     * engine is empty again, and the exception is rethrown.
     */
    public Step step() {
        try {
            return GradMode.withoutGradients(this::doStep);
        } catch (RuntimeException | Error e) {
            failAll(e);
            throw e;
        }
    }

    private Step doStep() {
        Counts n = new Counts();
        long t0 = System.nanoTime();
        dropCancelledWaiting(n);
        List<Row> admitted = admit();
        if (!admitted.isEmpty()) {
            prefill(admitted, n);
            for (Row r : admitted) {
                r.step(r.promptLogits, 0, config.vocabSize(), eos, tokenizer);
                n.sampled++;
            }
            retireFinished(n);
        }
        long t1 = System.nanoTime();
        if (runningCount > 0) {
            decode(n);
            retireFinished(n);
        }
        long t2 = System.nanoTime();
        return new Step(n.admitted, n.prefilledPrompts, n.prefillTokens, n.sharedTokens, n.prefillPasses, n.decodeRows,
                n.decodeComputed, n.sampled, n.finished, n.cancelled, t1 - t0, t2 - t1);
    }

    /** Mutable tallies of one step. */
    private static final class Counts {
        int admitted;
        int prefilledPrompts;
        int prefillTokens;
        int sharedTokens;
        int prefillPasses;
        int decodeRows;
        int decodeComputed;
        int sampled;
        int finished;
        int cancelled;
    }

    // ---- 1. admission ------------------------------------------------------------------------

    private void dropCancelledWaiting(Counts n) {
        for (Iterator<Row> it = waiting.iterator(); it.hasNext();) {
            Row r = it.next();
            if (r.request.cancelled().getAsBoolean()) {
                it.remove();
                r.reason = FinishReason.CANCELLED;
                r.complete(tokenizer);
                n.finished++;
                n.cancelled++;
            }
        }
    }

    /**
     * Takes waiting rows, oldest first, while a row is free and the reserved positions fit. While rows
     * are decoding, a row whose prompt must be prefilled waits until {@link EngineParams#minAdmit}
     * rows are free (or all waiting rows fit), so that prefill runs for several prompts at once.
     */
    private List<Row> admit() {
        long reserved = 0;
        Map<PromptKey, Row> held = new HashMap<>();
        for (int i = 0; i < runningCount; i++) {
            reserved += running[i].reserved();
            if (params.sharePrefixes()) {
                held.putIfAbsent(running[i].key, running[i]);
            }
        }
        int free = params.maxRows() - runningCount;
        boolean refill = runningCount == 0 || free >= Math.min(params.minAdmit(), waiting.size());
        List<Row> admitted = new ArrayList<>();
        while (!waiting.isEmpty() && runningCount + admitted.size() < params.maxRows()) {
            Row next = waiting.peekFirst();
            boolean alone = runningCount == 0 && admitted.isEmpty();
            if (!alone && reserved + next.reserved() > params.maxBatchTokens()) {
                break;
            }
            if (!refill && !held.containsKey(next.key)) {
                break; // a new prompt: wait for a batch of free rows
            }
            if (params.sharePrefixes()) {
                held.putIfAbsent(next.key, next);
            }
            waiting.pollFirst();
            admitted.add(next);
            if (next.onAdmitted != null) {
                next.onAdmitted.run();
            }
            reserved += next.reserved();
        }
        return admitted;
    }

    // ---- 2. prefill once per distinct prompt, and once per shared prefix ---------------------------

    /**
     * Places the admitted rows in cache rows {@code [A, A + n)}: first the rows whose prompt must be
     * computed (one per distinct prompt that shares no long prefix, longest first), then the rows that
     * copy a shared prefix and compute the rest (longest rest first), then the rows that copy a whole
     * prompt. Runs the chunked prefill of whole prompts, copies the shared prefixes, prefills the rests,
     * copies the whole prompts, and leaves every admitted row with its prompt's last logits.
     */
    private void prefill(List<Row> admitted, Counts n) {
        Map<PromptKey, Row> holders = new HashMap<>(); // a row holding each prompt's keys and values after prefill
        // rows whose whole prompt is in the cache before the rests run: decoding rows and whole-prompt prefills
        PrefixIndex prefixes = params.sharePrefixes() && params.minSharedPrefix() > 0
                ? new PrefixIndex(params.minSharedPrefix()) : null;
        if (params.sharePrefixes()) {
            for (int i = 0; i < runningCount; i++) {
                if (holders.putIfAbsent(running[i].key, running[i]) == null && prefixes != null) {
                    prefixes.add(running[i]);
                }
            }
        }
        List<Row> computed = new ArrayList<>();
        List<Row> partial = new ArrayList<>();
        List<Row> copying = new ArrayList<>();
        for (Row r : admitted) {
            Row holder = params.sharePrefixes() ? holders.get(r.key) : null;
            if (holder != null) {
                r.source = holder;
                copying.add(r);
                continue;
            }
            PrefixIndex.Match match = prefixes == null ? null : prefixes.longest(r.prompt);
            if (match != null) {
                r.source = match.row();
                r.shared = match.length();
                partial.add(r);
            } else {
                computed.add(r);
                if (prefixes != null) {
                    prefixes.add(r);
                }
            }
            if (params.sharePrefixes()) {
                holders.put(r.key, r);
            }
        }
        computed.sort(Comparator.comparingInt(Row::rest).reversed()); // rest = the whole prompt here
        partial.sort(Comparator.comparingInt(Row::rest).reversed());
        int maxColumns = 0;
        for (Row r : admitted) {
            maxColumns = Math.max(maxColumns, r.prompt.length + r.request.params().maxNewTokens());
        }
        for (Row r : partial) {
            // a short rest's padded queries write up to a chunk past the prompt's end
            maxColumns = Math.max(maxColumns, r.prompt.length + params.prefillChunk());
        }
        int first = runningCount;
        int total = runningCount + admitted.size();
        cache.ensureCapacity(total, maxColumns);
        if (running.length < total) {
            running = Arrays.copyOf(running, Math.max(total, Math.min(params.maxRows(), running.length * 2)));
        }
        int slot = first;
        for (List<Row> rows : List.of(computed, partial, copying)) {
            for (Row r : rows) {
                running[slot] = r;
                r.slot = slot++;
            }
        }
        runningCount = total;
        n.admitted += admitted.size();

        // a. whole prompts: groups of consecutive rows (longest first), chunk by chunk
        prefillGroups(computed, first, n);
        // b. shared prefixes: one gather/scatter per layer, then each row's rest from its own column
        copyFromSources(partial, n);
        prefillGroups(partial, first + computed.size(), n);
        // c. whole prompts another row holds (computed above, or decoding)
        copyFromSources(copying, n);
    }

    /**
     * Prefills {@code rows} (in cache rows {@code [row0, row0 + rows.size())}, sorted by what each must
     * compute, longest first) in groups of at most {@link EngineParams#prefillBatchTokens} per pass.
     */
    private void prefillGroups(List<Row> rows, int row0, Counts n) {
        int from = 0;
        while (from < rows.size()) {
            int chunk = Math.min(params.prefillChunk(), rows.get(from).rest());
            int groupRows = Math.max(1, params.prefillBatchTokens() / chunk);
            int to = Math.min(rows.size(), from + groupRows);
            prefillGroup(rows.subList(from, to), row0 + from, n);
            from = to;
        }
    }

    /**
     * Copies each row's leading columns from its source row: its shared prefix, or its whole prompt.
     * One gather/scatter per layer for all of them (columns beyond a row's own share are overwritten
     * by its own prefill or decoding before any query reads them).
     */
    private void copyFromSources(List<Row> rows, Counts n) {
        if (rows.isEmpty()) {
            return;
        }
        int[] src = new int[rows.size()];
        int[] dst = new int[rows.size()];
        int columns = 0;
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            int copied = r.shared > 0 ? r.shared : r.prompt.length;
            src[i] = r.source.slot;
            dst[i] = r.slot;
            columns = Math.max(columns, copied);
            if (r.shared == 0) {
                r.promptLogits = r.source.promptLogits;
            }
            r.source = null;
            n.sharedTokens += copied;
        }
        cache.copyRows(cache, src, dst, columns);
    }

    /**
     * Runs the prompts of {@code group} (in cache rows {@code [row0, row0 + group.size())}, sorted by
     * what each must compute, longest first) through the model chunk by chunk, each chunk holding only
     * the rows that still have tokens, and keeps each prompt's last-position logits. A row computes
     * columns {@code [shared, prompt length)}: from 0 (a block pass, every row at the same columns),
     * or from the end of a prefix copied from another row (each row from its own column).
     */
    private void prefillGroup(List<Row> group, int row0, Counts n) {
        int longest = group.get(0).rest();
        boolean block = group.stream().allMatch(r -> r.shared == 0);
        int vocab = config.vocabSize();
        int rowsInChunk = group.size();
        for (int offset = 0; offset < longest; offset += params.prefillChunk()) {
            int t = Math.min(params.prefillChunk(), longest - offset);
            while (group.get(rowsInChunk - 1).rest() <= offset) {
                rowsInChunk--; // sorted longest first: the rows that reach this chunk are a prefix
            }
            int b = rowsInChunk;
            int[] starts = new int[b]; // (b) the column of each row's first query
            long[] tokens = new long[b * t]; // (b, t); past a prompt's end: EOS, never attended to by its own tokens
            long[] positions = new long[b * t]; // (b, t): the column is the position, no padding before a prompt
            List<Integer> ending = new ArrayList<>(); // rows whose last prompt token is in this chunk
            int end = 0;
            for (int i = 0; i < b; i++) {
                int[] prompt = group.get(i).prompt;
                starts[i] = group.get(i).shared + offset;
                for (int j = 0; j < t; j++) {
                    int col = starts[i] + j;
                    tokens[i * t + j] = col < prompt.length ? prompt[col] : config.eosTokenId();
                    // a padded query's position only has to exist: its output is never read
                    positions[i * t + j] = Math.min(col, config.maxPositionEmbeddings() - 1);
                }
                end = Math.max(end, starts[i] + t);
                if (prompt.length - 1 >= starts[i] && prompt.length - 1 < starts[i] + t) {
                    ending.add(i);
                }
                n.prefillTokens += Math.max(0, Math.min(prompt.length, starts[i] + t) - starts[i]);
            }
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray bias;
                if (block) {
                    cache.block(row0, b, offset, t);
                    bias = AttentionMask.causal(manager, offset, t); // (1, 1, 1, t, offset + t)
                } else {
                    cache.scatter(row0, b, starts, t, end);
                    bias = AttentionMask.causalFrom(manager, starts, t, end); // (b, 1, 1, t, end)
                }
                NDArray hidden = model.hidden(Tensors.of(manager, tokens, new Shape(b, t)),
                        Tensors.of(manager, positions, new Shape(b, t)), bias, cache); // (b, t, C)
                n.prefillPasses++;
                if (!ending.isEmpty()) {
                    long[] rowIndex = new long[ending.size()];
                    long[] colIndex = new long[ending.size()];
                    for (int e = 0; e < ending.size(); e++) {
                        rowIndex[e] = ending.get(e);
                        colIndex[e] = group.get(ending.get(e)).prompt.length - 1 - starts[ending.get(e)];
                    }
                    NDArray last = hidden.get(new NDIndex("{}, {}", Tensors.of(manager, rowIndex, new Shape(rowIndex.length)),
                            Tensors.of(manager, colIndex, new Shape(colIndex.length)))); // (e, C)
                    float[] logits = model.logits(last).toFloatArray(); // (e, V)
                    for (int e = 0; e < ending.size(); e++) {
                        group.get(ending.get(e)).promptLogits = Arrays.copyOfRange(logits, e * vocab, (e + 1) * vocab);
                    }
                }
            }
        }
        n.prefilledPrompts += group.size();
    }

    // ---- 4. decode -------------------------------------------------------------------------------

    /**
     * Feeds every running row its last sampled token, each at its own column, and samples the next.
     * With shared prefixes, rows whose prompt and tokens so far are the same (twins) compute the same
     * logits: the pass computes one row of each such set, writes its keys and values into every row
     * of the set, and each row samples from those logits with its own random stream.
     */
    private void decode(Counts n) {
        int b = runningCount;
        int vocab = config.vocabSize();
        // 1. one computed row per set of twins, in rows [0, m); row i samples from pass row passOf[i]
        int[] passOf = new int[b];
        int m = params.sharePrefixes() ? placeOnePerTwinSetFirst(passOf) : b;
        if (m == b) {
            for (int i = 0; i < b; i++) {
                passOf[i] = i;
            }
        }
        int[] copyTo = new int[b - m]; // the twins [m, b), each taking its pass row's keys and values
        int[] copyFrom = new int[b - m];
        for (int i = m; i < b; i++) {
            copyTo[i - m] = i;
            copyFrom[i - m] = passOf[i];
        }
        // 2. one forward pass over rows [0, m)
        long[] tokens = new long[m]; // (m, 1)
        long[] positions = new long[m]; // (m, 1)
        int[] columns = new int[m];
        int end = 0;
        for (int i = 0; i < m; i++) {
            Row r = running[i];
            columns[i] = r.column();
            tokens[i] = r.lastToken();
            positions[i] = columns[i];
            end = Math.max(end, columns[i] + 1);
        }
        float[] logits;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            cache.scatterWithCopies(m, columns, end, copyTo, copyFrom);
            NDArray hidden = model.hidden(Tensors.of(manager, tokens, new Shape(m, 1)),
                    Tensors.of(manager, positions, new Shape(m, 1)), AttentionMask.upTo(manager, columns, m, end),
                    cache); // (m, 1, C)
            logits = model.logits(hidden).toFloatArray(); // (m, 1, V)
        }
        n.decodeRows += b;
        n.decodeComputed += m;
        // 3. every row samples from its pass row's logits
        for (int i = 0; i < b; i++) {
            running[i].step(logits, passOf[i] * vocab, vocab, eos, tokenizer);
            n.sampled++;
        }
    }

    /**
     * Finds the sets of twins among the running rows and swaps rows (and their cache rows) so that rows
     * {@code [0, m)} hold one row of each of the m sets; fills {@code passOf[i]} with the row in
     * {@code [0, m)} of row i's set. Rows part at a step and finish at different steps, so the layout
     * drifts: only the rows out of place move, their cache rows in one gather/scatter.
     *
     * @return m, the number of sets (b when no two rows are twins; passOf is then left unset)
     */
    private int placeOnePerTwinSetFirst(int[] passOf) {
        int b = runningCount;
        Map<Twin, Integer> sets = new HashMap<>();
        int[] setOf = new int[b];
        for (int i = 0; i < b; i++) {
            Integer known = sets.putIfAbsent(new Twin(running[i]), sets.size());
            setOf[i] = known == null ? sets.size() - 1 : known;
        }
        int m = sets.size();
        if (m == b) {
            return m;
        }
        int[] holder = new int[m]; // the row in [0, m) that computes each set
        Arrays.fill(holder, -1);
        ArrayDeque<Integer> spare = new ArrayDeque<>(); // rows in [0, m) whose set another row there holds
        for (int i = 0; i < m; i++) {
            if (holder[setOf[i]] < 0) {
                holder[setOf[i]] = i;
            } else {
                spare.add(i);
            }
        }
        List<int[]> swaps = new ArrayList<>();
        int columns = 0;
        for (int i = m; i < b; i++) {
            if (holder[setOf[i]] >= 0) {
                continue;
            }
            int j = spare.removeFirst(); // a set with no row in [0, m): its first row takes a spare row's place
            holder[setOf[i]] = j;
            swaps.add(new int[] {i, j});
            columns = Math.max(columns, Math.max(running[i].column(), running[j].column()));
            Row moved = running[i];
            running[i] = running[j];
            running[j] = moved;
            running[i].slot = i;
            moved.slot = j;
            int set = setOf[i];
            setOf[i] = setOf[j];
            setOf[j] = set;
        }
        if (!swaps.isEmpty()) {
            int[] from = new int[2 * swaps.size()];
            int[] to = new int[2 * swaps.size()];
            for (int k = 0; k < swaps.size(); k++) {
                from[2 * k] = swaps.get(k)[0];
                to[2 * k] = swaps.get(k)[1];
                from[2 * k + 1] = swaps.get(k)[1];
                to[2 * k + 1] = swaps.get(k)[0];
            }
            cache.copyRows(cache, from, to, columns); // columns [0, column) hold a row's keys and values
        }
        for (int i = 0; i < b; i++) {
            passOf[i] = holder[setOf[i]];
        }
        return m;
    }

    // ---- 5. retire -------------------------------------------------------------------------------

    /** Completes finished rows and moves the last running rows into their cache rows. */
    private void retireFinished(Counts n) {
        int alive = 0;
        for (int i = 0; i < runningCount; i++) {
            if (running[i].finished()) {
                running[i].complete(tokenizer);
                n.finished++;
                if (running[i].reason == FinishReason.CANCELLED) {
                    n.cancelled++;
                }
            } else {
                alive++;
            }
        }
        if (alive == runningCount) {
            return;
        }
        // fill each hole below `alive` with a live row from above it
        List<int[]> moves = new ArrayList<>();
        int columns = 0;
        int hi = runningCount - 1;
        for (int lo = 0; lo < alive; lo++) {
            if (!running[lo].finished()) {
                continue;
            }
            while (running[hi].finished()) {
                hi--;
            }
            Row moved = running[hi];
            moves.add(new int[] {hi, lo});
            columns = Math.max(columns, moved.column()); // columns [0, column) hold its keys and values
            running[lo] = moved;
            moved.slot = lo;
            running[hi] = null;
            hi--;
        }
        for (int i = alive; i < runningCount; i++) {
            running[i] = null;
        }
        runningCount = alive;
        if (!moves.isEmpty()) {
            int[] src = new int[moves.size()];
            int[] dst = new int[moves.size()];
            for (int i = 0; i < moves.size(); i++) {
                src[i] = moves.get(i)[0];
                dst[i] = moves.get(i)[1];
            }
            cache.copyRows(cache, src, dst, columns);
        }
    }

    /** Fails every waiting and running request with {@code failure}; the engine is empty afterwards. */
    public void abort(Throwable failure) {
        failAll(failure);
    }

    private void failAll(Throwable e) {
        for (int i = 0; i < runningCount; i++) {
            running[i].result.completeExceptionally(e);
            running[i] = null;
        }
        runningCount = 0;
        for (Row r : waiting) {
            r.result.completeExceptionally(e);
        }
        waiting.clear();
    }

    /** Frees the cache. Requests still waiting or running fail. */
    @Override
    public void close() {
        if (hasWork()) {
            failAll(new IllegalStateException("the generation engine was closed"));
        }
        cache.close();
    }

    /**
     * Rows whose whole prompt is in the cache, found by their first {@code min} tokens: the holder of
     * the longest prefix a new prompt shares with one of them (at least {@code min} tokens, and at
     * most all but the new prompt's last token, whose logits the new row must compute itself).
     */
    private static final class PrefixIndex {
        /** Rows compared per lookup, most recent first: bounds the work when many prompts share a start. */
        private static final int CANDIDATES = 16;

        record Match(Row row, int length) {
        }

        private final int min;
        private final Map<Integer, ArrayDeque<Row>> byStart = new HashMap<>();

        PrefixIndex(int min) {
            this.min = min;
        }

        void add(Row r) {
            if (r.prompt.length > min) {
                ArrayDeque<Row> rows = byStart.computeIfAbsent(startHash(r.prompt), h -> new ArrayDeque<>());
                rows.addFirst(r);
                if (rows.size() > CANDIDATES) {
                    rows.removeLast();
                }
            }
        }

        Match longest(int[] prompt) {
            if (prompt.length <= min) {
                return null;
            }
            ArrayDeque<Row> rows = byStart.get(startHash(prompt));
            if (rows == null) {
                return null;
            }
            Match best = null;
            for (Row r : rows) {
                int limit = Math.min(prompt.length - 1, r.prompt.length);
                int common = 0;
                while (common < limit && prompt[common] == r.prompt[common]) {
                    common++;
                }
                if (common >= min && (best == null || common > best.length())) {
                    best = new Match(r, common);
                }
            }
            return best;
        }

        private int startHash(int[] prompt) {
            int h = 1;
            for (int i = 0; i < min; i++) {
                h = 31 * h + prompt[i];
            }
            return h;
        }
    }

    /** A row as a map key: its prompt and its tokens so far (rows equal under it compute the same logits). */
    private record Twin(Row row) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Twin t && t.row.count == row.count && t.row.tokensHash == row.tokensHash
                    && t.row.key.equals(row.key) && Arrays.equals(t.row.generated, 0, row.count, row.generated, 0, row.count);
        }

        @Override
        public int hashCode() {
            return 31 * row.key.hash() + row.tokensHash;
        }
    }

    /** A prompt's token ids as a map key. */
    private record PromptKey(int[] ids, int hash) {
        static PromptKey of(int[] ids) {
            return new PromptKey(ids, Arrays.hashCode(ids));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PromptKey k && k.hash == hash && Arrays.equals(k.ids, ids);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** The decoding state of one request. */
    private static final class Row {
        final GenerationRequest request;
        final int[] prompt;
        final PromptKey key;
        final Sampler sampler;
        final SplittableRandom rng;
        final CompletableFuture<Completion> result = new CompletableFuture<>();
        final Runnable onAdmitted;
        final StopStrings stops;
        final int stopWindow; // tokens of the tail decoded to look for a text stop string
        int[] generated = new int[16];
        float[] logprobs;
        int count;
        int tokensHash = 1; // Arrays.hashCode of generated[0, count)
        float[] promptLogits; // (V) the prompt's last-position logits
        Row source; // while admitted: the row to copy the prompt's (or the shared prefix's) keys and values from
        int shared; // leading prompt columns copied from another row's prompt and not computed (0: none)
        int slot;
        FinishReason reason;
        String text;

        Row(GenerationRequest request, Runnable onAdmitted, Tokenizer tokenizer) {
            this.request = request;
            this.onAdmitted = onAdmitted;
            this.prompt = request.prompt();
            this.key = PromptKey.of(prompt);
            this.sampler = Sampler.of(request.params());
            this.rng = new SplittableRandom(request.params().seed());
            this.logprobs = request.params().logprobs() ? new float[16] : null;
            this.stops = StopStrings.of(request.params().stop(), tokenizer);
            int longestStop = 0;
            for (String s : stops.text()) {
                longestStop = Math.max(longestStop, s.length());
            }
            this.stopWindow = 4 * longestStop + 8; // a character is at most 4 byte-level tokens
        }

        long reserved() {
            return prompt.length + request.params().maxNewTokens();
        }

        /** Prompt tokens this row's prefill computes: those after its shared prefix. */
        int rest() {
            return prompt.length - shared;
        }

        boolean finished() {
            return reason != null;
        }

        int lastToken() {
            return generated[count - 1];
        }

        /** The cache column the last sampled token goes to when fed back (= its position). */
        int column() {
            return prompt.length + count - 1;
        }

        void step(float[] logits, int offset, int vocab, StopTokens eos, Tokenizer tokenizer) {
            if (request.cancelled().getAsBoolean()) {
                reason = FinishReason.CANCELLED;
                return;
            }
            int token;
            if (count < request.params().minNewTokens()) {
                // too early to end: draw from the logits with every EOS id left out (a copy: the row may be shared)
                float[] masked = Arrays.copyOfRange(logits, offset, offset + vocab);
                eos.mask(masked, 0);
                token = sampler.sample(masked, 0, vocab, rng);
            } else {
                token = sampler.sample(logits, offset, vocab, rng);
            }
            if (count == generated.length) {
                generated = Arrays.copyOf(generated, count * 2);
                if (logprobs != null) {
                    logprobs = Arrays.copyOf(logprobs, count * 2);
                }
            }
            generated[count] = token;
            tokensHash = 31 * tokensHash + token;
            if (logprobs != null) {
                logprobs[count] = Sampler.logProb(logits, offset, vocab, token);
            }
            count++;
            if (eos.isEos(token)) {
                reason = FinishReason.EOS;
                return;
            }
            if (stops.tokens().contains(token)) {
                // a stop string that is an added token (<|im_end|>, <|eot_id|>): decoding skips it, so it
                // is matched by id; the text is everything before it
                text = tokenizer.decode(Arrays.copyOf(generated, count - 1));
                reason = FinishReason.STOP_STRING;
                return;
            }
            List<String> textStops = stops.text();
            if (!textStops.isEmpty() && stopInTail(tokenizer, textStops)) {
                // the text now contains a stop string: cut at its first occurrence in the whole text
                String t = tokenizer.decode(Arrays.copyOf(generated, count));
                int cut = firstStop(t, textStops);
                if (cut >= 0) {
                    text = t.substring(0, cut);
                    reason = FinishReason.STOP_STRING;
                    return;
                }
            }
            if (count >= request.params().maxNewTokens()) {
                reason = FinishReason.LENGTH;
            }
        }

        /**
         * Whether a stop string ends in the newest token: only the tail is decoded (earlier steps found
         * none), so a step costs the same however long the completion already is.
         */
        private boolean stopInTail(Tokenizer tokenizer, List<String> stops) {
            int from = Math.max(0, count - stopWindow);
            return firstStop(tokenizer.decode(Arrays.copyOfRange(generated, from, count)), stops) >= 0;
        }

        private static int firstStop(String t, List<String> stops) {
            int cut = -1;
            for (String s : stops) {
                int at = t.indexOf(s);
                if (at >= 0 && (cut < 0 || at < cut)) {
                    cut = at;
                }
            }
            return cut;
        }

        void complete(Tokenizer tokenizer) {
            int[] ids = Arrays.copyOf(generated, count);
            String t = text;
            if (t == null && tokenizer != null) {
                int[] body = reason == FinishReason.EOS ? Arrays.copyOf(ids, ids.length - 1) : ids;
                t = tokenizer.decode(body);
            }
            float[] lp = logprobs == null ? null : Arrays.copyOf(logprobs, count);
            promptLogits = null;
            result.complete(new Completion(ids, t, lp, reason, prompt.length));
        }
    }
}
