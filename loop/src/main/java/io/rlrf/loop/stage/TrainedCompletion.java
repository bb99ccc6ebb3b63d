package io.rlrf.loop.stage;

import java.util.Arrays;

import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.loop.run.Records.Candidate;
import io.rlrf.model.Policy;

/**
 * The completion ids an answer is scored and trained on: the ids the policy sampled
 * (generator.proto's Answer.token_ids), never its text tokenized again, so the trained sequence is
 * the sampled one (tokenizing decoded text again can give other ids: SentencePiece's prepended space,
 * merges the sampler never made).
 * <ul>
 * <li>An answer that ended is trained exactly as sampled: the end-of-sequence token it produced (any of
 * the model's EOS ids, not one chosen here), or the tokens of the stop string that stopped it. The stop
 * string is kept rather than replaced by EOS because it is what the policy produced there, and what
 * stops it at inference; EOS at that position was never sampled. The built-in runs use no stop
 * strings, so this changes nothing there.</li>
 * <li>An answer cut at its token cap (finish LENGTH) never ended, and is never trained as if it had:
 * as {@code pairing.truncated} says, it is not paired at all (DROP), or trained as the unfinished
 * sequence it is, its sampled ids with no EOS (UNFINISHED).</li>
 * <li>An answer from a run file written before ids were kept: its text encoded with EOS appended, as
 * such runs were trained, so they still resume. A pair imported from a preference file (MODE_DPO_OFFLINE)
 * holds text too; an answer the file marks as cut at its cap gets no EOS.</li>
 * </ul>
 * Ids belong to the policy that sampled them: an answer sampled by another version than the one being
 * trained, or holding an id outside its vocabulary (another tokenizer), is an error, never a silent
 * mis-train.
 */
final class TrainedCompletion {

    private TrainedCompletion() {
    }

    /**
     * The ids to train {@code answer} on with {@code policy}, which is checkpoint {@code version}.
     *
     * @throws IllegalStateException the ids belong to another policy version or vocabulary, or a
     *         truncated answer was paired although {@code truncated} is DROP
     */
    static int[] of(Candidate answer, Policy policy, String version, Truncation truncated) {
        if (answer.truncated() && truncated != Truncation.TRUNCATION_UNFINISHED) {
            throw new IllegalStateException("answer " + answer.id() + " was cut at its token cap and paired, but "
                    + "pairing.truncated is " + truncated.name());
        }
        int[] ids = answer.tokenIds();
        if (ids == null) {
            // a run file from before ids were kept, or a pair imported from a file: its text, with EOS
            // unless it was cut at its token cap
            int[] encoded = policy.encodeCompletion(answer.text());
            return answer.truncated() ? Arrays.copyOf(encoded, encoded.length - 1) : encoded;
        }
        if (!version.equals(answer.policyVersion())) {
            throw new IllegalStateException("answer " + answer.id() + " was sampled by policy '" + answer.policyVersion()
                    + "' but this update trains '" + version + "': its token ids belong to another policy");
        }
        int vocab = policy.config().vocabSize();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalStateException("answer " + answer.id() + " holds token id " + ids[i] + " at position " + i
                        + ", outside the vocabulary of '" + version + "' (vocab_size " + vocab
                        + "): its ids come from another tokenizer");
            }
        }
        return ids.clone();
    }
}
