package io.rlrf.tasks.arith;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import io.rlrf.tasks.MathProblem;
import io.rlrf.tasks.Split;

/**
 * The built-in task world: seeded multi-step arithmetic word problems with reference solutions in
 * GSM8K's format, sized for a small character-level policy trained on a CPU (short sentences, a
 * small vocabulary, integer answers).
 *
 * <p>Example (level 2):
 * <pre>
 * Ann has 12 pens. She buys 7 more. Then she has 3 times as many. How many pens does Ann have now?
 *
 * 12+7=&lt;&lt;12+7=19&gt;&gt;19
 * 19*3=&lt;&lt;19*3=57&gt;&gt;57
 * #### 57
 * </pre>
 *
 * <p><b>Splits are disjoint by construction.</b> A problem's split is a function of its
 * computation alone (the solution's equations, without the story): the first bytes of its
 * SHA-256, 80% train, 10% dev, 10% test. So no test problem shares its arithmetic with a training
 * problem, whatever the seeds, and {@code generate(level, split, n, seed)} returns the same list
 * for the same arguments.
 */
public final class ArithWorld {

    private static final String[] NAMES = {"Ann", "Ben", "Tom", "Sam", "Eva", "Max", "Mia", "Leo"};
    private static final boolean[] SHE = {true, false, false, false, true, false, true, false};
    private static final String[] ITEMS = {"apples", "pens", "cards", "coins", "eggs", "books", "shells", "stamps"};
    private static final String[] ADD = {"%s gets %d more.", "%s buys %d more.", "%s finds %d more."};
    private static final String[] SUB = {"%s gives away %d.", "%s loses %d.", "%s sells %d."};
    /** Stands for the subject of a step sentence: the pronoun, or the name right after a distractor. */
    private static final String SUBJECT = "\u0000";
    private static final int TRAIN_PERCENT = 80;
    private static final int DEV_PERCENT = 10;

    private ArithWorld() {
    }

    /**
     * {@code count} distinct problems of {@code level} in {@code split}, reproducible from
     * {@code seed}.
     *
     * @throws IllegalStateException if the level cannot yield that many distinct problems
     */
    public static List<MathProblem> generate(ArithLevel level, Split split, int count, long seed) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        SplittableRandom random = new SplittableRandom(seed * 31 + level.level() * 7L + split.ordinal());
        List<MathProblem> problems = new ArrayList<>(count);
        Set<String> questions = new HashSet<>();
        long attempts = 0;
        long maxAttempts = 1000L + 500L * count;
        while (problems.size() < count) {
            if (++attempts > maxAttempts) {
                throw new IllegalStateException("arith level " + level.level() + " gave only " + problems.size()
                        + " distinct " + split.label() + " problems in " + maxAttempts + " attempts; ask for fewer");
            }
            Draft draft = draft(level, random);
            if (hasRepeatedLine(draft.computation()) || splitOf(draft.computation()) != split
                    || !questions.add(draft.question())) {
                continue;
            }
            String id = "arith-l" + level.level() + "-" + split.label() + "-" + sha256(draft.question()).substring(0, 10);
            problems.add(new MathProblem(id, "arith", split, draft.question(), draft.solution(),
                    Integer.toString(draft.answer()), level.level()));
        }
        return problems;
    }

    /** A step that undoes an earlier one (x / 2 after x * 2) can repeat a line; such drafts are redrawn. */
    private static boolean hasRepeatedLine(String computation) {
        List<String> lines = computation.lines().toList();
        return new HashSet<>(lines).size() != lines.size();
    }

    /** The split a computation belongs to (see the class comment). */
    public static Split splitOf(String computation) {
        String hash = sha256(computation);
        int bucket = Integer.parseInt(hash.substring(0, 4), 16) % 100;
        return bucket < TRAIN_PERCENT ? Split.TRAIN : bucket < TRAIN_PERCENT + DEV_PERCENT ? Split.DEV : Split.TEST;
    }

    /** The computation of a solution: its lines without the story, which is what decides the split. */
    public static String computationOf(String solution) {
        return solution.strip();
    }

    private record Draft(String question, String solution, String computation, int answer) {
    }

    private static Draft draft(ArithLevel level, SplittableRandom random) {
        int who = random.nextInt(NAMES.length);
        String name = NAMES[who];
        String pronoun = SHE[who] ? "She" : "He";
        String items = ITEMS[random.nextInt(ITEMS.length)];
        int steps = level.minSteps() + random.nextInt(level.maxSteps() - level.minSteps() + 1);

        List<String> story = new ArrayList<>();
        StringBuilder solution = new StringBuilder();
        int x = 2 + random.nextInt(level.maxNumber() - 1);
        story.add(name + " has " + x + " " + items + ".");
        int done = 0;
        while (done < steps) {
            ArithLevel.Op op = pick(level, x, steps - done, random);
            switch (op) {
                case ADD -> {
                    int b = 1 + random.nextInt(Math.min(level.maxNumber(), level.maxValue() - x));
                    story.add(String.format(java.util.Locale.ROOT, ADD[random.nextInt(ADD.length)], SUBJECT, b));
                    x = step(solution, x, "+", b, x + b);
                    done++;
                }
                case SUB -> {
                    int b = 1 + random.nextInt(Math.min(level.maxNumber(), x - 1));
                    story.add(String.format(java.util.Locale.ROOT, SUB[random.nextInt(SUB.length)], SUBJECT, b));
                    x = step(solution, x, "-", b, x - b);
                    done++;
                }
                case MUL -> {
                    int k = 2 + random.nextInt(Math.min(level.maxFactor(), level.maxValue() / x) - 1);
                    story.add("Then " + SUBJECT + " has " + k + " times as many.");
                    x = step(solution, x, "*", k, x * k);
                    done++;
                }
                case DIV -> {
                    List<Integer> divisors = divisors(x, level.maxFactor());
                    int k = divisors.get(random.nextInt(divisors.size()));
                    story.add(SUBJECT + " splits them into " + k + " equal groups and keeps one.");
                    x = step(solution, x, "/", k, x / k);
                    done++;
                }
                case BAGS -> {
                    int room = level.maxValue() - x;
                    int c = 2 + random.nextInt(Math.min(level.maxFactor(), room / 2) - 1);
                    int b = 2 + random.nextInt(Math.min(level.maxFactor(), room / c) - 1);
                    story.add(SUBJECT + " buys " + b + " bags of " + c + " " + items + ".");
                    int bags = b * c;
                    solution.append(b).append('*').append(c).append("=<<").append(b).append('*').append(c).append('=')
                            .append(bags).append(">>").append(bags).append('\n');
                    x = step(solution, x, "+", bags, x + bags);
                    done += 2;
                }
            }
        }
        String computation = solution.toString().strip();
        List<Integer> distractorAt = new ArrayList<>();
        for (int d = 0; d < level.distractors(); d++) {
            // A distractor is a quantity the question does not need, placed anywhere after the start.
            String sentence = random.nextBoolean()
                    ? name + " is " + (6 + random.nextInt(60)) + " years old."
                    : NAMES[(who + 1 + random.nextInt(NAMES.length - 1)) % NAMES.length] + " has "
                            + (2 + random.nextInt(level.maxNumber() - 1)) + " " + ITEMS[random.nextInt(ITEMS.length)] + ".";
            int at = 1 + random.nextInt(story.size());
            story.add(at, sentence);
            distractorAt.replaceAll(i -> i >= at ? i + 1 : i);
            distractorAt.add(at);
        }
        // After a distractor the subject is named again, so that "she" or "them" cannot be misread.
        for (int i = 1; i < story.size(); i++) {
            boolean afterDistractor = distractorAt.contains(i - 1);
            boolean midSentence = story.get(i).startsWith("Then " + SUBJECT);
            String subject = afterDistractor ? name : midSentence ? pronoun.toLowerCase(java.util.Locale.ROOT) : pronoun;
            story.set(i, story.get(i).replace(SUBJECT, subject));
        }
        story.add("How many " + items + " does " + name + " have now?");
        solution.append("#### ").append(x);
        return new Draft(String.join(" ", story), solution.toString(), computation, x);
    }

    /** Appends one solution line {@code a op b=<<a op b=c>>c} and returns c. */
    private static int step(StringBuilder solution, int a, String op, int b, int c) {
        String expr = a + op + b;
        solution.append(expr).append("=<<").append(expr).append('=').append(c).append(">>").append(c).append('\n');
        return c;
    }

    /** An operation that keeps every value a positive integer within the level's bounds. */
    private static ArithLevel.Op pick(ArithLevel level, int x, int stepsLeft, SplittableRandom random) {
        List<ArithLevel.Op> possible = new ArrayList<>();
        for (ArithLevel.Op op : ArithLevel.Op.values()) {
            if (level.ops().contains(op) && feasible(op, level, x, stepsLeft)) {
                possible.add(op);
            }
        }
        return possible.isEmpty() ? ArithLevel.Op.SUB : possible.get(random.nextInt(possible.size()));
    }

    private static boolean feasible(ArithLevel.Op op, ArithLevel level, int x, int stepsLeft) {
        return switch (op) {
            case ADD -> x < level.maxValue();
            case SUB -> x > 1;
            case MUL -> x * 2 <= level.maxValue();
            case DIV -> !divisors(x, level.maxFactor()).isEmpty();
            case BAGS -> stepsLeft >= 2 && level.maxValue() - x >= 8;
        };
    }

    private static List<Integer> divisors(int x, int maxFactor) {
        List<Integer> divisors = new ArrayList<>();
        for (int k = 2; k <= maxFactor; k++) {
            if (x % k == 0 && x / k >= 1) {
                divisors.add(k);
            }
        }
        return divisors;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
