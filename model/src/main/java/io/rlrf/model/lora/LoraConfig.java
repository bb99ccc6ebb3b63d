package io.rlrf.model.lora;

import java.util.ArrayList;
import java.util.List;

/**
 * What a LoRA adapter is (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models"):
 * each targeted projection {@code W} becomes {@code W x + (alpha / r) B A dropout(x)} with
 * {@code A (r, in)} and {@code B (out, r)}. Named as PEFT's {@code LoraConfig} names them
 * ({@code r}, {@code lora_alpha}, {@code lora_dropout}, {@code target_modules}).
 *
 * @param r             the rank, >= 1
 * @param alpha         {@code lora_alpha}, > 0; the update is scaled by alpha / r
 * @param dropout       {@code lora_dropout}, in [0, 1): applied to the adapter's input while training
 * @param targetModules Hugging Face module names among {@link #MODULES}, kept in that order, no repeats
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules) {

    /** The projections an adapter may target, in the order of a decoder block. */
    public static final List<String> MODULES = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
            "down_proj");

    public LoraConfig {
        if (r < 1) {
            throw new IllegalArgumentException("lora r must be >= 1, got " + r);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("lora alpha must be a finite number > 0, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("lora dropout must be in [0, 1), got " + dropout);
        }
        if (targetModules == null || targetModules.isEmpty()) {
            throw new IllegalArgumentException("lora target_modules must name at least one of " + MODULES);
        }
        for (String m : targetModules) {
            if (!MODULES.contains(m)) {
                throw new IllegalArgumentException("lora target_modules holds '" + m + "'; each must be one of " + MODULES);
            }
        }
        List<String> ordered = new ArrayList<>();
        for (String m : MODULES) {
            if (targetModules.contains(m)) {
                ordered.add(m);
            }
        }
        if (ordered.size() != targetModules.size()) {
            throw new IllegalArgumentException("lora target_modules names a module twice: " + targetModules);
        }
        targetModules = List.copyOf(ordered);
    }

    /** Every attention and MLP projection, as PEFT's {@code all-linear} picks them in a Llama block. */
    public static LoraConfig allProjections(int r, double alpha, double dropout) {
        return new LoraConfig(r, alpha, dropout, MODULES);
    }

    /** The factor the adapter's output is multiplied by: alpha / r. */
    public double scaling() {
        return alpha / r;
    }

    public boolean targets(String module) {
        return targetModules.contains(module);
    }
}
