package dev.rivet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.testing.ExternalTools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code rivet ld} as gcc calls it: {@code gcc -B DIR/} runs the {@code ld} in DIR, which is Rivet;
 * the program must run as the one gcc links with GNU ld.
 */
class LdDriverTest {
    @TempDir
    Path dir;

    static final String SYS = dev.rivet.linker.testing.FreestandingC.SYSCALLS;

    static final String MAIN = SYS + """
            int greet(char *buf);
            static char buf[32];
            void _start(void) { int n = greet(buf); syscall3(SYS_WRITE, 1, (long) buf, n); syscall3(SYS_EXIT, n, 0, 0); for (;;) { } }
            """;
    static final String LIB = "int greet(char *b) { const char *s = \"hi from a library\\n\"; int n = 0; while (s[n]) { b[n] = s[n]; n++; } return n; }\n";

    private static String gcc(String arch) {
        return arch.equals("x86_64") ? "gcc" : "aarch64-linux-gnu-gcc";
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64"})
    void gccLinksThroughRivetWithLibrariesFromTheSearchPath(String arch) throws Exception {
        String gcc = ExternalTools.require(gcc(arch)).toString();
        Files.writeString(dir.resolve("main.c"), MAIN);
        Files.writeString(dir.resolve("greet.c"), LIB);
        Path libdir = Files.createDirectories(dir.resolve("lib"));
        ExternalTools.Result cc = ExternalTools.run(List.of(gcc, "-c", "-O2", "-ffreestanding", "-fno-stack-protector",
                "-fno-builtin", "-fno-tree-loop-distribute-patterns", "-o", dir.resolve("greet.o").toString(), dir.resolve("greet.c").toString()));
        assertThat(cc.exitCode()).as(cc.stderr()).isZero();
        String ar = arch.equals("x86_64") ? "ar" : "aarch64-linux-gnu-ar";
        assertThat(ExternalTools.run(List.of(ExternalTools.require(ar).toString(), "rcs", libdir.resolve("libgreet.a").toString(),
                dir.resolve("greet.o").toString())).exitCode()).isZero();

        List<String> common = List.of("-O2", "-ffreestanding", "-fno-stack-protector", "-static", "-nostdlib",
                dir.resolve("main.c").toString(), "-L" + libdir, "-lgreet");
        List<String> withRivet = new ArrayList<>(List.of(gcc, "-B" + RivetLd.wrapperDirectory(dir) + "/", "-o", dir.resolve("rivet").toString()));
        withRivet.addAll(common);
        ExternalTools.Result link = ExternalTools.run(withRivet);
        assertThat(link.exitCode()).as(link.stderr()).isZero();
        List<String> withGnu = new ArrayList<>(List.of(gcc, "-o", dir.resolve("gnu").toString()));
        withGnu.addAll(common);
        assertThat(ExternalTools.run(withGnu).exitCode()).isZero();

        dev.rivet.linker.Target t = dev.rivet.linker.Target.parse(arch + "-linux");
        ExternalTools.Result want = ExternalTools.runProgram(t, dir.resolve("gnu"));
        ExternalTools.Result got = ExternalTools.runProgram(t, dir.resolve("rivet"));
        assertThat(want.stdout()).isEqualTo("hi from a library\n");
        assertThat(got.stdout()).isEqualTo(want.stdout());
        assertThat(got.exitCode()).isEqualTo(want.exitCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-lnothere", "-l:libnothere.a"})
    void aMissingLibraryNamesEveryDirectorySearched(String lib) throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"ld", "-static", "-o", dir.resolve("x").toString(), "-L" + a, "-L", b.toString(), lib},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unable to find library " + lib)
                .contains("searched: " + a + ", " + b);
        assertThat(dir.resolve("x")).doesNotExist();
    }
}
