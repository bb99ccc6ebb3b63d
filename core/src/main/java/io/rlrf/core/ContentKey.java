package io.rlrf.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The content hash that names a cached value: lower-case hex SHA-256 of a format tag (e.g.
 * {@code rlrf-feedback-v1}) followed by every field that determines the value, each written as
 * {@code <length>:<text>\n}, so that no two different field lists give the same bytes. Used for the
 * "feedback" and "reflections" cache keys and the built-in base's folder in the model store.
 */
public final class ContentKey {

    private ContentKey() {
    }

    /** The 64-hex-digit key of {@code fields} under {@code format}. */
    public static String of(String format, List<String> fields) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
        update(sha, format);
        for (String field : fields) {
            update(sha, field);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void update(MessageDigest sha, String field) {
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        sha.update((bytes.length + ":").getBytes(StandardCharsets.UTF_8));
        sha.update(bytes);
        sha.update((byte) '\n');
    }
}
