package io.rlrf.cli;

import java.io.PrintStream;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.rlrf.loop.bootstrap.Bootstrap;
import io.rlrf.loop.config.LocalTrainerConfig;
import io.rlrf.tasks.prompt.ReflectionPrompt;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * {@code rlrf-cli bootstrap [--store DIR]}: makes the built-in base policy that the
 * {@code rlrf.trainer.bootstrap.*} settings (system properties, as trainer-svc reads them) describe, in
 * this process, into the model store {@code DIR} (default {@code .rlrf/models}) at
 * {@code bootstrap/<key>}, and prints how it was made. {@code --store models} remakes the base the
 * repository ships (models/README.md). A base already in the store is not trained again.
 */
final class BootstrapCommand {

    private BootstrapCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path store = Path.of(".rlrf", "models");
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--store") && i + 1 < args.length) {
                store = Path.of(args[++i]);
            } else {
                err.println("unknown option or missing value: " + args[i] + " (usage: rlrf-cli bootstrap [--store DIR])");
                return 2;
            }
        }
        SmallRyeConfig config = new SmallRyeConfigBuilder().addDefaultSources().withMapping(LocalTrainerConfig.class)
                .build();
        LocalTrainerConfig settings = config.getConfigMapping(LocalTrainerConfig.class);
        Bootstrap bootstrap = new Bootstrap(settings.bootstrap().spec(), settings.loop().settings().answerPrompt(), store);
        long start = System.nanoTime();
        Bootstrap.Result result = bootstrap.ensure(0, ReflectionPrompt.DEFAULT, (done, total) -> {
            if (done % 25 == 0 || done == total) {
                out.printf("[bootstrap] step %d/%d (%.0f s)%n", done, total, (System.nanoTime() - start) / 1e9);
            }
        });
        try {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.printf("base %s in %s%n", result.version(), store);
        return 0;
    }
}
