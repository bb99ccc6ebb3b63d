package io.rlrf.reward.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The content hash that identifies a feedback and keys the cache: lower-case hex SHA-256 of
 * {@code rlrf-feedback-v1}, then the judge fingerprint (judge id, rubric version, model and its
 * settings), the task, the requested aspects (empty when the judge selects them), the prompt, the
 * answer and the reference, each written as {@code <length>:<text>\n} so that no two different
 * inputs give the same bytes. The caller's item id is not part of it.
 */
public final class FeedbackKeys {

    private static final String FORMAT = "rlrf-feedback-v1";

    private FeedbackKeys() {
    }

    public static String key(String judgeFingerprint, String task, List<String> aspects, String prompt, String answer,
            String reference) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
        for (String field : List.of(FORMAT, judgeFingerprint, task, String.join(",", aspects), prompt, answer, reference)) {
            byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
            sha.update((bytes.length + ":").getBytes(StandardCharsets.UTF_8));
            sha.update(bytes);
            sha.update((byte) '\n');
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
