package io.rlrf.badinput;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

import io.grpc.Status.Code;
import io.rlrf.common.testing.RawGrpc;

/**
 * The hostile variants of a request, derived from its descriptor so that every field of every
 * request gets them: for each field (nested messages and the first element of repeated ones
 * included), values chosen by its type; and for the request as a whole, bytes that are no valid
 * message. Each variant says which statuses are acceptable; the suite adds what it knows about
 * particular fields ({@link BadInputSuiteTest#expectations}).
 */
final class HostileVariants {

    /** A refusal or an answer: never INTERNAL, UNKNOWN, UNAVAILABLE or a deadline. */
    static final Set<Code> ANSWERED = Collections.unmodifiableSet(EnumSet.of(Code.OK, Code.INVALID_ARGUMENT,
            Code.RESOURCE_EXHAUSTED, Code.NOT_FOUND, Code.FAILED_PRECONDITION, Code.ALREADY_EXISTS));

    /** The statuses a variant may get, and a fragment the message must contain (or null). */
    record Expect(Set<Code> codes, String fragment) {
        static Expect only(Code code) {
            return new Expect(EnumSet.of(code), null);
        }

        static Expect only(Code code, String fragment) {
            return new Expect(EnumSet.of(code), fragment);
        }

        static Expect answered() {
            return new Expect(ANSWERED, null);
        }
    }

    /** One hostile request: where (a field path or "(whole request)"), what, the bytes and what may come back. */
    record Variant(String field, String kind, byte[] bytes, Expect expect) {
        String label() {
            return field + " = " + kind;
        }
    }

    /** A string a caller may send in any field; named, so a failure says which one. */
    record HostileString(String kind, String value) {
    }

    static final String HUGE = "x".repeat(128 * 1024);
    static final String DEEP_PARENTHESES = "<<" + "(".repeat(1500) + "1" + ")".repeat(1500) + "=1>>1\n#### 1";
    static final String UNARY_MINUS_CHAIN = "<<" + "-".repeat(8000) + "1=1>>1\n2 + " + "-".repeat(8000) + "1 = 1\n#### 1";

    static final List<HostileString> STRINGS = List.of(
            new HostileString("empty", ""),
            new HostileString("huge (128 KiB)", HUGE),
            new HostileString("NUL", "tiny\u0000v1"),
            new HostileString("control characters", "a\r\n\u001b[31m\u0007b"),
            new HostileString("bidi and emoji", "\u202e\ufeff\u540d\u524d\ud83d\ude00"),
            new HostileString("parent path", "../../../../etc/passwd"),
            new HostileString("absolute path", "/etc/hostname"),
            new HostileString("folder link out of the store", "escape/ckpt"),
            new HostileString("file link out of the store", "linked-file"),
            new HostileString("all files linked out of the store", "linked-files"),
            new HostileString("huge exponent", "<<1+1=1e1000000>>\n#### 1e999999999"),
            new HostileString("1500 nested parentheses", DEEP_PARENTHESES),
            new HostileString("8000 unary minus signs", UNARY_MINUS_CHAIN),
            new HostileString("5000-digit number", "<<" + "9".repeat(5000) + "*9=1>>1\n#### " + "9".repeat(5000)),
            new HostileString("negative number", "-5"),
            new HostileString("int max", "2147483647"));

    private HostileVariants() {
    }

    /**
     * Every variant of {@code base}: the whole-request byte variants, then per field. Fields named
     * in {@code fixed} (paths like {@code validate_only}) keep their value.
     */
    static List<Variant> of(Message base, Set<String> fixed) {
        List<Variant> out = new ArrayList<>(wholeRequest(base));
        fields(base, base, List.of(), fixed, out);
        return out;
    }

    private static List<Variant> wholeRequest(Message base) {
        List<Variant> out = new ArrayList<>();
        String whole = "(whole request)";
        byte[] bytes = base.toByteArray();
        out.add(new Variant(whole, "empty message", new byte[0], Expect.answered()));
        out.add(new Variant(whole, "garbage bytes", RawGrpc.GARBAGE, Expect.only(Code.INVALID_ARGUMENT, "is not a valid")));
        byte[] truncated = bytes.length > 1 ? java.util.Arrays.copyOf(bytes, bytes.length - 1)
                : java.util.Arrays.copyOf(RawGrpc.lengthDelimited(1, new byte[8]), 5);
        out.add(new Variant(whole, "truncated", truncated, Expect.only(Code.INVALID_ARGUMENT, "is not a valid")));
        ByteArrayOutputStream deep = new ByteArrayOutputStream();
        for (int i = 0; i < 10_000; i++) {
            deep.write(0x0b); // start group, field 1
        }
        out.add(new Variant(whole, "10000 nested groups", deep.toByteArray(), Expect.only(Code.INVALID_ARGUMENT, "is not a valid")));
        byte[] unknown = concat(bytes, RawGrpc.lengthDelimited(9999, "unknown".getBytes(StandardCharsets.UTF_8)));
        out.add(new Variant(whole, "unknown field added", unknown, Expect.answered()));
        byte[] oversize = concat(bytes, RawGrpc.lengthDelimited(9999, new byte[300 * 1024]));
        out.add(new Variant(whole, "300 KiB", oversize,
                Expect.only(Code.RESOURCE_EXHAUSTED, "(set by quarkus.grpc.server.max-inbound-message-size)")));
        return out;
    }

    private static void fields(Message root, Message at, List<FieldDescriptor> path, Set<String> fixed, List<Variant> out) {
        for (FieldDescriptor fd : at.getDescriptorForType().getFields()) {
            List<FieldDescriptor> here = new ArrayList<>(path);
            here.add(fd);
            String name = name(here);
            if (fixed.contains(name)) {
                continue;
            }
            if (fd.isMapField()) {
                mapVariants(root, here, name, out);
                continue;
            }
            if (fd.isRepeated()) {
                out.add(variant(root, here, name, "no entries", b -> b.clearField(fd), Expect.answered()));
                int count = at.getRepeatedFieldCount(fd);
                if (count > 0) {
                    Object first = at.getRepeatedField(fd, 0);
                    out.add(variant(root, here, name, "2000 entries", b -> {
                        for (int i = 0; i < 1999; i++) {
                            b.addRepeatedField(fd, first);
                        }
                    }, Expect.answered()));
                }
            }
            if (fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                if (!fd.isRepeated()) {
                    out.add(variant(root, here, name, "unset", b -> b.clearField(fd), Expect.answered()));
                }
                Message child = fd.isRepeated() ? (at.getRepeatedFieldCount(fd) > 0 ? (Message) at.getRepeatedField(fd, 0) : null)
                        : (Message) at.getField(fd);
                if (child != null) {
                    fields(root, child, here, fixed, out);
                }
                continue;
            }
            for (Object[] value : values(fd)) {
                String kind = (String) value[0];
                Object v = value[1];
                Expect expect = (Expect) value[2];
                out.add(variant(root, here, name, kind, b -> set(b, fd, v), expect));
            }
            if (fd.getType() == FieldDescriptor.Type.STRING) {
                out.add(invalidUtf8(root, here, name));
            }
        }
    }

    /** Values by type: {kind, value, expectation}. */
    private static List<Object[]> values(FieldDescriptor fd) {
        List<Object[]> v = new ArrayList<>();
        Expect any = Expect.answered();
        Expect refused = Expect.only(Code.INVALID_ARGUMENT);
        switch (fd.getJavaType()) {
            case STRING -> STRINGS.forEach(s -> v.add(new Object[] {s.kind(), s.value(), any}));
            case INT -> {
                v.add(new Object[] {"-1", -1, any});
                v.add(new Object[] {"0", 0, any});
                v.add(new Object[] {"int max", Integer.MAX_VALUE, any});
                v.add(new Object[] {"int min", Integer.MIN_VALUE, any});
            }
            case LONG -> {
                v.add(new Object[] {"-1", -1L, any});
                v.add(new Object[] {"long max", Long.MAX_VALUE, any});
                v.add(new Object[] {"long min", Long.MIN_VALUE, any});
            }
            case FLOAT -> {
                v.add(new Object[] {"NaN", Float.NaN, refused});
                v.add(new Object[] {"+Inf", Float.POSITIVE_INFINITY, refused});
                v.add(new Object[] {"-Inf", Float.NEGATIVE_INFINITY, refused});
                v.add(new Object[] {"-1", -1f, any});
                v.add(new Object[] {"float max", Float.MAX_VALUE, any});
            }
            case DOUBLE -> {
                v.add(new Object[] {"NaN", Double.NaN, refused});
                v.add(new Object[] {"+Inf", Double.POSITIVE_INFINITY, refused});
                v.add(new Object[] {"-Inf", Double.NEGATIVE_INFINITY, refused});
                v.add(new Object[] {"-1", -1d, any});
                v.add(new Object[] {"double max", Double.MAX_VALUE, any});
            }
            case ENUM -> {
                v.add(new Object[] {"unknown number 99", fd.getEnumType().findValueByNumberCreatingIfUnknown(99), any});
                v.add(new Object[] {"unknown number -1", fd.getEnumType().findValueByNumberCreatingIfUnknown(-1), any});
            }
            case BOOLEAN -> {
                v.add(new Object[] {"true", true, any});
                v.add(new Object[] {"false", false, any});
            }
            default -> {
            }
        }
        return v;
    }

    private static void mapVariants(Message root, List<FieldDescriptor> path, String name, List<Variant> out) {
        FieldDescriptor fd = path.get(path.size() - 1);
        FieldDescriptor key = fd.getMessageType().findFieldByName("key");
        FieldDescriptor value = fd.getMessageType().findFieldByName("value");
        for (HostileString s : List.of(STRINGS.get(0), STRINGS.get(1), STRINGS.get(2), STRINGS.get(3))) {
            out.add(variant(root, path, name, "key " + s.kind(), b -> b.addRepeatedField(fd,
                    b.newBuilderForField(fd).setField(key, s.value()).setField(value, "v").build()), Expect.answered()));
            out.add(variant(root, path, name, "value " + s.kind(), b -> b.addRepeatedField(fd,
                    b.newBuilderForField(fd).setField(key, "k-hostile").setField(value, s.value()).build()), Expect.answered()));
        }
        out.add(variant(root, path, name, "2000 entries", b -> {
            for (int i = 0; i < 2000; i++) {
                b.addRepeatedField(fd, b.newBuilderForField(fd).setField(key, "k" + i).setField(value, "v").build());
            }
        }, Expect.answered()));
    }

    /** The field set to a marker, whose bytes are then replaced by the same number of invalid UTF-8 bytes. */
    private static Variant invalidUtf8(Message root, List<FieldDescriptor> path, String name) {
        String marker = "QZQZ";
        Variant marked = variant(root, path, name, "invalid UTF-8", b -> set(b, path.get(path.size() - 1), marker),
                Expect.only(Code.INVALID_ARGUMENT, "UTF-8"));
        byte[] bytes = marked.bytes();
        byte[] needle = marker.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + needle.length <= bytes.length; i++) {
            if (java.util.Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)) {
                for (int j = 0; j < needle.length; j += 2) {
                    bytes[i + j] = RawGrpc.INVALID_UTF8[0];
                    bytes[i + j + 1] = RawGrpc.INVALID_UTF8[1];
                }
                break;
            }
        }
        return marked;
    }

    private static void set(Message.Builder b, FieldDescriptor fd, Object value) {
        if (fd.isRepeated()) {
            if (b.getRepeatedFieldCount(fd) > 0) {
                b.setRepeatedField(fd, 0, value);
            } else {
                b.addRepeatedField(fd, value);
            }
        } else {
            b.setField(fd, value);
        }
    }

    private static Variant variant(Message root, List<FieldDescriptor> path, String name, String kind,
            java.util.function.Consumer<Message.Builder> change, Expect expect) {
        Message.Builder builder = root.toBuilder();
        Message.Builder at = builder;
        for (FieldDescriptor fd : path.subList(0, path.size() - 1)) {
            at = fd.isRepeated() ? at.getRepeatedFieldBuilder(fd, 0) : at.getFieldBuilder(fd);
        }
        change.accept(at);
        return new Variant(name, kind, builder.build().toByteArray(), expect);
    }

    /** {@code items[0].answer.text}, {@code config.dpo.epochs}. */
    static String name(List<FieldDescriptor> path) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < path.size(); i++) {
            FieldDescriptor fd = path.get(i);
            if (i > 0) {
                sb.append('.');
            }
            sb.append(fd.getName());
            if (fd.isRepeated() && !fd.isMapField() && i < path.size() - 1) {
                sb.append("[0]");
            }
        }
        return sb.toString();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
