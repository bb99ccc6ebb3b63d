package io.rlrf.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.rlrf.model.Policy;

/**
 * The lanes generator-svc and the loop's in-process generator both batch through: callers on several
 * threads, spread over two lanes, get exactly the plain path's completions; every lane steps its own
 * engine; closing fails what is left with the caller's reason and refuses later submits.
 */
class BatchingLanesTest {

    /** One policy, an engine per lane; records which lanes made an engine. */
    static final class OneModel implements BatchingLanes.Model {
        final Policy policy;
        final Map<Integer, GenerationEngine> engines = new ConcurrentHashMap<>();

        OneModel(Policy policy) {
            this.policy = policy;
        }

        @Override
        public GenerationEngine engine(int lane, EngineParams params) {
            return engines.computeIfAbsent(lane, l -> new GenerationEngine(policy.model(), null, params));
        }

        @Override
        public boolean tryAcquire() {
            return true;
        }

        @Override
        public void release() {
        }

        @Override
        public String version() {
            return "tiny";
        }
    }

    @Test
    void callersOnSeveralThreadsOverTwoLanesGetThePlainPathsCompletions() throws Exception {
        try (Policy p = Policy.initialize(GenerationEngineTest.CONFIG, null, 21)) {
            List<GenerationRequest> requests = GenerationEngineTest.workload();
            List<Completion> plain = new Generator(p.model(), null, EngineParams.plain()).generate(requests);
            OneModel model = new OneModel(p);
            Set<Integer> steppedLanes = ConcurrentHashMap.newKeySet();
            BatchingLanes.Listener listener = new BatchingLanes.Listener() {
                @Override
                public void step(int lane, GenerationEngine.Step step) {
                    steppedLanes.add(lane);
                }
            };
            ExecutorService callers = Executors.newFixedThreadPool(3);
            try (BatchingLanes<OneModel> lanes = new BatchingLanes<>(
                    new BatchingLanes.Settings(2, GenerationEngineTest.TIGHT, Duration.ofMillis(5)), listener)) {
                // three callers, each a third of the workload (a prompt's samples stay together)
                List<Future<List<Completion>>> calls = new ArrayList<>();
                int[] cuts = {0, 9, 18, requests.size()};
                for (int c = 0; c < 3; c++) {
                    List<GenerationRequest> part = requests.subList(cuts[c], cuts[c + 1]);
                    calls.add(callers.submit(() -> lanes.submit(model, part).stream().map(CompletableFuture::join).toList()));
                }
                List<Completion> got = new ArrayList<>();
                for (Future<List<Completion>> call : calls) {
                    got.addAll(call.get());
                }
                for (int i = 0; i < requests.size(); i++) {
                    assertArrayEquals(plain.get(i).tokens(), got.get(i).tokens(), "request " + i + " tokens");
                    assertEquals(plain.get(i).finishReason(), got.get(i).finishReason(), "request " + i);
                }
                assertEquals(0, lanes.queued());
            } finally {
                callers.shutdownNow();
                model.engines.values().forEach(GenerationEngine::close);
            }
            assertEquals(Set.of(0, 1), model.engines.keySet(), "each lane made its own engine");
            assertEquals(Set.of(0, 1), steppedLanes, "both lanes stepped");
        }
    }

    @Test
    void closingFailsWhatIsLeftWithTheCallersReasonAndRefusesLaterSubmits() throws Exception {
        try (Policy p = Policy.initialize(GenerationEngineTest.CONFIG, null, 21)) {
            OneModel model = new OneModel(p);
            BatchingLanes<OneModel> lanes = new BatchingLanes<>(
                    new BatchingLanes.Settings(1, GenerationEngineTest.TIGHT, Duration.ofMillis(5)), BatchingLanes.Listener.NONE);
            List<GenerationRequest> many = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                many.add(new GenerationRequest(GenerationEngineTest.prompt(new java.util.SplittableRandom(i), 100),
                        SamplingParams.sample(1.0, 1.0, 120, i)));
            }
            List<CompletableFuture<Completion>> results = lanes.submit(model, many);
            lanes.close(() -> new IllegalStateException("shutting down for the test"));
            int failed = 0;
            for (CompletableFuture<Completion> r : results) {
                try {
                    r.join();
                } catch (CompletionException e) {
                    assertEquals("shutting down for the test", e.getCause().getMessage());
                    failed++;
                }
            }
            assertTrue(failed > 0, "64 long sequences on 4 rows cannot all finish before the close");
            assertThrows(IllegalStateException.class, () -> lanes.submit(model, many.subList(0, 1)));
            model.engines.values().forEach(GenerationEngine::close);
        }
    }

    @Test
    void settingsRefuseLaneCountsOutsideOneTo64() {
        assertThrows(IllegalArgumentException.class, () -> new BatchingLanes.Settings(0, EngineParams.defaults(), Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> new BatchingLanes.Settings(BatchingLanes.MAX_LANES + 1, EngineParams.defaults(), Duration.ZERO));
    }
}
