package io.rlrf.trainer.grpc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.tokenizer.CharTokenizerSpec;

/** Writes a tiny random-weight char-level checkpoint at {@code target/test-models/tiny/v1} (the validation tests' base). */
public class TinyBaseCheckpointResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Path dir = Path.of("target/test-models/tiny/v1");
        try {
            if (!Files.exists(dir.resolve("config.json"))) {
                String alphabet = CharTokenizerSpec.PRINTABLE_ASCII;
                LlamaConfig config = LlamaConfig.of(CharTokenizerSpec.vocabSize(alphabet), 64, 128, 2, 4, 2, 1024, true);
                try (Policy p = Policy.initialize(config, CharTokenizerSpec.toJson(alphabet), 7)) {
                    p.save(dir, Map.of());
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Map.of();
    }

    @Override
    public void stop() {
    }
}
