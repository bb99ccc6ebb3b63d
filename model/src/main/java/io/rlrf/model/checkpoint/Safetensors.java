package io.rlrf.model.checkpoint;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * The safetensors file format (Hugging Face): an 8-byte little-endian header length N, N bytes of
 * JSON header mapping each tensor name to {@code {dtype, shape, data_offsets: [begin, end)}} (offsets
 * relative to the end of the header) plus an optional {@code __metadata__} string map, then the raw
 * little-endian tensor bytes.
 *
 * <p>Reads F32, F16, BF16 and F64 into float32; writes F32, BF16 or F16 ({@link Dtype}). Every
 * structural problem (truncated file, offsets out of range, byte count not matching the shape) is
 * reported with the file and tensor name.
 */
public final class Safetensors {

    /** Headers larger than this are rejected as damaged (real checkpoints have a few hundred KiB). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private Safetensors() {
    }

    /** One tensor as float32: its shape and its values in row-major order. */
    public record Tensor(long[] shape, float[] data) {
        public Tensor {
            long n = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
                }
                n *= d;
            }
            if (n != data.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                        + " values, data has " + data.length);
            }
        }
    }

    /** A tensor's header entry. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** An opened safetensors file: header parsed and checked, tensors read on demand. */
    public static final class File implements AutoCloseable {
        private final Path path;
        private final FileChannel channel;
        private final long dataStart;
        private final Map<String, Entry> entries;
        private final Map<String, String> metadata;

        private File(Path path, FileChannel channel, long dataStart, Map<String, Entry> entries,
                Map<String, String> metadata) {
            this.path = path;
            this.channel = channel;
            this.dataStart = dataStart;
            this.entries = entries;
            this.metadata = metadata;
        }

        public Path path() {
            return path;
        }

        /** Tensor entries by name, in file order. */
        public Map<String, Entry> entries() {
            return Collections.unmodifiableMap(entries);
        }

        public Map<String, String> metadata() {
            return Collections.unmodifiableMap(metadata);
        }

        /** Reads one tensor as float32. */
        public Tensor read(String name) throws CheckpointException {
            Entry e = entries.get(name);
            if (e == null) {
                throw new CheckpointException(path + ": tensor " + name + " is missing");
            }
            int bytes = Math.toIntExact(e.end() - e.begin());
            ByteBuffer buf = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
            try {
                long pos = dataStart + e.begin();
                while (buf.hasRemaining()) {
                    int r = channel.read(buf, pos + buf.position());
                    if (r < 0) {
                        throw new CheckpointException(path + ": tensor " + name + " is truncated (file ends at "
                                + channel.size() + " bytes)");
                    }
                }
            } catch (CheckpointException ce) {
                throw ce;
            } catch (IOException io) {
                throw new CheckpointException(path + ": reading tensor " + name + " failed: " + io.getMessage(), io);
            }
            buf.flip();
            float[] out = new float[Math.toIntExact(e.elements())];
            switch (e.dtype()) {
                case "F32" -> buf.asFloatBuffer().get(out);
                case "F64" -> {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = (float) buf.getDouble();
                    }
                }
                case "F16" -> {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = halfToFloat(buf.getShort());
                    }
                }
                case "BF16" -> {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
                    }
                }
                default -> throw new CheckpointException(path + ": tensor " + name + " has dtype " + e.dtype()
                        + "; supported: F32, F16, BF16, F64");
            }
            return new Tensor(e.shape(), out);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** Opens a file and validates its header against the file size. */
    public static File open(Path path) throws CheckpointException {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new CheckpointException(path + " cannot be opened: " + e.getMessage(), e);
        }
        try {
            long size = ch.size();
            if (size < 8) {
                throw new CheckpointException(path + " is not a safetensors file: " + size + " bytes, shorter than "
                        + "the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
                throw new CheckpointException(path + " is damaged: header length " + headerLen + " does not fit a "
                        + size + "-byte file");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            String headerText = new String(hb.array(), StandardCharsets.UTF_8);
            JsonObject header;
            try {
                header = JsonParser.parseString(headerText).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw new CheckpointException(path + " is damaged: its header is not a JSON object", e);
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new TreeMap<>();
            for (Map.Entry<String, JsonElement> kv : header.entrySet()) {
                if (kv.getKey().equals("__metadata__")) {
                    for (Map.Entry<String, JsonElement> m : kv.getValue().getAsJsonObject().entrySet()) {
                        metadata.put(m.getKey(), m.getValue().getAsString());
                    }
                    continue;
                }
                entries.put(kv.getKey(), parseEntry(path, kv.getKey(), kv.getValue(), dataLen));
            }
            return new File(path, ch, dataStart, entries, metadata);
        } catch (CheckpointException e) {
            closeQuietly(ch);
            throw e;
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw new CheckpointException(path + " is damaged: " + e.getMessage(), e);
        }
    }

    private static Entry parseEntry(Path path, String name, JsonElement value, long dataLen)
            throws CheckpointException {
        try {
            JsonObject o = value.getAsJsonObject();
            String dtype = o.get("dtype").getAsString();
            var shapeArr = o.getAsJsonArray("shape");
            long[] shape = new long[shapeArr.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeArr.get(i).getAsLong();
            }
            var offs = o.getAsJsonArray("data_offsets");
            long begin = offs.get(0).getAsLong();
            long end = offs.get(1).getAsLong();
            Entry e = new Entry(name, dtype, shape, begin, end);
            if (begin < 0 || end < begin || end > dataLen) {
                throw new CheckpointException(path + ": tensor " + name + " has data_offsets [" + begin + ", " + end
                        + ") outside the " + dataLen + "-byte data section (file truncated or damaged)");
            }
            int width = switch (dtype) {
                case "F64" -> 8;
                case "F32" -> 4;
                case "F16", "BF16" -> 2;
                default -> -1;
            };
            if (width > 0 && e.elements() * width != end - begin) {
                throw new CheckpointException(path + ": tensor " + name + " has shape " + Arrays.toString(shape)
                        + " and dtype " + dtype + " (" + e.elements() * width + " bytes) but " + (end - begin)
                        + " bytes of data");
            }
            return e;
        } catch (CheckpointException ce) {
            throw ce;
        } catch (RuntimeException re) {
            throw new CheckpointException(path + ": header entry for tensor " + name + " is malformed: "
                    + re.getMessage(), re);
        }
    }

    /**
     * Writes tensors as F32 in the given order (with 8-byte-aligned header, as the reference writer
     * does). The caller is responsible for atomicity (write to a temporary path, then rename).
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((name, t) -> shapes.put(name, t.shape()));
        write(path, shapes, name -> tensors.get(name).data(), Dtype.F32, metadata);
    }

    /**
     * Writes tensors in {@code dtype} (rounded to nearest even), in the order of {@code shapes}, fetching
     * each one's float32 values from {@code values} only when its turn comes, so one tensor at a time is
     * held on the heap. Header 8-byte aligned, as the reference writer does; the caller is responsible
     * for atomicity (write to a temporary path, then rename).
     */
    public static void write(Path path, Map<String, long[]> shapes, Function<String, float[]> values, Dtype dtype,
            Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put("__metadata__", new TreeMap<>(metadata));
        }
        long offset = 0;
        for (Map.Entry<String, long[]> t : shapes.entrySet()) {
            long bytes = (long) dtype.bytes() * elements(t.getValue());
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("dtype", dtype.safetensorsName());
            e.put("shape", t.getValue());
            e.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(t.getKey(), e);
            offset += bytes;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(headerBytes);
            for (Map.Entry<String, long[]> t : shapes.entrySet()) {
                float[] data = values.apply(t.getKey());
                if (data.length != elements(t.getValue())) {
                    throw new IllegalArgumentException("tensor " + t.getKey() + " has " + data.length + " values, its shape "
                            + Arrays.toString(t.getValue()) + " needs " + elements(t.getValue()));
                }
                ByteBuffer buf = ByteBuffer.allocate(dtype.bytes() * data.length).order(ByteOrder.LITTLE_ENDIAN);
                dtype.encode(data, buf);
                out.write(buf.array());
            }
        }
    }

    /** Elements of a tensor of {@code shape}. */
    static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** IEEE 754 half precision to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf or NaN
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign); // signed zero
            }
            float v = mant / 1024f * (float) Math.pow(2, -14); // subnormal
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf, pos + buf.position()) < 0) {
                throw new CheckpointException("unexpected end of file");
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already failing with a better message
        }
    }
}
