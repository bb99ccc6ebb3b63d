package io.rlrf.loop.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.rlrf.loop.bootstrap.BootstrapData;
import io.rlrf.loop.bootstrap.RefineData;
import io.rlrf.loop.bootstrap.ShuffledSft;
import io.rlrf.model.LlamaConfig;
import io.rlrf.model.Policy;
import io.rlrf.model.score.SequenceScorer.Sequence;
import io.rlrf.model.tokenizer.CharTokenizerSpec;
import io.rlrf.model.train.OptimizerParams;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * Trains a base policy from scratch with SFT on {@link RefineData} and saves it, with
 * {@code base.json} (the recipe and its figures). Then probes it ({@link Probe}) unless
 * {@code probe=false}.
 *
 * <p>Usage: {@code TrainBase <out-dir> [levels=5 answers=6000 revisions=3000 slip-rate=0.35
 * hidden=128 layers=4 heads=4 positions=768 steps=1500 batch=32 micro=16 lr=2e-3 warmup=50 seed=1
 * probe=true probe-problems=500 probe-n=8 save-every=0 init= compact=false chained=true lines=false refsteps=false
 * structural=0]}: {@code structural} is the share of the drafts' slips that are slips of the step itself
 * ({@link io.rlrf.loop.bootstrap.SlipDrafts}); compact, chained, lines and refsteps
 * are the critique format of the revision examples ({@link VerifierParams}: compact expressions, chained
 * corrections, corrected lines); {@code save-every} saves snapshots
 * {@code <out-dir>-step<N>} along the way; {@code init} continues from a checkpoint instead of a fresh
 * network (its shape wins).
 */
public final class TrainBase {

    private TrainBase() {
    }

    /** The critiques of the revision examples: {@code chained}, {@code compact} and {@code lines} (corrected lines). */
    static VerifierParams critiqueFormat(Map<String, String> kv) {
        return VerifierParams.DEFAULTS.withChainedCorrections(Boolean.parseBoolean(kv.get("chained")))
                .withCompactExpressions(Boolean.parseBoolean(kv.get("compact")))
                .withCorrectedLines(Boolean.parseBoolean(kv.get("lines")))
                .withReferenceSteps(Boolean.parseBoolean(kv.getOrDefault("refsteps", "false")));
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Map<String, String> kv = new LinkedHashMap<>(Map.of());
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("levels", "5");
        defaults.put("answers", "6000");
        defaults.put("revisions", "3000");
        defaults.put("slip-rate", "0.35");
        defaults.put("hidden", "128");
        defaults.put("layers", "4");
        defaults.put("heads", "4");
        defaults.put("positions", "768");
        defaults.put("steps", "1500");
        defaults.put("batch", "32");
        defaults.put("micro", "16");
        defaults.put("lr", "2e-3");
        defaults.put("warmup", "50");
        defaults.put("seed", "1");
        defaults.put("probe", "true");
        defaults.put("probe-problems", "500");
        defaults.put("probe-n", "8");
        defaults.put("save-every", "0");
        defaults.put("init", "");
        defaults.put("compact", "false");
        defaults.put("chained", "true");
        defaults.put("lines", "false");
        defaults.put("refsteps", "false");
        defaults.put("structural", "0");
        kv.putAll(defaults);
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq < 0 || !defaults.containsKey(args[i].substring(0, eq))) {
                throw new IllegalArgumentException("unknown setting " + args[i] + "; known: " + defaults.keySet());
            }
            kv.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        System.out.println("recipe " + kv);
        long start = System.nanoTime();
        long seed = Long.parseLong(kv.get("seed"));
        List<Integer> levels = Arrays.stream(kv.get("levels").split(",")).map(Integer::parseInt).toList();
        List<RefineData.Example> data = RefineData.build(new RefineData.Spec(levels, Integer.parseInt(kv.get("answers")),
                Integer.parseInt(kv.get("revisions")), Double.parseDouble(kv.get("slip-rate")),
                critiqueFormat(kv),
                seed, io.rlrf.tasks.prompt.AnswerPrompt.DEFAULT, io.rlrf.tasks.prompt.ReflectionPrompt.DEFAULT,
                Double.parseDouble(kv.get("structural"))));
        int hidden = Integer.parseInt(kv.get("hidden"));
        int heads = Integer.parseInt(kv.get("heads"));
        int positions = Integer.parseInt(kv.get("positions"));
        String alphabet = CharTokenizerSpec.PRINTABLE_ASCII;
        LlamaConfig shape = LlamaConfig.of(CharTokenizerSpec.vocabSize(alphabet), hidden, 4 * hidden,
                Integer.parseInt(kv.get("layers")), heads, Math.max(1, heads / 2), positions, true);
        int steps = Integer.parseInt(kv.get("steps"));
        int batchSize = Integer.parseInt(kv.get("batch"));
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("recipe", kv);
        info.put("parameters", shape.parameterCount());
        String init = kv.get("init");
        try (Policy policy = init.isEmpty() ? Policy.initialize(shape, CharTokenizerSpec.toJson(alphabet), seed)
                : Policy.load(Path.of(init))) {
            List<Sequence> examples = new ArrayList<>();
            Map<BootstrapData.Kind, Integer> kinds = new HashMap<>();
            int tooLong = 0;
            for (RefineData.Example e : data) {
                Sequence s = new Sequence(policy.encodePrompt(e.prompt()), policy.encodeCompletion(e.completion()));
                if (s.length() > positions) {
                    tooLong++;
                    continue;
                }
                examples.add(s);
                kinds.merge(e.kind(), 1, Integer::sum);
            }
            System.out.printf("%d examples %s, %d too long, %d parameters%n", examples.size(), kinds, tooLong,
                    shape.parameterCount());
            info.put("examples", kinds);
            List<double[]> curve = new ArrayList<>();
            double[] window = {0, 0};
            int every = Integer.parseInt(kv.get("save-every"));
            ShuffledSft.run(policy, examples, OptimizerParams.of(Double.parseDouble(kv.get("lr")),
                    Math.min(Integer.parseInt(kv.get("warmup")), steps - 1), steps).withMinLrRatio(0.1), batchSize,
                    Integer.parseInt(kv.get("micro")), seed + 101, (step, st) -> {
                        window[0] += st.loss();
                        window[1]++;
                        if (every > 0 && step % every == 0 && step < steps) {
                            policy.save(out.resolveSibling(out.getFileName() + "-step" + step), Map.of("recipe", kv.toString()));
                        }
                        if (step % 100 == 0 || step == steps) {
                            curve.add(new double[] {step, window[0] / window[1]});
                            System.out.printf("step %d/%d loss %.4f lr %.2e %.0f s%n", step, steps, window[0] / window[1],
                                    st.lr(), (System.nanoTime() - start) / 1e9);
                            window[0] = 0;
                            window[1] = 0;
                        }
                    });
            info.put("loss_curve", curve);
            info.put("train_seconds", (System.nanoTime() - start) / 1e9);
            policy.save(out, Map.of("recipe", kv.toString()));
            if (Boolean.parseBoolean(kv.get("probe"))) {
                Probe.Spec spec = Probe.Spec.parse(List.of("level=" + levels.get(levels.size() - 1),
                        "problems=" + kv.get("probe-problems"), "n=" + kv.get("probe-n"), "compact=" + kv.get("compact"),
                        "chained=" + kv.get("chained"), "lines=" + kv.get("lines"), "refsteps=" + kv.get("refsteps"),
                        "batch=32"));
                info.put("probe", Probe.run(policy, spec));
            }
            info.put("seconds", (System.nanoTime() - start) / 1e9);
            Files.writeString(out.resolve("base.json"),
                    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(info));
        }
    }
}
