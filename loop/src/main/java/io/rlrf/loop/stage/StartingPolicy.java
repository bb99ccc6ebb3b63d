package io.rlrf.loop.stage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.rlrf.loop.run.Seeds;
import io.rlrf.model.Policy;
import io.rlrf.model.checkpoint.Checkpoint;
import io.rlrf.model.lora.LoraConfig;
import io.rlrf.model.lora.PeftAdapter;

/**
 * The policy an update starts from: the previous iteration's version, as the run's {@code lora}
 * setting wants it. Without LoRA it is a full checkpoint (an adapter version is merged into its base
 * first). With LoRA, the adapter the previous iteration published keeps training when it has this
 * run's shape (rank, alpha, dropout, modules), so every iteration's adapter sits on the same base and
 * the generator swaps adapters on one loaded base; otherwise (the first iteration, or a version of
 * another shape, merged first) a fresh adapter starts with B = 0.
 *
 * @param policy       the loaded policy, adapter attached under LoRA; closed with this record
 * @param baseVersion  the store version of the full checkpoint whose weights the policy's base holds exactly
 *                     (the version itself, or the base an adapter version names); null when an adapter
 *                     version was merged into its base, which is then no checkpoint of the store
 * @param freshAdapter whether the adapter is new (B = 0): then the policy computes exactly what the base does
 */
record StartingPolicy(Policy policy, String baseVersion, boolean freshAdapter) implements AutoCloseable {

    @Override
    public void close() {
        policy.close();
    }

    /** Loads {@code version} for an update; {@code stream} separates the stages' adapter seeds. */
    static StartingPolicy load(StageContext ctx, String version, int stream) throws IOException {
        Path dir = ctx.store().resolve(version);
        boolean adapterVersion = PeftAdapter.isAdapter(dir) && !Files.isRegularFile(dir.resolve(Checkpoint.CONFIG));
        String baseVersion = adapterVersion ? PeftAdapter.readConfig(dir).baseModelNameOrPath() : version;
        Policy policy = Policy.load(dir, ctx.store(), ctx.settings().compute());
        try {
            LoraConfig wanted = ctx.plan().lora().orElse(null);
            boolean continues = wanted != null && policy.adapter().map(a -> a.lora().equals(wanted)).orElse(false);
            if (continues) {
                return new StartingPolicy(policy, baseVersion, false);
            }
            if (policy.adapter().isPresent()) {
                // another shape, or full fine-tuning: the adapter becomes part of the weights, and a new
                // adapter (if any) sits on this merged version
                policy.mergeAdapter();
                baseVersion = null;
            }
            if (wanted != null) {
                policy.newAdapter(wanted, Seeds.mix(ctx.plan().seed(), ctx.iteration(), stream));
                return new StartingPolicy(policy, baseVersion, true);
            }
            return new StartingPolicy(policy, baseVersion, false);
        } catch (RuntimeException e) {
            policy.close();
            throw e;
        }
    }
}
