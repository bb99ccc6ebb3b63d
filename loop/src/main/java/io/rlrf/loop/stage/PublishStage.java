package io.rlrf.loop.stage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.core.AtomicFiles;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunLayout;
import io.rlrf.model.checkpoint.Checkpoint;
import io.rlrf.model.lora.PeftAdapter;

/**
 * PUBLISH: the iteration's checkpoint into the model store at {@code runs/<run>/iter-<t>} (whole or
 * not at all: generator-svc never sees half a checkpoint), then generator-svc loads it. With LoRA the
 * version is the iteration's adapter alone (PEFT's layout, naming the store checkpoint it sits on),
 * which generator-svc serves on that base without reading the base again.
 */
public final class PublishStage implements RunStage {

    @Override
    public Stage stage() {
        return Stage.STAGE_PUBLISH;
    }

    @Override
    public StageFigures run(StageContext ctx) {
        int t = ctx.iteration();
        String version = ctx.version(t);
        Path target = ctx.store().resolve(version);
        // with LoRA the adapter alone (it names the store checkpoint it sits on), else the checkpoint
        Path source = Files.isDirectory(ctx.file(RunLayout.ADAPTER)) ? ctx.file(RunLayout.ADAPTER) : ctx.file(RunLayout.CHECKPOINT);
        try {
            if (!Files.exists(target.resolve(Checkpoint.CONFIG)) && !PeftAdapter.isAdapter(target)) {
                AtomicFiles.deleteTree(target); // a folder without config.json (or adapter_config.json) is no version
                AtomicFiles.publishFolder(target, staging -> {
                    try (Stream<Path> files = Files.list(source)) {
                        for (Path f : files.toList()) {
                            Files.copy(f, staging.resolve(f.getFileName()));
                        }
                    }
                });
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not publish " + version, e);
        }
        ctx.safePoint("copied");
        long loadMillis = ctx.peers().generator().loadCheckpoint(version).getLoadMillis();
        RunFiles.writeRecord(ctx.file(RunLayout.PUBLISH), Map.of("version", version));
        return new StageFigures.Publish(loadMillis);
    }
}
