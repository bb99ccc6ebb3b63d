package io.rlrf.loop.run;

import java.util.List;

import io.rlrf.api.generator.v1.FinishReason;

/** The plain records a run writes to its stage files (one JSON object per line). */
public final class Records {

    private Records() {
    }

    /** A training or evaluation prompt: the task problem it came from. */
    public record Problem(int index, String id, String question, String reference, int level) {
    }

    /**
     * Step 1: one of the n answers to a prompt. Ids are the run's own, so a redo reproduces them.
     * {@code tokenIds} are the ids {@code policyVersion} sampled (generator.proto's Answer.token_ids),
     * what training uses; null in a file written before they were kept.
     */
    public record Sample(String id, int promptIndex, String promptId, int sampleIndex, String text,
            int completionTokens, String finishReason, String policyVersion, long seed, int[] tokenIds) {
    }

    /** Step 3: the answers of one prompt chosen for reflection, best first. */
    public record Selection(int promptIndex, List<String> answerIds) {
    }

    /**
     * Step 4: one rewrite with its lineage; {@code finishReason} and {@code tokenIds} as a
     * {@link Sample}'s (null in a file written before they were kept).
     */
    public record Rewrite(String id, int promptIndex, String sourceAnswerId, String feedbackId,
            List<String> critiquedAspects, int rewriteIndex, String text, int completionTokens,
            String policyVersion, String templateVersion, long seed, String finishReason, int[] tokenIds) {
    }

    /**
     * A ranked candidate of C = Y0 + Y1, with what training needs of the answer it is: why its
     * generation ended, which policy version sampled it and the ids it sampled (the last three null in
     * a file written before they were kept; training then encodes {@code text}).
     */
    public record Candidate(String id, String text, double score, int outcomeRank, boolean initial,
            String sourceAnswerId, String feedbackId, List<String> critiquedAspects, String finishReason,
            String policyVersion, int[] tokenIds) {

        /** Whether generation was cut at the token cap (finish LENGTH): the answer never ended. */
        public boolean truncated() {
            return FinishReason.FINISH_REASON_LENGTH.name().equals(finishReason);
        }
    }

    /**
     * Step 6: a preference pair with lineage (whether the chosen answer is a rewrite, of which
     * answer, under which feedback) and, once the train stage scored them, the frozen reference's
     * log-probabilities.
     */
    public record Pair(String id, int promptIndex, String promptId, String question, Candidate chosen,
            Candidate rejected, Double refChosenLogProb, Double refRejectedLogProb) {
        public Pair withReference(double chosen, double rejected) {
            return new Pair(id, promptIndex, promptId, question, this.chosen, this.rejected, chosen, rejected);
        }
    }

    /**
     * The train stage's result: final-epoch means for DPO ({@code loss} = {@code preferenceLoss} + nll
     * weight x {@code nllLoss}), the last step's loss for SFT.
     */
    public record TrainResult(int steps, double loss, double preferenceLoss, double nllLoss, double rewardMargin,
            double rewardAccuracy, double chosenLogProb, String checkpoint) {
    }

    /** An answer or rewrite to judge, and the prompt it answers. */
    public record JudgeItem(String id, int promptIndex, String text) {
    }

    /** The evaluate stage's result (see {@code StageFigures.Evaluate}). */
    public record EvalResult(double accuracy, java.util.Map<String, Double> meanAspectRating, double meanAnswerTokens,
            int prompts, int judgeFailures, double factAccuracy, int annotationMismatches, int distinctAnswers,
            double constantAnswerAccuracy, double internalisation, double meanScore) {
    }
}
