package io.rlrf.model;

/**
 * The Hugging Face decoder families this library runs: one network ({@link io.rlrf.model.nn.LlamaModel})
 * whose differences are switched by {@link LlamaConfig} fields, named by {@code config.json}'s
 * {@code model_type}.
 *
 * <ul>
 *   <li>{@link #LLAMA}: Llama 2 and 3.x, TinyLlama, SmolLM; optional {@code attention_bias} (q, k, v
 *       and o) and {@code rope_scaling};</li>
 *   <li>{@link #QWEN2}: Qwen2 and Qwen2.5; biases on q, k and v (none on o);</li>
 *   <li>{@link #MISTRAL}: Mistral; optional sliding-window attention.</li>
 * </ul>
 */
public enum Architecture {
    LLAMA("llama", "LlamaForCausalLM"),
    QWEN2("qwen2", "Qwen2ForCausalLM"),
    MISTRAL("mistral", "MistralForCausalLM");

    private final String modelType;
    private final String className;

    Architecture(String modelType, String className) {
        this.modelType = modelType;
        this.className = className;
    }

    /** {@code config.json}'s {@code model_type}. */
    public String modelType() {
        return modelType;
    }

    /** The {@code transformers} class, {@code config.json}'s {@code architectures[0]}. */
    public String className() {
        return className;
    }

    /** The architecture of a {@code model_type}, or an error naming the field and the supported values. */
    public static Architecture ofModelType(String modelType) {
        for (Architecture a : values()) {
            if (a.modelType.equals(modelType)) {
                return a;
            }
        }
        throw new IllegalArgumentException("model_type is '" + modelType + "'; supported: llama, qwen2, mistral");
    }
}
