package io.rlrf.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's test command does its own set-up on a fresh machine (issue 18, point 14): what the
 * tests need and the machine lacks is installed with apt-get before {@code ./mvnw -B verify}, or the
 * command stops saying exactly what is missing and how to install it; and CI runs the README's two
 * commands, nothing else. The set-up runs here against fake tools on a PATH of its own (a fake
 * apt-get records what it was asked to install), so nothing is installed by this test.
 */
class TestCommandTest {

    private static final Path ROOT = DeployFiles.dir().resolve("..").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void theReadmesTwoCommandsAreWhatCiRuns() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String block = readme.substring(readme.indexOf("```bash\n") + 8);
        block = block.substring(0, block.indexOf("```"));
        List<String> commands = block.lines().map(l -> l.replaceAll("#.*", "").strip()).filter(l -> !l.isEmpty()).toList();
        assertEquals(List.of("bin/rlrf demo", "bin/rlrf test"), commands, "the two commands at the top of README.md");
        List<String> ci = Files.readAllLines(ROOT.resolve(".ci/run")).stream().map(String::strip)
                .filter(l -> !l.startsWith("#") && !l.startsWith("echo")).toList();
        assertTrue(ci.contains("bin/rlrf test"), "CI runs the README's test command: " + ci);
        assertTrue(ci.contains("bin/rlrf demo"), "CI runs the README's main command: " + ci);
        assertTrue(ci.stream().noneMatch(l -> l.contains("apt-get") || l.contains("mvnw") || l.contains("npm")),
                "CI does no set-up of its own: " + ci);
    }

    @Test
    void whatTheTestsNeedIsInstalledWhenMissing() throws Exception {
        Path bin = fakeTools(true, "v20.11.1");
        Result r = setUp(bin);
        assertEquals(0, r.exitCode(), r.output());
        String asked = Files.readString(tmp.resolve("apt-get.log"));
        assertTrue(asked.contains("install -y -qq --no-install-recommends prometheus"), asked);
        assertTrue(r.output().contains("installing promtool and prometheus (apt-get install prometheus)"), r.output());
        assertTrue(r.output().contains("set-up done"), r.output());
    }

    @Test
    void withoutAptGetTheCommandNamesWhatIsMissingAndHowToInstallIt() throws Exception {
        Path bin = fakeTools(false, "v20.11.1");
        Result r = setUp(bin);
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("missing: promtool and prometheus. This machine has no apt-get; install them "
                + "(Debian packages: prometheus) and run bin/rlrf test again"), r.output());
    }

    @Test
    void aNodeOlderThan20IsNamedWithWhatToInstall() throws Exception {
        Path bin = fakeTools(true, "v18.19.0");
        Result r = setUp(bin);
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("Node.js 20 or newer is needed for the manifest validator; this machine has v18.19.0"),
                r.output());
    }

    private record Result(int exitCode, String output) {
    }

    /** {@code bin/rlrf test --setup-only} with only {@code bin} on the PATH. */
    private Result setUp(Path bin) throws Exception {
        Path out = tmp.resolve("out.txt");
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", ROOT.resolve("bin/rlrf").toString(), "test", "--setup-only")
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("PATH", bin.toString());
        pb.environment().put("FAKE_LOG", tmp.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "set-up did not finish");
        return new Result(p.exitValue(), Files.readString(out));
    }

    /**
     * A PATH with the system's basic tools, the real JDK, curl and unzip, fake node and npm, a fake
     * sudo, and (if {@code aptGet}) a fake apt-get whose "install prometheus" puts a fake promtool and
     * prometheus on that PATH. promtool and prometheus are missing at first.
     */
    private Path fakeTools(boolean aptGet, String nodeVersion) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        for (String tool : List.of("dirname", "sed", "head", "cat", "grep", "awk", "ls", "mkdir", "rm", "cp", "env", "tr",
                "cut", "sort", "uname", "id", "readlink", "chmod", "curl", "unzip")) {
            for (String dir : List.of("/usr/bin", "/bin")) {
                if (Files.isExecutable(Path.of(dir, tool)) && !Files.exists(bin.resolve(tool))) {
                    Files.createSymbolicLink(bin.resolve(tool), Path.of(dir, tool));
                }
            }
        }
        Files.createSymbolicLink(bin.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
        script(bin, "node", "echo " + nodeVersion);
        script(bin, "npm", "echo \"npm $*\" >> \"$FAKE_LOG/npm.log\"; echo 10.0.0");
        script(bin, "sudo", "[ \"$1\" = -n ] && shift; exec \"$@\"");
        if (aptGet) {
            script(bin, "apt-get", String.join("\n", "echo \"$*\" >> \"$FAKE_LOG/apt-get.log\"",
                    "case \" $* \" in *\" prometheus \"*)",
                    "  printf '#!/bin/sh\\necho \"promtool, version 0.0.0-fake\"\\n' > \"" + bin + "/promtool\"",
                    "  printf '#!/bin/sh\\necho prometheus\\n' > \"" + bin + "/prometheus\"",
                    "  chmod +x \"" + bin + "/promtool\" \"" + bin + "/prometheus\";;",
                    "esac"));
        }
        return bin;
    }

    private static void script(Path bin, String name, String body) throws IOException {
        Path file = bin.resolve(name);
        Files.writeString(file, "#!/bin/bash\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
