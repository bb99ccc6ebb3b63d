package io.rlrf.loop.plan;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.google.protobuf.TextFormat;

import io.rlrf.api.trainer.v1.Mode;
import io.rlrf.api.trainer.v1.RunConfig;
import io.rlrf.api.trainer.v1.ScoreKind;
import io.rlrf.common.error.ServiceException;

/**
 * The one source of a run's default values: {@code run-defaults.textproto} beside this class (a
 * RunConfig in protobuf text format), optionally overlaid by an operator's file of the same form.
 * {@link #resolve} turns the config a caller sent into the complete one a run uses: every unset field
 * takes its default (presence as the proto defines it), the mode fixes what it implies, and the
 * result is validated. It is what GetRun reports and what makes a run reproducible.
 */
public final class RunDefaults {

    private static final String BUILT_IN = "run-defaults.textproto";

    private final RunConfig defaults;
    private final RunLimits limits;

    private RunDefaults(RunConfig defaults, RunLimits limits) {
        if (defaults.getMode() != Mode.MODE_UNSPECIFIED || defaults.getReflection().hasEnabled()
                || defaults.getPairing().getScore() != ScoreKind.SCORE_KIND_UNSPECIFIED) {
            throw new IllegalStateException("run defaults must not set mode, reflection.enabled or pairing.score: "
                    + "the mode decides them");
        }
        this.defaults = defaults;
        this.limits = limits;
        // The defaults must make valid runs in every mode: fail at start-up, not per call.
        for (Mode mode : new Mode[] {Mode.MODE_RLRF, Mode.MODE_REWARD_ONLY, Mode.MODE_SFT}) {
            try {
                resolve(RunConfig.newBuilder().setMode(mode).build());
            } catch (ServiceException e) {
                throw new IllegalStateException("the run defaults do not make a valid " + mode.name() + " run: "
                        + e.getMessage(), e);
            }
        }
    }

    /** The built-in defaults. */
    public static RunDefaults builtIn(RunLimits limits) {
        try (InputStream in = RunDefaults.class.getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new IllegalStateException(BUILT_IN + " is missing from the loop library");
            }
            return new RunDefaults(parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), BUILT_IN), limits);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The built-in defaults with the fields {@code file} sets replacing theirs. */
    public static RunDefaults overlaid(Path file, RunLimits limits) {
        RunConfig base = builtIn(limits).defaults;
        try {
            RunConfig top = parse(Files.readString(file), file.toString());
            return new RunDefaults(overlay(base, top), limits);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the run defaults file " + file + ": " + e.getMessage(), e);
        }
    }

    public RunConfig defaults() {
        return defaults;
    }

    public RunLimits limits() {
        return limits;
    }

    /** @throws ServiceException INVALID_ARGUMENT or LIMIT_EXCEEDED naming the offending field */
    public RunConfig resolve(RunConfig requested) {
        RunConfigValidation.validateBeforeDefaults(requested);
        RunConfig.Builder resolved = overlay(defaults, requested).toBuilder();
        Mode mode = requested.getMode();
        if (!requested.getReflection().hasEnabled()) {
            // Only MODE_RLRF reflects; the validation rejects an explicit "true" elsewhere.
            resolved.getReflectionBuilder().setEnabled(mode == Mode.MODE_RLRF);
        }
        if (requested.getPairing().getScore() == ScoreKind.SCORE_KIND_UNSPECIFIED) {
            resolved.getPairingBuilder().setScore(mode == Mode.MODE_REWARD_ONLY ? ScoreKind.SCORE_KIND_SCALAR
                    : ScoreKind.SCORE_KIND_FINE_GRAINED);
        }
        RunConfig out = resolved.build();
        RunConfigValidation.validate(requested, out, limits);
        return out;
    }

    /** {@code top}'s set fields over {@code base}'s (a list {@code top} sets replaces {@code base}'s). */
    static RunConfig overlay(RunConfig base, RunConfig top) {
        RunConfig.Builder b = base.toBuilder();
        if (top.getData().getDifficultyLevelsCount() > 0) {
            b.getDataBuilder().clearDifficultyLevels();
        }
        if (top.getLora().getTargetModulesCount() > 0) {
            b.getLoraBuilder().clearTargetModules();
        }
        return b.mergeFrom(top).build();
    }

    private static RunConfig parse(String text, String source) {
        try {
            RunConfig.Builder b = RunConfig.newBuilder();
            TextFormat.getParser().merge(text, b);
            return b.build();
        } catch (TextFormat.ParseException e) {
            throw new IllegalStateException("the run defaults in " + source + " are not a RunConfig in text format: "
                    + e.getMessage(), e);
        }
    }
}
