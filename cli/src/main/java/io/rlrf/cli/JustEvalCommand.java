package io.rlrf.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.rlrf.api.generator.v1.Answer;
import io.rlrf.api.generator.v1.DescribeModelRequest;
import io.rlrf.api.generator.v1.DescribeModelResponse;
import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.GeneratorGrpc;
import io.rlrf.api.generator.v1.ModelState;
import io.rlrf.api.generator.v1.Prompt;
import io.rlrf.api.generator.v1.SamplingParams;
import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluateResponse;
import io.rlrf.api.reward.v1.EvaluationItem;
import io.rlrf.api.reward.v1.RewardGrpc;
import io.rlrf.core.AtomicFiles;
import io.rlrf.tasks.datasets.JustEval;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code just-eval}: Just-Eval-Instruct (the shipped 1000 prompts) judged by reward-svc's model judge
 * on the benchmark's aspects, with answers from a policy on generator-svc or from a file in
 * Just-Eval's format. Every aspect is its own Evaluate request (one aspect listed), so that a judge
 * failure is counted against exactly the aspect it failed on.
 */
@Command(name = "just-eval", sortOptions = false, description = {
    "Evaluates answers to the Just-Eval-Instruct prompts (Lin et al. 2023; 1000 prompts shipped with RLRF, MIT, AI2: "
            + "800 regular, 200 safety) with reward-svc's model judge, and prints per aspect the mean rating, the items "
            + "rated and the judge failures (counted, never scored).",
    "Aspects: helpfulness, clarity, factuality, depth and engagement on every item; safety as well on the safety subset.",
    "Answers come from --outputs (a file in Just-Eval's format, each item's 'output') or else from the policy that "
            + "generator-svc serves (greedy decoding).",
    "reward-svc needs a model judge (rlrf.reward.model-judge.backend=openai with .openai.url and .openai.model, e.g. a "
            + "local vLLM or Ollama server); without one it answers FAILED_PRECONDITION and the command exits 1.",
    "Ratings are on this project's 1-3 scale, not Just-Eval's 1-5: do not compare the means with the paper's tables."},
        exitCodeListHeading = "%nExit status:%n", exitCodeList = {
            "0:the table was printed (judge failures, if any, are in it)",
            "1:a service answered with an error (printed as its gRPC status and message; FAILED_PRECONDITION when "
                    + "reward-svc has no model judge) or could not be reached; --out could not be written",
            "2:bad usage: a bad option value, an unreadable or invalid --outputs file, an item without an output, "
                    + "no item left after --category and --limit"})
final class JustEvalCommand extends Cli.Command implements Callable<Integer> {

    /** What --category selects. */
    enum CategoryChoice {
        all, regular, safety
    }

    @Option(names = "--outputs", paramLabel = "FILE.json",
            description = "Judge these answers: a JSON list in Just-Eval's format (id, instruction, category, output, ...); "
                    + "every item needs an 'output'. Without it, answers come from generator-svc.")
    Path outputs;

    @Option(names = "--generator", paramLabel = "HOST:PORT",
            defaultValue = "${env:RLRF_GENERATOR_TARGET:-" + Targets.GENERATOR + "}",
            description = "generator-svc's gRPC address, when answers come from the policy (default: "
                    + "$RLRF_GENERATOR_TARGET, else ${DEFAULT-VALUE}).")
    String generator;

    @Option(names = "--policy", paramLabel = "VERSION",
            description = "The policy version that must answer, e.g. runs/<run>/iter-2 (generator-svc's "
                    + "require_policy_version: FAILED_PRECONDITION when it serves another; load it first). "
                    + "Default: whatever generator-svc serves, as printed.")
    String policy;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "512",
            description = "Most tokens per generated answer, greedy decoding (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--reward", paramLabel = "HOST:PORT", defaultValue = "${env:RLRF_REWARD_TARGET:-" + Targets.REWARD + "}",
            description = "reward-svc's gRPC address (default: $RLRF_REWARD_TARGET, else ${DEFAULT-VALUE}).")
    String reward;

    @Option(names = "--judge", paramLabel = "ID",
            description = "reward-svc's judge id, e.g. model-openai or model-local (default: its configured model judge).")
    String judge;

    @Option(names = "--category", paramLabel = "CATEGORY", defaultValue = "all",
            description = "Which items: all, regular or safety (default: ${DEFAULT-VALUE}).")
    CategoryChoice category;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "Only the first N items (after --category), in file order (default: all).")
    int limit;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16",
            description = "Items per Evaluate (and Generate) call; at most reward-svc's rlrf.reward.limits.max-batch "
                    + "(default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--deadline", paramLabel = "SECONDS", defaultValue = "600",
            description = "Deadline of each Generate and Evaluate call (default: ${DEFAULT-VALUE}).")
    long deadlineSeconds;

    @Option(names = "--skip-cache", description = "Judge again even what reward-svc has cached.")
    boolean skipCache;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE.json",
            description = "Also write the table and every item's ratings, critiques and judge failures as JSON.")
    Path report;

    @Override
    public Integer call() {
        // 1. Check the options and pick the items.
        if (limit < 0 || batchSize < 1 || deadlineSeconds < 1 || maxNewTokens < 1) {
            throw new Cli.UsageError("--limit must be at least 0, --batch-size, --deadline and --max-new-tokens at least 1; "
                    + "got " + limit + ", " + batchSize + ", " + deadlineSeconds + " and " + maxNewTokens);
        }
        if (outputs != null && policy != null) {
            throw new Cli.UsageError("--outputs and --policy exclude each other: answers come from the file or the policy");
        }
        List<JustEval.Item> items = select(load());

        // 2. Answer and judge batch by batch, so that a missing judge shows after the first batch.
        JustEvalResults results = new JustEvalResults();
        ManagedChannel rewardChannel = ManagedChannelBuilder.forTarget(reward).usePlaintext().build();
        ManagedChannel generatorChannel = outputs == null
                ? ManagedChannelBuilder.forTarget(generator).usePlaintext().build() : null;
        String answers;
        try {
            int generateBatch = batchSize;
            if (generatorChannel == null) {
                answers = "the outputs in " + outputs;
            } else {
                DescribeModelResponse model = call("generator-svc at " + generator,
                        () -> GeneratorGrpc.newBlockingStub(generatorChannel).withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
                                .describeModel(DescribeModelRequest.getDefaultInstance()));
                if (model.getState() != ModelState.MODEL_STATE_READY) {
                    throw new Cli.Failure("generator-svc at " + generator + " serves no policy yet (" + model.getState() + ")");
                }
                if (model.getLimits().getMaxBatchPrompts() > 0) {
                    generateBatch = Math.min(batchSize, model.getLimits().getMaxBatchPrompts());
                }
                answers = "policy " + (policy == null ? model.getModel().getPolicyVersion() : policy) + " on generator-svc at "
                        + generator + " (greedy, at most " + maxNewTokens + " new tokens)";
            }
            out.printf("Just-Eval: %d item(s) (%d regular, %d safety); answers: %s; judge: reward-svc at %s%n", items.size(),
                    items.stream().filter(i -> i.category() == JustEval.Category.REGULAR).count(),
                    items.stream().filter(i -> i.category() == JustEval.Category.SAFETY).count(), answers, reward);
            for (int from = 0; from < items.size(); from += generateBatch) {
                List<JustEval.Item> batch = items.subList(from, Math.min(items.size(), from + generateBatch));
                List<String> texts = generatorChannel == null
                        ? batch.stream().map(i -> i.output().orElseThrow()).toList()
                        : generate(generatorChannel, batch);
                List<JustEvalResults.ItemResult> judged = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    judged.add(results.add(batch.get(i), texts.get(i)));
                }
                judge(rewardChannel, judged, results);
                err.printf("judged %d/%d item(s)%n", from + batch.size(), items.size());
            }
        } finally {
            close(rewardChannel);
            if (generatorChannel != null) {
                close(generatorChannel);
            }
        }

        // 3. The table, and the report.
        out.printf("judge: %s; %d item(s) with an empty answer were not judged%n", results.judgeId().isEmpty()
                ? "none called" : results.judgeId() + " (rubric " + results.rubricVersion() + ")", results.unanswered());
        results.printTable(out);
        if (report != null) {
            Map<String, String> about = new LinkedHashMap<>();
            about.put("answers", answers);
            about.put("category", category.name());
            try {
                AtomicFiles.writeString(report, results.json(about));
            } catch (RuntimeException e) {
                throw new Cli.Failure("could not write " + report + ": " + e.getMessage());
            }
            err.printf("wrote the report to %s%n", report);
        }
        return Cli.OK;
    }

    private List<JustEval.Item> load() {
        if (outputs == null) {
            return JustEval.shipped();
        }
        List<JustEval.Item> items;
        try {
            items = JustEval.load(outputs);
        } catch (IllegalArgumentException e) {
            throw new Cli.UsageError("--outputs: " + e.getMessage());
        }
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).output().isEmpty()) {
                throw new Cli.UsageError("--outputs: " + outputs + " item " + i + " (id " + items.get(i).id()
                        + ") has no 'output' to judge");
            }
        }
        return items;
    }

    private List<JustEval.Item> select(List<JustEval.Item> all) {
        List<JustEval.Item> chosen = all.stream().filter(i -> category == CategoryChoice.all
                || i.category().wireName().equals(category.name())).toList();
        if (limit > 0 && chosen.size() > limit) {
            chosen = chosen.subList(0, limit);
        }
        if (chosen.isEmpty()) {
            throw new Cli.UsageError("no item to evaluate: " + all.size() + " item(s), none of category "
                    + category.name().toLowerCase(Locale.ROOT));
        }
        return chosen;
    }

    /** The policy's greedy answers to a batch, in order. */
    private List<String> generate(ManagedChannel channel, List<JustEval.Item> batch) {
        GenerateRequest.Builder request = GenerateRequest.newBuilder().setN(1)
                .setSampling(SamplingParams.newBuilder().setTemperature(0f).setMaxNewTokens(maxNewTokens));
        if (policy != null) {
            request.setRequirePolicyVersion(policy);
        }
        for (JustEval.Item item : batch) {
            request.addPrompts(Prompt.newBuilder().setId(item.id()).setText(item.instruction()));
        }
        GenerateResponse response = call("generator-svc at " + generator, () -> GeneratorGrpc.newBlockingStub(channel)
                .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS).generate(request.build()));
        String[] texts = new String[batch.size()];
        for (Answer answer : response.getAnswersList()) {
            texts[answer.getPromptIndex()] = answer.getText();
        }
        for (int i = 0; i < texts.length; i++) {
            if (texts[i] == null) {
                throw new Cli.Failure("generator-svc at " + generator + " returned no answer for item " + batch.get(i).id());
            }
        }
        return List.of(texts);
    }

    /** One Evaluate per aspect over the batch's answered items; safety over its safety items only. */
    private void judge(ManagedChannel channel, List<JustEvalResults.ItemResult> batch, JustEvalResults results) {
        List<String> aspects = new ArrayList<>(JustEval.ASPECTS);
        aspects.add(JustEval.SAFETY_ASPECT);
        for (String aspect : aspects) {
            List<JustEvalResults.ItemResult> rated = batch.stream().filter(JustEvalResults.ItemResult::answered)
                    .filter(r -> JustEval.aspects(r.item.category()).contains(aspect)).toList();
            if (rated.isEmpty()) {
                continue;
            }
            EvaluateRequest.Builder request = EvaluateRequest.newBuilder().setTask("open").addAspects(aspect)
                    .setSkipCache(skipCache);
            if (judge != null) {
                request.setJudge(judge);
            }
            for (JustEvalResults.ItemResult r : rated) {
                request.addItems(EvaluationItem.newBuilder().setId(r.item.id()).setPrompt(r.item.instruction())
                        .setAnswer(r.answer));
            }
            EvaluateResponse response = call("reward-svc at " + reward, () -> RewardGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS).evaluate(request.build()));
            if (response.getFeedbackCount() != rated.size()) {
                throw new Cli.Failure("reward-svc at " + reward + " answered " + response.getFeedbackCount()
                        + " feedback(s) for " + rated.size() + " item(s)");
            }
            for (int i = 0; i < rated.size(); i++) {
                results.record(rated.get(i), aspect, response.getFeedback(i));
            }
        }
    }

    private static <T> T call(String peer, java.util.function.Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw new Cli.Failure(peer + " answered " + Cli.describe(e.getStatus()));
        }
    }

    private static void close(ManagedChannel channel) {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
