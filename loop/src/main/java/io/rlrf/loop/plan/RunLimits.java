package io.rlrf.loop.plan;

/**
 * Limits a run configuration must respect (trainer-svc's {@code rlrf.trainer.limits.*}); above one,
 * StartRun gets RESOURCE_EXHAUSTED naming the property.
 *
 * @param property     the prefix of the properties that set them, for messages ({@code rlrf.trainer.limits.})
 * @param maxIterations most iterations per run
 * @param maxN          most samples per prompt
 * @param maxM          most rewrites per prompt
 * @param maxPrompts    most training or evaluation prompts per iteration
 * @param maxNewTokens  largest max_new_tokens for sampling, reflection and evaluation
 * @param maxLabels     most labels on a run
 */
public record RunLimits(String property, int maxIterations, int maxN, int maxM, int maxPrompts, int maxNewTokens,
        int maxLabels) {

    public RunLimits {
        if (maxIterations < 1 || maxN < 1 || maxM < 1 || maxPrompts < 1 || maxNewTokens < 1 || maxLabels < 0) {
            throw new IllegalArgumentException("run limits must be positive: " + this);
        }
    }
}
