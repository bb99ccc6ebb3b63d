package io.rlrf.loop.stage;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

/**
 * What a stage measured, typed. On the wire (the StageCompleted event and the stage's marker file)
 * it is a map of snake_case names to numbers; {@link #metrics()} and {@link #read} are the one codec
 * between the two, so nothing else names a figure by string.
 */
public sealed interface StageFigures {

    ObjectMapper CODEC = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** The figures as the StageCompleted event's metrics. */
    default Map<String, Double> metrics() {
        Map<String, Object> fields = CODEC.convertValue(this, new TypeReference<LinkedHashMap<String, Object>>() {
        });
        Map<String, Double> out = new LinkedHashMap<>();
        fields.forEach((k, v) -> out.put(k, v instanceof Boolean b ? (b ? 1.0 : 0.0) : ((Number) v).doubleValue()));
        return out;
    }

    /** Figures of type {@code type} back from a StageCompleted event's metrics (booleans from 0 or 1). */
    static <F extends StageFigures> F read(Map<String, Double> metrics, Class<F> type) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (var component : type.getRecordComponents()) {
            String name = CODEC.getPropertyNamingStrategy() instanceof PropertyNamingStrategies.NamingBase n
                    ? n.translate(component.getName()) : component.getName();
            Double v = metrics.get(name);
            if (v != null) {
                fields.put(name, component.getType() == boolean.class ? (Object) (v != 0) : v);
            }
        }
        return CODEC.convertValue(fields, type);
    }

    /** BOOTSTRAP: the built-in base was trained, or found cached. */
    record Bootstrap(boolean cached, int examples, int steps, double sftLoss, double devAccuracy) implements StageFigures {
    }

    /** 1. SAMPLE. */
    record Sample(int prompts, int samples) implements StageFigures {
    }

    /** 2. and 5. JUDGE and JUDGE_REFINEMENTS. */
    record Judge(int items, int judgeFailures, double meanScore) implements StageFigures {
    }

    /**
     * 3. SELECT: the answers selected, the prompts passed over because the judge faulted none of their
     * answers, and those passed over as solved ({@code reflection.unsolved_only}).
     */
    record Select(int selected, int promptsWithoutFault, int promptsSolved) implements StageFigures {
    }

    /** 4. REFLECT: rewrites of the selected sources; a source the reflector refused as too long gets none. */
    record Reflect(int rewrites, int sources, int sourcesRefused) implements StageFigures {
    }

    /**
     * 6. PAIR: the share of rewrites that scored above their source, how many chosen answers are
     * rewrites, the share of samples and of rewrites whose final answer is correct, the reflection
     * yield (the share of prompts whose only correct candidates are rewrites), the candidates cut at
     * their token cap, and how many answers in the pairs were (0 under {@code TRUNCATION_DROP}).
     */
    record Pair(int pairs, int promptsSkipped, double refineAcceptanceRate, int chosenRefined, double sampleAccuracy,
            double rewriteAccuracy, double reflectionYield, int truncatedCandidates, int truncatedPaired)
            implements StageFigures {
    }

    /**
     * TRAIN (DPO), final-epoch means over the steps: {@code loss} = {@code preferenceLoss} (the DPO term)
     * + nll weight x {@code nllLoss} (the chosen answers' mean per-token NLL).
     */
    record Dpo(int steps, int pairs, double loss, double preferenceLoss, double nllLoss, double rewardMargin,
            double rewardAccuracy, double chosenLogProb) implements StageFigures {
    }

    /** TRAIN (SFT): the last step's loss. */
    record Sft(int steps, double sftLoss) implements StageFigures {
    }

    /** PUBLISH: how long generator-svc took to load the new checkpoint. */
    record Publish(long loadMillis) implements StageFigures {
    }

    /**
     * EVALUATE: held-out accuracy and mean rating per aspect ({@code rating_<aspect>} on the wire), and
     * whether the policy computes or guesses (per-line fact accuracy, annotation/value mismatches,
     * distinct final answers, the constant-answer baseline); internalisation when reflection is on.
     */
    record Evaluate(double accuracy, double meanAnswerTokens, int judgeFailures, Map<String, Double> meanAspectRating,
            double factAccuracy, int annotationMismatches, int distinctAnswers, double constantAnswerAccuracy,
            double internalisation, double meanScore) implements StageFigures {

        @Override
        public Map<String, Double> metrics() {
            Map<String, Double> out = new LinkedHashMap<>();
            out.put("accuracy", accuracy);
            out.put("mean_answer_tokens", meanAnswerTokens);
            out.put("judge_failures", (double) judgeFailures);
            out.put("fact_accuracy", factAccuracy);
            out.put("annotation_mismatches", (double) annotationMismatches);
            out.put("distinct_answers", (double) distinctAnswers);
            out.put("constant_answer_accuracy", constantAnswerAccuracy);
            out.put("internalisation", internalisation);
            out.put("mean_score", meanScore);
            meanAspectRating.forEach((aspect, v) -> out.put("rating_" + aspect, v));
            return out;
        }
    }
}
