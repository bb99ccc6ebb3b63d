package io.rlrf.loop.bootstrap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;
import io.rlrf.tasks.arith.ArithLevel;
import io.rlrf.tasks.arith.ArithWorld;
import io.rlrf.tasks.prompt.AnswerPrompt;
import io.rlrf.tasks.prompt.ReflectionPrompt;
import io.rlrf.tasks.verify.MathVerifier;
import io.rlrf.tasks.verify.VerifierParams;

/**
 * The SFT set of the bootstrap's refine phase (and of the lab's {@code TrainBase}): answering examples
 * (answer prompt, reference) and revision examples (reflection prompt with a {@link SlipDrafts} draft
 * and the verifier's critique of it in the given form, then the reference). Seeded: the same spec
 * gives the same list.
 */
public final class RefineData {

    /** One SFT example; the completion is the text before EOS (the trainer appends EOS). */
    public record Example(BootstrapData.Kind kind, String prompt, String completion) {
    }

    /**
     * @param levels     arith levels
     * @param answers    answering examples per level
     * @param revisions  revision examples per level
     * @param slipRate   per-step slip probability of the drafts
     * @param verifier   the verifier settings the critiques are written with (their form)
     * @param answer     the answer prompt
     * @param reflection the reflection prompt reflector-svc serves
     * @param structuralShare the share of slips that are slips of the step itself ({@link SlipDrafts#draft(String,
     *                   double, double, java.util.Random)}); 0: every slip is a wrong result
     */
    public record Spec(List<Integer> levels, int answers, int revisions, double slipRate, VerifierParams verifier,
            long seed, AnswerPrompt answer, ReflectionPrompt reflection, double structuralShare) {

        /** Every slip a wrong result. */
        public Spec(List<Integer> levels, int answers, int revisions, double slipRate, VerifierParams verifier,
                long seed, AnswerPrompt answer, ReflectionPrompt reflection) {
            this(levels, answers, revisions, slipRate, verifier, seed, answer, reflection, 0);
        }

        /** With the default answer and reflection prompts, every slip a wrong result. */
        public Spec(List<Integer> levels, int answers, int revisions, double slipRate, VerifierParams verifier,
                long seed) {
            this(levels, answers, revisions, slipRate, verifier, seed, AnswerPrompt.DEFAULT, ReflectionPrompt.DEFAULT);
        }
    }

    private RefineData() {
    }

    public static List<Example> build(Spec spec) {
        MathVerifier verifier = new MathVerifier(spec.verifier());
        List<Example> out = new ArrayList<>();
        for (int level : spec.levels()) {
            List<MathProblem> problems = ArithWorld.generate(ArithLevel.of(level), Split.TRAIN,
                    spec.answers() + spec.revisions(), spec.seed() * 31 + level);
            Random random = new Random(spec.seed() * 7919 + level);
            for (int i = 0; i < problems.size(); i++) {
                MathProblem p = problems.get(i);
                if (i < spec.answers()) {
                    out.add(new Example(BootstrapData.Kind.ANSWER, spec.answer().render(p.question()), p.solution()));
                    continue;
                }
                String draft = null;
                for (int attempt = 0; attempt < 20 && draft == null; attempt++) {
                    draft = SlipDrafts.draft(p.solution(), spec.slipRate(), spec.structuralShare(), random);
                }
                if (draft == null) {
                    continue;
                }
                var ratings = BootstrapData.ratings(verifier.verify(p.question(), draft, p.solution()));
                out.add(new Example(BootstrapData.Kind.REVISION, spec.reflection().render(p.question(), draft, ratings), p.solution()));
            }
        }
        Collections.shuffle(out, new Random(spec.seed() + 17));
        return out;
    }
}
