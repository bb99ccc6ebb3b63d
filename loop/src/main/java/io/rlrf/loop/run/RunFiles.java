package io.rlrf.loop.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

import io.rlrf.core.AtomicFiles;

/**
 * The run directory's file formats: proto messages as their canonical JSON (one per line in JSONL
 * files), plain records as Jackson JSON. Every file is written atomically ({@link AtomicFiles}), so a
 * reader (or a resumed run) sees the whole file or none of it.
 */
public final class RunFiles {

    public static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private RunFiles() {
    }

    /** Writes {@code text} to {@code target} atomically ({@link AtomicFiles#writeString}). */
    public static void writeAtomically(Path target, String text) {
        AtomicFiles.writeString(target, text);
    }

    public static String toJson(Message message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    public static <T extends Message> T fromJson(String json, Supplier<Message.Builder> builder) {
        try {
            Message.Builder b = builder.get();
            PARSER.merge(json, b);
            return (T) b.build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("unreadable record: " + e.getMessage(), e);
        }
    }

    public static void writeMessages(Path target, List<? extends Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            sb.append(toJson(m)).append('\n');
        }
        writeAtomically(target, sb.toString());
    }

    public static <T extends Message> List<T> readMessages(Path file, Supplier<Message.Builder> builder) {
        List<T> out = new ArrayList<>();
        for (String line : lines(file)) {
            out.add(fromJson(line, builder));
        }
        return out;
    }

    /** Plain records (pairs, selections, summaries) as JSONL via Jackson. */
    public static void writeRecords(Path target, List<?> records) {
        StringBuilder sb = new StringBuilder();
        try {
            for (Object r : records) {
                sb.append(JSON.writeValueAsString(r)).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writeAtomically(target, sb.toString());
    }

    public static <T> List<T> readRecords(Path file, Class<T> type) {
        List<T> out = new ArrayList<>();
        try {
            for (String line : lines(file)) {
                out.add(JSON.readValue(line, type));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
        return out;
    }

    public static void writeRecord(Path target, Object record) {
        try {
            writeAtomically(target, JSON.writeValueAsString(record) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static <T> T readRecord(Path file, Class<T> type) {
        try {
            return JSON.readValue(Files.readString(file), type);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }

    public static List<String> lines(Path file) {
        try {
            List<String> out = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    out.add(line);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }
}
