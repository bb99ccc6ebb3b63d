package io.rlrf.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.rlrf.loop.bootstrap.Bootstrap;
import io.rlrf.loop.config.LocalTrainerConfig;
import io.rlrf.tasks.prompt.ReflectionPrompt;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rlrf-cli bootstrap [--store DIR] [--task arith|facts]}: makes the built-in base policy that the
 * {@code rlrf.trainer.bootstrap.*} settings (system properties, as trainer-svc reads them) describe, in
 * this process, into the model store {@code DIR} (default {@code .rlrf/models}) at
 * {@code bootstrap/<key>}, and prints how it was made. {@code --store models} remakes the base the
 * repository ships (models/README.md). A base already in the store is not trained again; the arith base's
 * two phases are kept under their own keys, and the first is not retrained when the store has it.
 */
@Command(name = "bootstrap", description = "Makes the built-in base policy that the -Drlrf.trainer.bootstrap.* settings "
        + "describe, in this process, into a model store, and prints how it was made; a base already there is not "
        + "trained again. --store models remakes the base the repository ships.")
final class BootstrapCommand extends Cli.Command implements Callable<Integer> {

    @Option(names = "--store", paramLabel = "DIR", defaultValue = ".rlrf/models",
            description = "The model store (default: ${DEFAULT-VALUE}).")
    Path store;

    @Option(names = "--task", paramLabel = "TASK", defaultValue = "arith",
            description = "The task whose base to make: arith (also the base of gsm8k and svamp) or facts "
                    + "(the factuality world's; -Drlrf.trainer.bootstrap.facts.* set it) (default: ${DEFAULT-VALUE}).")
    String task;

    @Override
    public Integer call() throws Exception {
        SmallRyeConfig config = new SmallRyeConfigBuilder().addDefaultSources().withMapping(LocalTrainerConfig.class)
                .build();
        LocalTrainerConfig settings = config.getConfigMapping(LocalTrainerConfig.class);
        Bootstrap bootstrap = new Bootstrap(settings.bootstrap().spec(), settings.loop().settings().answerPrompt(), store);
        long start = System.nanoTime();
        if (!io.rlrf.loop.plan.RunProblems.KNOWN.contains(task)) {
            err.printf("--task: unknown task '%s'; known: %s%n", task, io.rlrf.loop.plan.RunProblems.KNOWN);
            return Cli.USAGE;
        }
        Bootstrap.Result result = bootstrap.ensure(task, 0, ReflectionPrompt.DEFAULT, (done, total) -> {
            if (done % 25 == 0 || done == total) {
                out.printf("[bootstrap] step %d/%d (%.0f s)%n", done, total, (System.nanoTime() - start) / 1e9);
            }
        });
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result));
        out.printf("base %s in %s%n", result.version(), store);
        return Cli.OK;
    }
}
