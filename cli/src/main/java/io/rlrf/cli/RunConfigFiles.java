package io.rlrf.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TextFormat;
import com.google.protobuf.util.JsonFormat;

import io.rlrf.api.trainer.v1.RunConfig;

/**
 * A (partial) RunConfig from a file, in the form its extension names: {@code .yaml}/{@code .yml} and
 * {@code .json} are the RunConfig's proto JSON mapping (field names as in trainer.proto,
 * {@code snake_case} or {@code lowerCamelCase}, enums by name: {@code mode: MODE_RLRF}); anything else
 * is protobuf text format (the form of the loop's {@code run-defaults.textproto}). Unknown fields are
 * errors, so a misspelt setting is never silently ignored.
 */
public final class RunConfigFiles {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunConfigFiles() {
    }

    /**
     * Reads {@code file}; a file that cannot be read or parsed is a {@link Cli.UsageError} naming the file
     * and, where the parser says, the line and the field.
     */
    public static RunConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new Cli.UsageError("cannot read the config file " + file + ": " + e.getMessage());
        }
        return parse(text, file.getFileName().toString(), file.toString());
    }

    /**
     * {@code text} in the form the extension of {@code fileName} names; {@code where} names it in errors.
     */
    public static RunConfig parse(String text, String fileName, String where) {
        String name = fileName.toLowerCase(Locale.ROOT);
        RunConfig.Builder b = RunConfig.newBuilder();
        try {
            if (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json")) {
                JsonNode tree = (name.endsWith(".json") ? JSON : YAML).readTree(text);
                if (tree == null || tree.isMissingNode() || tree.isNull()) {
                    return b.build(); // an empty file: no overrides
                }
                if (!tree.isObject()) {
                    throw new Cli.UsageError(where + " must hold one RunConfig object, found " + tree.getNodeType());
                }
                JsonFormat.parser().merge(JSON.writeValueAsString(tree), b);
            } else {
                TextFormat.getParser().merge(text, b);
            }
        } catch (TextFormat.ParseException e) {
            throw new Cli.UsageError(where + " is not a RunConfig in protobuf text format: " + e.getMessage());
        } catch (InvalidProtocolBufferException e) {
            throw new Cli.UsageError(where + " is not a valid RunConfig: " + e.getMessage());
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new Cli.UsageError(where + " does not parse" + (at == null ? "" : " at line " + at.getLineNr()) + ": "
                    + e.getOriginalMessage().replace('\n', ' '));
        }
        return b.build();
    }
}
