package io.rlrf.model.lora;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;

import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.nn.LlamaModel;
import io.rlrf.model.train.DpoParams;
import io.rlrf.model.train.DpoTrainer;
import io.rlrf.model.train.OptimizerParams;
import io.rlrf.model.train.PreferencePair;
import io.rlrf.model.train.ScoredPair;

/**
 * Peak resident memory of one DPO step, full fine-tuning (reference = a copy, as the loop does) or
 * LoRA (reference = the base with adapters off), in a fresh JVM per figure:
 * {@code java -cp ... io.rlrf.model.lora.LoraMemoryProbe full|lora LAYERS}. Prints the parameter
 * count, the bytes of trainable state (weights, gradients, AdamW m and v) and VmHWM before and after.
 */
public final class LoraMemoryProbe {

    public static void main(String[] args) throws Exception {
        boolean lora = args[0].equals("lora");
        int layers = Integer.parseInt(args[1]);
        LlamaConfig c = LlamaConfig.of(8192, 512, 1408, layers, 8, 8, 256, false);
        long afterLoad;
        try (Policy policy = Policy.initialize(c, null, 1)) {
            afterLoad = hwmKb();
            Policy reference = null;
            LlamaModel ref;
            if (lora) {
                List<String> targets = args.length > 2 ? List.of(args[2].split(",")) : LoraConfig.MODULES;
                policy.newAdapter(new LoraConfig(16, 32, 0, targets), 2);
                ref = policy.model().withoutAdapter();
            } else {
                reference = policy.copy();
                ref = reference.model();
            }
            List<ScoredPair> scored = DpoTrainer.score(ref, pairs(8, 60, 5), 8);
            long afterScore = hwmKb();
            try (DpoTrainer t = new DpoTrainer(policy.model(), new DpoParams(0.1, 0), OptimizerParams.of(1e-4, 0, 10), 8)) {
                t.step(scored);
            }
            long trainable = 0;
            for (NDArray p : policy.model().trainableParameters()) {
                trainable += p.getShape().size();
            }
            System.out.printf("mode %s layers %d params %d trainable %d state(weights+grad+m+v of trainable) %.1f MiB"
                    + " frozen weights %.1f MiB reference copy %.1f MiB | VmHWM after init %d MiB, after scoring %d MiB, after 1 DPO step %d MiB%n",
                    args[0], layers, c.parameterCount(), trainable, 16.0 * trainable / (1 << 20),
                    lora ? 4.0 * c.parameterCount() / (1 << 20) : 0.0, lora ? 0.0 : 4.0 * c.parameterCount() / (1 << 20),
                    afterLoad / 1024, afterScore / 1024, hwmKb() / 1024);
            System.gc();
            System.out.printf("  VmRSS after the step (its arrays freed, gradients, moments and reference kept) %d MiB%n",
                    status("VmRSS:") / 1024);
            if (reference != null) {
                reference.close();
            }
        }
    }

    static List<PreferencePair> pairs(int n, int len, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = new int[len];
            int[] chosen = new int[len];
            int[] rejected = new int[len];
            prompt[0] = 1;
            for (int j = 1; j < len; j++) {
                prompt[j] = 4 + rng.nextInt(8000);
            }
            for (int j = 0; j < len; j++) {
                chosen[j] = 4 + rng.nextInt(8000);
                rejected[j] = 4 + rng.nextInt(8000);
            }
            out.add(new PreferencePair(prompt, chosen, rejected));
        }
        return out;
    }

    static long hwmKb() throws Exception {
        return status("VmHWM:");
    }

    static long status(String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
