package io.rlrf.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

class ContentKeyTest {

    @Test
    void keyIsTheSha256OfLengthPrefixedFields() throws Exception {
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("5:fmt-1\n1:a\n2:bc\n0:\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, ContentKey.of("fmt-1", List.of("a", "bc", "")));
    }

    @Test
    void fieldBoundariesMatter() {
        assertNotEquals(ContentKey.of("f", List.of("ab", "c")), ContentKey.of("f", List.of("a", "bc")));
        assertNotEquals(ContentKey.of("f", List.of("a")), ContentKey.of("g", List.of("a")));
    }

    @Test
    void lengthsCountUtf8Bytes() throws Exception {
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("1:f\n2:\u00e9\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, ContentKey.of("f", List.of("\u00e9")));
    }
}
