package dev.rivet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real programs against glibc's and libstdc++'s static libraries, on both architectures: each is
 * compiled by gcc or g++, linked statically once through {@code rivet ld} ({@code gcc -B}) and once
 * by GNU ld, and both builds must print the same and exit with the same code (aarch64 under qemu).
 */
class GccStaticCorpusTest {
    @TempDir
    Path dir;

    /** A test program: source files, extra compiler flags, extra link arguments, and whether it is C++. */
    record Program(String name, Map<String, String> sources, List<String> flags, List<String> libs, boolean cxx) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Program c(String name, String... fileAndSource) {
        return program(name, false, List.of(), List.of(), fileAndSource);
    }

    private static Program program(String name, boolean cxx, List<String> flags, List<String> libs, String... fileAndSource) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < fileAndSource.length; i += 2) {
            m.put(fileAndSource[i], fileAndSource[i + 1]);
        }
        return new Program(name, m, flags, libs, cxx);
    }

    static List<Program> programs() {
        return List.of(
            c("hello", "hello.c", """
                #include <stdio.h>
                int main(void) { printf("hello, %s %d\\n", "world", 42); return 3; }
                """),
            c("malloc", "malloc.c", """
                #include <stdio.h>
                #include <stdlib.h>
                #include <string.h>
                int main(void) {
                    unsigned long sum = 0; char *keep[256] = {0};
                    for (int i = 0; i < 20000; i++) {
                        int k = (i * 7919) & 255; free(keep[k]);
                        keep[k] = malloc(16 + (i % 1000)); memset(keep[k], i & 0xff, 16); sum += (unsigned char) keep[k][3];
                        if (i % 3 == 0) keep[k] = realloc(keep[k], 2000);
                    }
                    for (int k = 0; k < 256; k++) free(keep[k]);
                    printf("sum %lu\\n", sum); return 0;
                }
                """),
            c("callbacks", "callbacks.c", """
                #include <stdio.h>
                #include <stdlib.h>
                #include <string.h>
                static int up(const void *a, const void *b) { return strcmp(*(const char *const *) a, *(const char *const *) b); }
                static int twice(int x) { return 2 * x; } static int square(int x) { return x * x; }
                static int (*const ops[])(int) = { twice, square };
                static const char *words[] = { "pear", "apple", "fig", "kiwi", "date" };
                int main(void) {
                    qsort(words, 5, sizeof words[0], up);
                    const char *key = "fig"; const char **hit = bsearch(&key, words, 5, sizeof words[0], up);
                    for (int i = 0; i < 5; i++) printf("%s ", words[i]);
                    printf("| found at %d | %d %d\\n", (int) (hit - words), ops[0](21), ops[1](7)); return 0;
                }
                """),
            c("order", "order.c", """
                #include <stdio.h>
                #include <stdlib.h>
                __attribute__((constructor)) static void c1(void) { puts("constructor"); }
                __attribute__((destructor)) static void d1(void) { puts("destructor"); }
                static void e1(void) { puts("atexit 1"); } static void e2(void) { puts("atexit 2"); }
                int main(void) { atexit(e1); atexit(e2); puts("main"); return 0; }
                """),
            program("threads", false, List.of("-pthread"), List.of(), "threads.c", """
                #include <stdio.h>
                #include <errno.h>
                #include <pthread.h>
                #include <stdlib.h>
                __thread int counter = 100; __thread char name[16];
                static void *work(void *arg) {
                    long id = (long) arg; for (int i = 0; i < 1000; i++) counter++;
                    errno = (int) id; name[0] = 'a' + (char) id;
                    return (void *) (long) (counter + errno + name[0]);
                }
                int main(void) {
                    pthread_t t[4]; long total = 0;
                    for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, work, (void *) i);
                    for (int i = 0; i < 4; i++) { void *r; pthread_join(t[i], &r); total += (long) r; }
                    errno = 0; strtol("99999999999999999999999", NULL, 10);
                    printf("total %ld main counter %d erange %d\\n", total, counter, errno == ERANGE); return 0;
                }
                """),
            c("priorities", "prio.c", """
                #include <stdio.h>
                __attribute__((constructor(300))) static void c300(void) { puts("constructor 300"); }
                __attribute__((constructor(101))) static void c101(void) { puts("constructor 101"); }
                __attribute__((constructor)) static void plain(void) { puts("constructor"); }
                __attribute__((destructor(200))) static void d200(void) { puts("destructor 200"); }
                __attribute__((destructor)) static void dplain(void) { puts("destructor"); }
                int main(void) { puts("main"); return 0; }
                """, "prio2.c", """
                #include <stdio.h>
                __attribute__((constructor(150))) static void c150(void) { puts("constructor 150, other file"); }
                """),
            c("longjmp", "jump.c", """
                #include <setjmp.h>
                #include <stdio.h>
                static jmp_buf env;
                static void deep(int n) { if (n == 0) longjmp(env, 7); deep(n - 1); }
                int main(void) { int r = setjmp(env); if (r == 0) { deep(10); return 1; } printf("came back with %d\\n", r); return r; }
                """),
            c("weak", "weak.c", """
                #include <stdio.h>
                __attribute__((weak)) const char *who(void) { return "weak default"; }
                extern void missing(void) __attribute__((weak));
                extern int overridden(void);
                int main(void) { printf("%s, missing is %s, %d\\n", who(), missing ? "there" : "NULL", overridden()); return 0; }
                """, "strong.c", """
                __attribute__((weak)) int overridden(void) { return 1; }
                """, "stronger.c", """
                int overridden(void) { return 2; }
                """),
            program("common", false, List.of("-fcommon"), List.of(), "c1.c", """
                #include <stdio.h>
                int shared_counter; int table[10];
                void bump(void);
                int main(void) { shared_counter = 5; bump(); table[9] = 1; printf("%d %zu\\n", shared_counter, sizeof table); return 0; }
                """, "c2.c", """
                int shared_counter; int table[10];
                void bump(void) { shared_counter += 10; }
                """),
            c("statics", "s1.c", """
                #include <stdio.h>
                static int helper(void) { return 1; }
                int other(void);
                int main(void) { printf("%d %d\\n", helper(), other()); return 0; }
                """, "s2.c", """
                static int helper(void) { return 2; }
                int other(void) { return helper() * 10; }
                """),
            c("ifunc", "ifunc.c", """
                #include <stdio.h>
                #include <string.h>
                static int fast(int x) { return x * 3; }
                static int (*pick(void))(int) { return fast; }
                int triple(int) __attribute__((ifunc("pick")));
                int main(void) { char buf[32]; memcpy(buf, "ifunc ok", 9); printf("%s %d %zu\\n", buf, triple(14), strlen(buf)); return 0; }
                """),
            cxxProgram(),
            withFlags(cxxProgram(), "cxx-gc-sections", List.of("-ffunction-sections", "-fdata-sections"), List.of("-Wl,--gc-sections")),
            zlibProgram());
    }

    private static Program withFlags(Program p, String name, List<String> flags, List<String> libs) {
        return new Program(name, p.sources(), flags, libs, p.cxx());
    }

    /** C++: exceptions thrown across files, iostream, containers, virtual calls, static initialisers. */
    private static Program cxxProgram() {
        return program("cxx", true, List.of(), List.of(), "main.cpp", """
                #include <iostream>
                #include <memory>
                #include <map>
                #include <stdexcept>
                #include <string>
                #include <vector>
                struct Shape { virtual ~Shape() = default; virtual std::string name() const = 0; };
                struct Square : Shape { std::string name() const override { return "square"; } };
                std::unique_ptr<Shape> make();
                int risky(int);
                static std::map<std::string, int> registry = {{"one", 1}, {"two", 2}};
                int main() {
                    std::vector<std::string> names{"b", "a", "c"};
                    std::cout << make()->name() << " " << names.size() << " " << registry["two"] << std::endl;
                    try { risky(5); } catch (const std::exception &e) { std::cout << "caught: " << e.what() << std::endl; }
                    try { risky(-1); } catch (int code) { std::cout << "caught int " << code << std::endl; }
                    return 4;
                }
                """, "other.cpp", """
                #include <memory>
                #include <stdexcept>
                #include <string>
                struct Shape { virtual ~Shape() = default; virtual std::string name() const = 0; };
                struct Circle : Shape { std::string name() const override { return "circle"; } };
                std::unique_ptr<Shape> make() { return std::make_unique<Circle>(); }
                int risky(int x) { if (x < 0) throw 17; if (x > 2) throw std::runtime_error("too big: " + std::to_string(x)); return x; }
                """);
    }

    /** zlib through libz.a. */
    private static Program zlibProgram() {
        return program("zlib", false, List.of(), List.of("-lz"), "z.c", """
                #include <stdio.h>
                #include <string.h>
                #include <zlib.h>
                int main(void) {
                    unsigned char in[4096], packed[8192], out[4096]; uLongf plen = sizeof packed, olen = sizeof out;
                    for (int i = 0; i < 4096; i++) in[i] = "compress me "[i % 12];
                    int a = compress(packed, &plen, in, sizeof in), b = uncompress(out, &olen, packed, plen);
                    printf("%d %d %lu %d crc %lx\\n", a, b, olen, memcmp(in, out, 4096), crc32(0, in, 4096)); return 0;
                }
                """);
    }

    /**
     * How gcc links: {@code -static}, as a PIE against shared glibc (gcc's default on Debian),
     * {@code -no-pie}, or {@code -static-pie} (rcrt1.o relocates the program itself: no interpreter).
     */
    static final List<String> MODES = List.of("static", "pie", "no-pie", "static-pie");

    static Stream<Arguments> cases() {
        return Stream.of("x86_64", "aarch64").flatMap(arch -> MODES.stream().flatMap(mode ->
                programs().stream()
                        // Debian's qemu-aarch64 (7.2) hangs in dynamically linked programs that start
                        // threads, GNU ld's builds as well; the threads program runs statically there.
                        .filter(p -> !(arch.equals("aarch64") && !mode.equals("static") && p.name().equals("threads")))
                        .map(p -> Arguments.of(arch, mode, p))));
    }

    private static String compiler(String arch, boolean cxx) {
        String base = cxx ? "g++" : "gcc";
        return arch.equals("x86_64") ? base : "aarch64-linux-gnu-" + base;
    }

    private List<String> build(String arch, Program p, Path out, Path wrapper, List<String> extra) throws IOException {
        return build(arch, "static", p, out, wrapper, extra);
    }

    private List<String> build(String arch, String mode, Program p, Path out, Path wrapper, List<String> extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ExternalTools.require(compiler(arch, p.cxx())).toString(), "-O2", "-" + mode));
        if (wrapper != null) {
            cmd.add("-B" + wrapper + "/");
        }
        cmd.addAll(p.flags());
        cmd.addAll(extra);
        for (Map.Entry<String, String> s : p.sources().entrySet()) {
            Path src = dir.resolve(s.getKey());
            Files.writeString(src, s.getValue());
            cmd.add(src.toString());
        }
        cmd.addAll(p.libs());
        cmd.addAll(List.of("-o", out.toString()));
        return cmd;
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void runsAsTheGnuLdBuildDoes(String arch, String mode, Program p) throws Exception {
        Target t = Target.parse(arch + "-linux");
        if (p.libs().contains("-lz")) {
            Path libz = Path.of(arch.equals("x86_64") ? "/usr/lib/x86_64-linux-gnu/libz.a" : "/usr/lib/aarch64-linux-gnu/libz.a");
            ExternalToolsFiles.require(libz, arch.equals("x86_64") ? "zlib1g-dev" : "zlib1g-dev:arm64");
            if (arch.equals("aarch64")) {
                p = new Program(p.name(), p.sources(), List.of("-I/usr/include", "-L/usr/lib/aarch64-linux-gnu"), p.libs(), p.cxx());
            }
        }
        Path ref = dir.resolve("ref");
        Path rivet = dir.resolve("rivet");
        ExternalTools.Result gnu = ExternalTools.run(build(arch, mode, p, ref, null, List.of()));
        assertThat(gnu.exitCode()).as("GNU ld build: " + gnu.stderr()).isZero();
        ExternalTools.Result ours = ExternalTools.run(build(arch, mode, p, rivet, RivetLd.wrapperDirectory(dir), List.of()));
        assertThat(ours.exitCode()).as("Rivet build: " + ours.stderr()).isZero();

        ExternalTools.Result want = ExternalTools.runProgram(t, ref);
        ExternalTools.Result got = ExternalTools.runProgram(t, rivet);
        assertThat(want.stdout()).isNotEmpty();
        assertThat(got.stdout()).isEqualTo(want.stdout());
        assertThat(got.exitCode()).isEqualTo(want.exitCode());
        ExternalTools.Result readelf = ExternalTools.run(List.of(ExternalTools.require("readelf").toString(), "-a", "-W", rivet.toString()));
        assertThat(readelf.stderr()).as("readelf warnings").isEmpty();
        if (mode.equals("static-pie")) {
            assertThat(readelf.stdout()).contains("DYN (Position-Independent Executable file)", "(RELACOUNT)")
                    .doesNotContain("INTERP").doesNotContain("(NEEDED)");
        }
        // The unwind table as in GNU ld's build: only when gcc asks for it (--eh-frame-hdr, not
        // for -static, whose crtbeginT.o registers the frames: the C++ programs throw through that).
        String gnuSegments = ExternalTools.run(List.of(ExternalTools.require("readelf").toString(), "-l", "-W", ref.toString())).stdout();
        assertThat(readelf.stdout().contains("GNU_EH_FRAME")).as("PT_GNU_EH_FRAME as in GNU ld's build")
                .isEqualTo(gnuSegments.contains("GNU_EH_FRAME"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.rivet.cli.GccStaticCorpusTest#arches")
    void gcSectionsMakesTheProgramSmallerAndItStillRuns(String arch) throws Exception {
        Target t = Target.parse(arch + "-linux");
        Program p = program("gc", false, List.of("-ffunction-sections", "-fdata-sections"), List.of(), "gc.c", """
                #include <stdio.h>
                int unused_a(int x) { return x * 12345; }
                int unused_table[4096] = {1};
                int used(int x) { return x + 1; }
                int main(void) { printf("gc %d\\n", used(41)); return 0; }
                """);
        Path wrapper = RivetLd.wrapperDirectory(dir);
        Path full = dir.resolve("full");
        Path gc = dir.resolve("gc");
        assertThat(ExternalTools.run(build(arch, p, full, wrapper, List.of())).exitCode()).isZero();
        ExternalTools.Result r = ExternalTools.run(build(arch, p, gc, wrapper, List.of("-Wl,--gc-sections")));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(Files.size(gc)).isLessThan(Files.size(full) - 16384);
        assertThat(ExternalTools.runProgram(t, gc).stdout()).isEqualTo("gc 42\n");
        String syms = ExternalTools.run(List.of("readelf", "-s", "-W", gc.toString())).stdout();
        assertThat(syms).doesNotContain("unused_a").doesNotContain("unused_table").contains(" main");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.rivet.cli.GccStaticCorpusTest#arches")
    void deadFunctionsLoseTheirFrameDescriptions(String arch) throws Exception {
        Target t = Target.parse(arch + "-linux");
        Program p = program("frames", true, List.of("-ffunction-sections", "-Wl,--gc-sections"), List.of(), "frames.cc", """
                #include <cstdio>
                #include <stdexcept>
                int unused1(int x) { if (x > 3) throw std::runtime_error("u1"); return x; }
                int unused2(int x) { try { return unused1(x); } catch (...) { return -1; } }
                int used(int x) { if (x > 3) throw std::runtime_error("big"); return x * 2; }
                int main(int argc, char **) {
                    try { std::printf("%d\\n", used(argc)); used(argc + 5); } catch (std::exception &e) { std::printf("caught %s\\n", e.what()); }
                    return 0;
                }
                """);
        Path ref = dir.resolve("ref");
        Path rivet = dir.resolve("rivet");
        assertThat(ExternalTools.run(build(arch, p, ref, null, List.of())).exitCode()).isZero();
        ExternalTools.Result r = ExternalTools.run(build(arch, p, rivet, RivetLd.wrapperDirectory(dir), List.of()));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(ExternalTools.runProgram(t, rivet).stdout()).isEqualTo("2\ncaught big\n");
        // Every FDE left describes a function in the output (none points at address 0), and there
        // are as many as in GNU ld's build, which drops those of dead and discarded functions.
        List<String> ours = frameDescriptions(rivet);
        assertThat(ours).noneMatch(l -> l.contains("pc=0000000000000000"));
        assertThat(ours).hasSameSizeAs(frameDescriptions(ref));
    }

    private static List<String> frameDescriptions(Path exe) {
        ExternalTools.Result r = ExternalTools.run(List.of(ExternalTools.require("readelf").toString(), "-W", "--debug-dump=frames", exe.toString()));
        assertThat(r.stderr()).isEmpty();
        return r.stdout().lines().filter(l -> l.contains(" FDE cie=")).toList();
    }

    static Stream<String> arches() {
        return Stream.of("x86_64", "aarch64");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.rivet.cli.GccStaticCorpusTest#arches")
    void outputsAreByteIdenticalAcrossRunsAndThreadCounts(String arch) throws Exception {
        Program p = programs().stream().filter(x -> x.name().equals("threads")).findFirst().orElseThrow();
        Path wrapper = RivetLd.wrapperDirectory(dir);
        byte[] first = null;
        for (String threads : List.of("1", "4", "1", "2")) {
            Path out = dir.resolve("t" + threads);
            ExternalTools.Result r = ExternalTools.run(build(arch, p, out, wrapper, List.of("-Wl,--threads=" + threads)));
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            byte[] bytes = Files.readAllBytes(out);
            if (first == null) {
                first = bytes;
            } else {
                assertThat(bytes).as("--threads=" + threads).isEqualTo(first);
            }
        }
    }
}
