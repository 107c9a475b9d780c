package dev.rivet.linker.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Objects compiled by gcc, linked by Rivet and by GNU ld: both programs must print the same and
 * exit with the same code, on both architectures.
 */
class ObjectLinkTest {
    @TempDir
    Path dir;

    static List<Target> targets() {
        return List.of(Target.X86_64_LINUX, Target.AARCH64_LINUX);
    }

    static final String MAIN = CompiledPrograms.SYSCALLS + """
            extern void put(const char *s);
            extern int bump(int by);
            extern const char *const names[];
            extern int scale;
            long sys_write(int fd, const void *buf, size_t n) { return syscall3(SYS_WRITE, fd, (long) buf, (long) n); }
            static void shout(const char *s) { put(s); put("!"); }
            static void (*const actions[])(const char *) = { put, shout };   /* function pointers in data */
            static const char newline[] = "\\n";
            void _start(void) {
                for (int i = 0; i < 4; i++) {
                    actions[i & 1](names[i]);
                    put(newline);
                }
                scale = 5;
                int r = bump(2);
                r = bump(r % 7);
                syscall3(SYS_EXIT, r, 0, 0);
                for (;;) { }
            }
            """;

    static final String UTIL = """
            typedef unsigned long size_t;
            long sys_write(int fd, const void *buf, size_t n);
            static int counter;                                              /* .bss */
            int scale = 3;                                                   /* .data */
            const char *const names[] = { "zero", "one", "two", "three" };   /* pointers to strings */
            static size_t length(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
            void put(const char *s) { sys_write(1, s, length(s)); }
            int bump(int by) { counter += by * scale; return counter; }
            """;

    @ParameterizedTest
    @MethodSource("targets")
    void twoCompiledFilesRunLikeGnuLdsBuild(Target t) throws Exception {
        List<Path> objects = CompiledPrograms.compile(t, dir, List.of(), "main.c", MAIN, "util.c", UTIL);
        Path ref = CompiledPrograms.linkWithGnuLd(t, dir.resolve("ref"), objects);

        Linker linker = Linker.create(t, LinkOptions.builder().deadStrip(false).build());
        objects.forEach(linker::addInput);
        Path exe = dir.resolve("rivet");
        linker.link(exe);

        ExternalTools.Result want = ExternalTools.runProgram(t, ref);
        ExternalTools.Result got = ExternalTools.runProgram(t, exe);
        assertThat(want.stdout()).isEqualTo("zero\none!\ntwo\nthree!\n");
        assertThat(got.stdout()).isEqualTo(want.stdout());
        assertThat(got.exitCode()).isEqualTo(want.exitCode()).isEqualTo(25);
        ExternalTools.Result readelf = ExternalTools.run(List.of(ExternalTools.require("readelf").toString(), "-a", "-W", exe.toString()));
        assertThat(readelf.stderr()).isEmpty();
        assertThat(readelf.stdout()).doesNotContainIgnoringCase("warning")
                .containsPattern("FUNC +GLOBAL +DEFAULT +\\d+ _start")
                .containsPattern("OBJECT +LOCAL +DEFAULT +\\d+ counter")
                .containsPattern("FUNC +LOCAL +DEFAULT +\\d+ shout");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void deadStrippingKeepsWhatStartReaches(Target t) {
        List<Path> objects = CompiledPrograms.compile(t, dir, List.of("-ffunction-sections", "-fdata-sections"),
                "main.c", MAIN, "util.c", UTIL + "int unused_function(int x) { return x * 3; }\nint unused_data[64] = {1};\n");
        Linker linker = Linker.create(t);
        objects.forEach(linker::addInput);
        Path exe = dir.resolve("stripped");
        var result = linker.link(exe);
        assertThat(result.address("unused_function")).isEmpty();
        assertThat(result.address("unused_data")).isEmpty();
        assertThat(result.address("bump")).isPresent();
        ExternalTools.Result got = ExternalTools.runProgram(t, exe);
        assertThat(got.stdout()).isEqualTo("zero\none!\ntwo\nthree!\n");
        assertThat(got.exitCode()).isEqualTo(25);
        assertThat(Files.exists(exe)).isTrue();
    }
}
