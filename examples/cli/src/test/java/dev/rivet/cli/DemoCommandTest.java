package dev.rivet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.testing.ExternalTools;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rivet demo} and the command line around it, in-process and on the module path. */
class DemoCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void demoLinksAndRunsEveryProgramElfAndMachO() {
        ExternalTools.require("qemu-aarch64");
        dev.rivet.linker.macho.testing.MachORunner.command(List.of(), dir); // skips, or fails under RIVET_REQUIRE_TOOLS, without Unicorn
        int code = run("demo", "--out", dir.toString());
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(text + err).isZero();
        assertThat(text).contains("[x86_64-linux]", "[aarch64-linux]", "[arm64-macos]", "[x86_64-macos]")
                .contains("Hello from Rivet, linked for x86_64-linux!", "Hello from Rivet, linked for aarch64-linux!")
                .contains("exit code: 42")
                .contains("Hello from Rivet, linked for arm64-macos!", "Hello from Rivet, linked for x86_64-macos!")
                .doesNotContain("not run")
                .contains("every program run behaved as expected");
        assertThat(dir.resolve("hello-x86_64-linux")).isExecutable();
        assertThat(dir.resolve("generated-aarch64-linux")).isExecutable();
        assertThat(dir.resolve("hello-arm64-macos")).isExecutable();
    }

    @Test
    void helpListsTheSubcommandsAndUnknownOnesFail() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("demo", "targets", "ld", "ld64", "--version");
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'frobnicate'");
        assertThat(run("demo", "--bogus")).isEqualTo(2);
        assertThat(run("ld", "-o", "x", dir.resolve("missing.o").toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing.o: error: cannot open input: no such file");
    }

    @Test
    void targetsListsTheFourKnownTargets() {
        assertThat(run("targets")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "x86_64-linux", "aarch64-linux", "arm64-macos", "x86_64-macos");
    }

    @Test
    void demoRunsOnTheModulePathWithTheModuleDescriptors() {
        ExternalTools.require("qemu-aarch64");
        // Looked up, and named as the launcher names them (NamedProviders: taken from the
        // modules' provides, whose packages are not exported to the API module).
        for (List<String> named : List.of(List.<String>of(), List.of(
                "-Ddev.rivet.linker.provider=dev.rivet.linker.core.CoreLinkerProvider",
                "-Ddev.rivet.linker.formats=dev.rivet.linker.elf.ElfFormat,dev.rivet.linker.macho.MachOFormat"))) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(named);
            cmd.addAll(List.of("-p", String.join(java.io.File.pathSeparator, RepoFiles.runtimeClassPath()),
                    "-m", "dev.rivet.cli/dev.rivet.cli.Main", "demo", "--out", dir.toString()));
            ExternalTools.Result r = ExternalTools.run(cmd);
            assertThat(r.exitCode()).as(named + ": " + r.stdout() + r.stderr()).isZero();
            assertThat(r.stdout()).contains("every program run behaved as expected");
        }
    }

    @Test
    void jshellSessionWritesAProgramAndRunsIt() {
        Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
        assertThat(jshell).isExecutable();
        Path script = RepoFiles.root().resolve("examples/hello/hello.jsh");
        ExternalTools.Result r = ExternalTools.run(List.of(jshell.toString(), "--class-path",
                String.join(java.io.File.pathSeparator, RepoFiles.runtimeClassPath()), script.toString()));
        assertThat(r.stdout()).as(r.stderr()).contains("program says: Hello from JShell, linked by Rivet!")
                .contains("exit code: 0");
        assertThat(r.exitCode()).isZero();
        assertThat(Files.exists(script)).isTrue();
    }
}
