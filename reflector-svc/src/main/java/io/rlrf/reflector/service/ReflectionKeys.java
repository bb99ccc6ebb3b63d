package io.rlrf.reflector.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The content hash that keys the "reflections" cache: lower-case hex SHA-256 of
 * {@code rlrf-reflection-v1}, then each field that determines the rewrites (policy version, template
 * version, the full reflection prompt — which holds the prompt, the answer and the critiques —, the
 * aspect ratings, m, and the sampling parameters with the seed), each written as
 * {@code <length>:<text>\n} so that no two different inputs give the same bytes. The ids of the
 * answer and the feedback are lineage, not content, and are not part of it.
 */
public final class ReflectionKeys {

    private static final String FORMAT = "rlrf-reflection-v1";

    private ReflectionKeys() {
    }

    public static String key(List<String> fields) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
        update(sha, FORMAT);
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
