package io.rlrf.loop.stage;

import java.nio.file.Path;
import java.util.List;

import io.rlrf.api.trainer.v1.Stage;
import io.rlrf.api.trainer.v1.Truncation;
import io.rlrf.loop.run.PreferenceRows;
import io.rlrf.loop.run.Records.Pair;
import io.rlrf.loop.run.RunFiles;
import io.rlrf.loop.run.RunLayout;

/**
 * PAIR in MODE_DPO_OFFLINE: the preference file's rows ({@code data.pairs_file}, read by
 * {@link PreferenceRows#read}) become the iteration's {@code pairs.jsonl}, in file order, for the TRAIN
 * stage to use as it uses pairs built by the loop.
 */
public final class ImportPairsStage implements RunStage {

    @Override
    public Stage stage() {
        return Stage.STAGE_PAIR;
    }

    @Override
    public StageFigures run(StageContext ctx) {
        Path file = Path.of(ctx.plan().data().pairsFile());
        List<Pair> pairs;
        try {
            pairs = PreferenceRows.read(file, ctx.settings().answerPrompt());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("config.data.pairs_file " + file + " " + e.getMessage(), e);
        }
        // 1. a pair with an answer cut at its token cap is left out under DROP (pairing.truncated), as the
        //    loop's own pairing leaves such answers out; UNFINISHED keeps it (trained without EOS)
        int truncated = truncatedAnswers(pairs);
        if (ctx.plan().pairing().truncated() == Truncation.TRUNCATION_DROP) {
            pairs = pairs.stream().filter(p -> !p.chosen().truncated() && !p.rejected().truncated()).toList();
        }
        RunFiles.writeRecords(ctx.file(RunLayout.PAIRS), pairs);
        int rewrites = (int) pairs.stream().filter(p -> !p.chosen().initial()).count();
        return new StageFigures.Pair(pairs.size(), 0, 0, rewrites, 0, 0, 0, truncated, truncatedAnswers(pairs));
    }

    /** Answers of {@code pairs} cut at their token cap (an answer in two pairs counts twice). */
    private static int truncatedAnswers(List<Pair> pairs) {
        return pairs.stream().mapToInt(p -> (p.chosen().truncated() ? 1 : 0) + (p.rejected().truncated() ? 1 : 0)).sum();
    }
}
