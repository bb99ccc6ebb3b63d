package io.rlrf.reward.service;

import java.util.List;

import io.rlrf.core.ContentKey;

/**
 * What identifies a feedback and keys the "feedback" cache: the {@link ContentKey} (format
 * {@code rlrf-feedback-v1}) of the judge fingerprint (judge id, rubric version, model and its
 * settings), the task, the requested aspects (empty when the judge selects them), the prompt, the
 * answer and the reference. The caller's item id is not part of it.
 */
public final class FeedbackKeys {

    private static final String FORMAT = "rlrf-feedback-v1";

    private FeedbackKeys() {
    }

    public static String key(String judgeFingerprint, String task, List<String> aspects, String prompt, String answer,
            String reference) {
        return ContentKey.of(FORMAT, List.of(judgeFingerprint, task, String.join(",", aspects), prompt, answer, reference));
    }
}
