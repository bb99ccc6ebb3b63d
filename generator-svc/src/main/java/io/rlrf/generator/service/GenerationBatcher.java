package io.rlrf.generator.service;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.rlrf.common.error.ServiceException;
import io.rlrf.common.validation.Check;
import io.rlrf.common.validation.Limit;
import io.rlrf.generator.config.GeneratorConfig;
import io.rlrf.model.generate.BatchingLanes;
import io.rlrf.model.generate.Completion;
import io.rlrf.model.generate.EngineParams;
import io.rlrf.model.generate.FinishReason;
import io.rlrf.model.generate.GenerationEngine;
import io.rlrf.model.generate.GenerationRequest;

/**
 * Continuous batching across Generate calls: the model library's {@link BatchingLanes} (its javadoc
 * tells how calls share rows, prefills and lanes) configured by {@code rlrf.generator.batching.*},
 * with the service's queue limit, its metrics and its shutdown. Every Generate call submits its
 * sequences (prompt x sample) here, all or none, and is answered when its own last sequence is done.
 */
@ApplicationScoped
public class GenerationBatcher {

    private final Limit queueLimit;
    private final BatchingLanes<ServedModel> lanes;
    private final Object admission = new Object(); // the queue limit's check and the submit, together

    public GenerationBatcher(GeneratorConfig config, GeneratorMetrics metrics) {
        GeneratorConfig.Batching b = config.batching();
        if (b.minSharedPrefix() < 0) {
            throw new IllegalArgumentException(GeneratorConfig.PREFIX + ".batching.min-shared-prefix must be >= 0 (0: whole "
                    + "prompts only), got " + b.minSharedPrefix());
        }
        if (b.lanes() < 1 || b.lanes() > BatchingLanes.MAX_LANES) {
            throw new IllegalArgumentException(GeneratorConfig.PREFIX + ".batching.lanes must be 1 to " + BatchingLanes.MAX_LANES
                    + ", got " + b.lanes());
        }
        EngineParams engine = new EngineParams(b.maxBatchSequences(), b.maxBatchTokens(), b.prefillChunk(),
                b.prefillBatchTokens(), b.sharePrefixes(), Math.min(b.minAdmitSequences(), b.maxBatchSequences()),
                b.minSharedPrefix());
        this.queueLimit = new Limit(GeneratorConfig.PREFIX + ".batching.max-queued-sequences", b.maxQueuedSequences());
        this.lanes = new BatchingLanes<>(new BatchingLanes.Settings(b.lanes(), engine, b.maxWait()), new BatchingLanes.Listener() {
            @Override
            public void started(long nanos) {
                metrics.queueWait(nanos);
            }

            @Override
            public void cancelled(int sequences) {
                metrics.cancelled(sequences);
            }

            @Override
            public void finished(FinishReason reason) {
                metrics.finished(reason);
            }

            @Override
            public void step(int lane, GenerationEngine.Step step) {
                metrics.step(lane, step);
            }
        });
        metrics.queueLengthGauge(lanes::queued);
    }

    /**
     * Queues {@code sequences} (all or none) and returns their results in the same order.
     *
     * @throws ServiceException RESOURCE_EXHAUSTED above {@code max-queued-sequences}, UNAVAILABLE while
     *                          shutting down
     */
    List<CompletableFuture<Completion>> submit(ServedModel model, List<GenerationRequest> sequences) {
        synchronized (admission) {
            Check.withinLimit("sequences waiting (queued + this call's prompts x n)", lanes.queued() + sequences.size(),
                    queueLimit);
            try {
                return lanes.submit(model, sequences);
            } catch (IllegalStateException closed) {
                throw shuttingDown();
            }
        }
    }

    /** Sequences not yet decoding: queued in a lane or waiting in an engine. */
    int queued() {
        return lanes.queued();
    }

    private static ServiceException shuttingDown() {
        return ServiceException.unavailable("generator-svc is shutting down");
    }

    @PreDestroy
    void stop() {
        lanes.close(GenerationBatcher::shuttingDown);
    }
}
