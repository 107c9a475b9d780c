package dev.rivet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Shared libraries in and out, on both architectures: libraries linked by Rivet ({@code gcc
 * -shared} through {@code rivet ld}) used by programs linked by Rivet and by GNU ld, GNU ld's
 * libraries used by Rivet's programs, {@code dlopen}, immediate binding (asked for at link time,
 * or by the loader's {@code LD_BIND_NOW}), thread-local variables across the boundary, C++
 * exceptions across it, real programs (sqlite, OpenSSL's SHA-256) linked as PIEs, and the errors a
 * dynamic link can end in.
 */
class SharedLibraryTest {
    @TempDir
    Path dir;

    private static final String LIB = """
            #include <stdio.h>
            int lib_counter = 40;
            static int twice(int x) { return x * 2; }
            int lib_add(int a, int b) { return twice(a) / 2 + b; }
            const char *lib_name(void) { return "rivetlib"; }
            int (*lib_pointer(void))(int, int) { return lib_add; }
            void lib_bump(void) { lib_counter++; printf("bumped to %d\\n", lib_counter); }
            """;

    private static final String MAIN = """
            #include <stdio.h>
            extern int lib_counter;
            int lib_add(int, int);
            const char *lib_name(void);
            int (*lib_pointer(void))(int, int);
            void lib_bump(void);
            int main(void) {
                lib_bump();
                printf("%s %d %d %d\\n", lib_name(), lib_add(2, 3), lib_counter, lib_pointer() == lib_add);
                return lib_counter - 41;
            }
            """;

    static Stream<String> arches() {
        return Stream.of("x86_64", "aarch64");
    }

    private static String gcc(String arch, boolean cxx) {
        String base = cxx ? "g++" : "gcc";
        return ExternalTools.require(arch.equals("x86_64") ? base : "aarch64-linux-gnu-" + base).toString();
    }

    /** Compiles and links with gcc, through Rivet when {@code rivet}, else with GNU ld. */
    private ExternalTools.Result link(String arch, boolean rivet, boolean cxx, String source, String out, String... flags) throws IOException {
        Path src = dir.resolve(out + (cxx ? ".cc" : ".c"));
        Files.writeString(src, source);
        List<String> cmd = new ArrayList<>(List.of(gcc(arch, cxx), "-O1", "-fPIC"));
        if (rivet) {
            cmd.add("-B" + RivetLd.wrapperDirectory(dir) + "/");
        }
        cmd.add(src.toString());
        cmd.addAll(List.of(flags)); // after the source, so that -l comes after what uses it, as GNU ld needs
        cmd.addAll(List.of("-L" + dir, "-Wl,-rpath," + dir, "-o", dir.resolve(out).toString()));
        return ExternalTools.run(cmd);
    }

    private void linkOk(String arch, boolean rivet, boolean cxx, String source, String out, String... flags) throws IOException {
        ExternalTools.Result r = link(arch, rivet, cxx, source, out, flags);
        assertThat(r.exitCode()).as((rivet ? "Rivet" : "GNU ld") + " link of " + out + ": " + r.stderr()).isZero();
    }

    private ExternalTools.Result run(String arch, String program) {
        return ExternalTools.runProgram(Target.parse(arch + "-linux"), dir.resolve(program));
    }

    private void assertSaneTables(String file) {
        for (String opt : List.of("-d", "--dyn-syms", "-V", "-r", "-l")) {
            ExternalTools.Result r = ExternalTools.run(List.of(ExternalTools.require("readelf").toString(), opt, "-W", dir.resolve(file).toString()));
            assertThat(r.exitCode()).isZero();
            assertThat(r.stderr()).as("readelf " + opt + " " + file).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void librariesAndProgramsOfEitherLinkerWorkTogether(String arch) throws Exception {
        linkOk(arch, true, false, LIB, "libr.so", "-shared");
        linkOk(arch, false, false, LIB, "libg.so", "-shared");
        linkOk(arch, true, false, MAIN, "rivet-rivet", "-lr");
        linkOk(arch, false, false, MAIN, "gnu-rivet", "-lr");
        linkOk(arch, true, false, MAIN, "rivet-gnu", "-lg");
        linkOk(arch, true, false, MAIN, "rivet-rivet-now", "-lr", "-Wl,-z,now");
        linkOk(arch, true, false, MAIN, "rivet-rivet-nopie", "-lr", "-no-pie");
        for (String p : List.of("rivet-rivet", "gnu-rivet", "rivet-gnu", "rivet-rivet-now", "rivet-rivet-nopie")) {
            ExternalTools.Result r = run(arch, p);
            assertThat(r.stdout()).as(p).isEqualTo("bumped to 41\nrivetlib 5 41 1\n");
            assertThat(r.exitCode()).as(p).isZero();
        }
        assertSaneTables("libr.so");
        assertSaneTables("rivet-rivet");
        String dyn = ExternalTools.run(List.of("readelf", "-d", "-W", dir.resolve("rivet-rivet-now").toString())).stdout();
        assertThat(dyn).contains("(NEEDED)", "libr.so", "(RUNPATH)", "BIND_NOW", "(FLAGS_1)");
        String syms = ExternalTools.run(List.of("readelf", "--dyn-syms", "-W", dir.resolve("libr.so").toString())).stdout();
        assertThat(syms).contains("lib_add", "lib_counter", "lib_bump").doesNotContain("twice");
        String versions = ExternalTools.run(List.of("readelf", "-V", "-W", dir.resolve("rivet-rivet").toString())).stdout();
        assertThat(versions).contains("GLIBC_2.");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void librariesAndProgramsAreByteIdenticalAcrossRunsAndThreadCounts(String arch) throws Exception {
        byte[] lib = null;
        byte[] exe = null;
        for (String threads : List.of("1", "2", "4", "1")) {
            linkOk(arch, true, false, LIB, "librivet" + threads + ".so", "-shared", "-Wl,-soname,librivet.so", "-Wl,--threads=" + threads);
            Files.copy(dir.resolve("librivet" + threads + ".so"), dir.resolve("librivet.so"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            linkOk(arch, true, false, MAIN, "main" + threads, "-lrivet", "-Wl,--threads=" + threads);
            byte[] l = Files.readAllBytes(dir.resolve("librivet" + threads + ".so"));
            byte[] e = Files.readAllBytes(dir.resolve("main" + threads));
            if (lib == null) {
                lib = l;
                exe = e;
            } else {
                assertThat(l).as("library, --threads=" + threads).isEqualTo(lib);
                assertThat(e).as("PIE, --threads=" + threads).isEqualTo(exe);
            }
        }
        assertThat(run(arch, "main1").stdout()).isEqualTo("bumped to 41\nrivetlib 5 41 1\n");
    }

    /** Thread-locals defined in a library: exported, static and zero-initialized ones, and errno (thread-local in glibc). */
    private static final String TLS_LIB = """
            #include <errno.h>
            #include <stdio.h>
            __thread int tls_counter = 5;
            __thread long tls_big[4] = {1, 2, 3, 4};
            static __thread int tls_hidden = 100;
            __thread int tls_zero;
            int lib_bump(void) {
                tls_counter++; tls_hidden += 2; tls_zero += 3;
                return tls_counter + tls_hidden + tls_zero + (int) tls_big[2];
            }
            int *lib_counter_addr(void) { return &tls_counter; }
            int lib_errno(void) { errno = 0; FILE *f = fopen("/nonexistent/x", "r"); return f ? -1 : errno; }
            """;

    /**
     * Uses the library's thread-locals directly and through it, and its own; a second thread
     * (x86-64 only: qemu-user here hangs in pthread_create) sees fresh copies.
     */
    private static final String TLS_MAIN = """
            #include <pthread.h>
            #include <stdio.h>
            extern __thread int tls_counter;
            extern __thread long tls_big[4];
            int lib_bump(void);
            int *lib_counter_addr(void);
            int lib_errno(void);
            static __thread int own = 7;
            static void *worker(void *arg) {
                tls_counter = 1000;
                printf("thread %d %d %d\\n", lib_bump(), tls_counter, own);
                return 0;
            }
            int main(void) {
                int b = lib_bump();
                printf("main %d %d %ld %d\\n", b, tls_counter, tls_big[3], lib_counter_addr() == &tls_counter);
                if (THREADS) { pthread_t t; pthread_create(&t, 0, worker, 0); pthread_join(t, 0); }
                b = lib_bump();
                printf("again %d %d %d errno %d\\n", b, tls_counter, own, lib_errno());
                return 0;
            }
            """;

    private static String threads(String arch) {
        return "-DTHREADS=" + (arch.equals("x86_64") ? 1 : 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void threadLocalsWorkAcrossLibrariesOfEitherLinker(String arch) throws Exception {
        String t = threads(arch);
        linkOk(arch, true, false, TLS_LIB, "libtr.so", "-shared");
        linkOk(arch, false, false, TLS_LIB, "libtg.so", "-shared");
        // Initial-exec accesses in a library: TPOFF64 relocations and DF_STATIC_TLS.
        linkOk(arch, true, false, TLS_LIB, "libtie.so", "-shared", "-ftls-model=initial-exec");
        linkOk(arch, false, false, TLS_MAIN, "gnu-gnu", t, "-fPIE", "-ltg", "-lpthread");
        // -fPIE programs reach a library's thread-locals by initial-exec; -fPIC ones by general-dynamic
        // (x86-64) or descriptors (AArch64), which Rivet relaxes to initial-exec.
        linkOk(arch, true, false, TLS_MAIN, "rivet-rivet", t, "-fPIE", "-ltr", "-lpthread");
        linkOk(arch, false, false, TLS_MAIN, "gnu-rivet", t, "-fPIE", "-ltr", "-lpthread");
        linkOk(arch, true, false, TLS_MAIN, "rivet-gnu", t, "-fPIE", "-ltg", "-lpthread");
        linkOk(arch, true, false, TLS_MAIN, "rivet-gnu-pic", t, "-ltg", "-lpthread");
        linkOk(arch, true, false, TLS_MAIN, "rivet-rivet-nopie", t, "-fno-PIC", "-no-pie", "-ltr", "-lpthread");
        linkOk(arch, true, false, TLS_MAIN, "rivet-ie", t, "-fPIE", "-ltie", "-lpthread");
        List<String> programs = new ArrayList<>(List.of("rivet-rivet", "gnu-rivet", "rivet-gnu", "rivet-gnu-pic", "rivet-rivet-nopie", "rivet-ie"));
        if (arch.equals("x86_64")) {
            // TLS descriptors on x86-64 (-mtls-dialect=gnu2): kept in the library, relaxed to
            // initial-exec for its symbols and to local-exec for the program's own.
            linkOk(arch, true, false, TLS_LIB, "libtdesc.so", "-shared", "-mtls-dialect=gnu2");
            linkOk(arch, true, false, TLS_MAIN, "rivet-desc", t, "-mtls-dialect=gnu2", "-ltdesc", "-lpthread");
            linkOk(arch, false, false, TLS_MAIN, "gnu-desc", t, "-mtls-dialect=gnu2", "-ltdesc", "-lpthread");
            programs.addAll(List.of("rivet-desc", "gnu-desc"));
            assertThat(ExternalTools.run(List.of("readelf", "-r", "-W", dir.resolve("libtdesc.so").toString())).stdout())
                    .contains("R_X86_64_TLSDESC");
            assertSaneTables("libtdesc.so");
        }
        ExternalTools.Result expected = run(arch, "gnu-gnu");
        assertThat(expected.exitCode()).isZero();
        assertThat(expected.stdout()).contains("main 114 ", "errno 2");
        for (String p : programs) {
            ExternalTools.Result r = run(arch, p);
            assertThat(r.stdout()).as(p).isEqualTo(expected.stdout());
            assertThat(r.exitCode()).as(p).isZero();
        }
        for (String f : List.of("libtr.so", "libtie.so", "rivet-rivet", "rivet-gnu-pic")) {
            assertSaneTables(f);
        }
        String lib = ExternalTools.run(List.of("readelf", "-r", "-d", "-W", dir.resolve("libtr.so").toString())).stdout();
        assertThat(lib).contains(arch.equals("x86_64") ? "R_X86_64_DTPMOD64" : "R_AARCH64_TLSDESC").doesNotContain("STATIC_TLS");
        String ie = ExternalTools.run(List.of("readelf", "-r", "-d", "-W", dir.resolve("libtie.so").toString())).stdout();
        assertThat(ie).contains(arch.equals("x86_64") ? "R_X86_64_TPOFF64" : "R_AARCH64_TLS_TPREL64", "STATIC_TLS");
        String program = ExternalTools.run(List.of("readelf", "-r", "--dyn-syms", "-W", dir.resolve("rivet-gnu-pic").toString())).stdout();
        assertThat(program).contains(arch.equals("x86_64") ? "R_X86_64_TPOFF64" : "R_AARCH64_TLS_TPREL64").contains("TLS ");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void aLibraryWithThreadLocalsWorksThroughDlopen(String arch) throws Exception {
        linkOk(arch, true, false, TLS_LIB, "libtr.so", "-shared");
        linkOk(arch, false, false, TLS_LIB, "libtg.so", "-shared");
        String loader = """
                #include <dlfcn.h>
                #include <stdio.h>
                int main(int argc, char **argv) {
                    void *h = dlopen("%s", RTLD_NOW);
                    if (!h) { printf("dlopen: %%s\\n", dlerror()); return 1; }
                    int (*bump)(void) = (int (*)(void)) dlsym(h, "lib_bump");
                    int *(*addr)(void) = (int *(*)(void)) dlsym(h, "lib_counter_addr");
                    int (*err)(void) = (int (*)(void)) dlsym(h, "lib_errno");
                    int first = bump();
                    int second = bump();
                    int counter = *addr();
                    printf("%%d %%d %%d errno %%d\\n", first, second, counter, err());
                    return dlclose(h);
                }
                """;
        linkOk(arch, false, false, loader.formatted(dir.resolve("libtr.so")), "loader-rivet", "-ldl");
        linkOk(arch, false, false, loader.formatted(dir.resolve("libtg.so")), "loader-gnu", "-ldl");
        ExternalTools.Result r = run(arch, "loader-rivet");
        assertThat(r.stdout()).isEqualTo("114 120 7 errno 2\n").isEqualTo(run(arch, "loader-gnu").stdout());
        assertThat(r.exitCode()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void localExecThreadLocalsAreRefusedInALibrary(String arch) throws Exception {
        ExternalTools.Result r = link(arch, true, false, TLS_LIB, "libtle.so", "-shared", "-ftls-model=local-exec");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("thread-local symbol 'tls_counter' cannot be used in a shared library; recompile with -fPIC",
                "lib_bump");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void lazilyBoundProgramsRunWithImmediateBindingForcedByTheLoader(String arch) throws Exception {
        linkOk(arch, true, false, LIB, "libr.so", "-shared");
        linkOk(arch, true, false, """
                #include <stdio.h>
                #include <stdlib.h>
                int lib_add(int, int);
                const char *lib_name(void);
                void lib_bump(void);
                int main(void) {
                    lib_bump();
                    printf("%s %d LD_BIND_NOW=%s\\n", lib_name(), lib_add(40, 2), getenv("LD_BIND_NOW"));
                    return 0;
                }
                """, "lazy", "-lr");
        assertThat(ExternalTools.run(List.of("readelf", "-d", "-W", dir.resolve("lazy").toString())).stdout())
                .contains("(JMPREL)").doesNotContain("BIND_NOW").doesNotContain("NOW");
        ExternalTools.Result r = ExternalTools.runProgram(Target.parse(arch + "-linux"), dir.resolve("lazy"), Map.of("LD_BIND_NOW", "1"));
        assertThat(r.stdout()).isEqualTo("bumped to 41\nrivetlib 42 LD_BIND_NOW=1\n");
        assertThat(r.exitCode()).isZero();
    }

    /** A library that takes the address of an imported function (puts) and of its own exported one, and calls both. */
    private static final String PLT_GOT_LIB = """
            #define _GNU_SOURCE
            #include <dlfcn.h>
            #include <stdio.h>
            int lib_twice(int x) { return 2 * x; }
            int lib_check(void) {
                int (*volatile p)(const char *) = puts;
                int (*volatile q)(int) = lib_twice;
                p("lib through the pointer");
                puts("lib direct");
                return (p == (void *) dlsym(RTLD_DEFAULT, "puts")) + 2 * (q == (void *) dlsym(RTLD_DEFAULT, "lib_twice"))
                        + q(2) * lib_twice(5);
            }
            """;

    /** The same in a program: the pointers (loaded from the GOT) must equal what the loader resolves. */
    private static final String PLT_GOT_MAIN = """
            #define _GNU_SOURCE
            #include <dlfcn.h>
            #include <stdio.h>
            int lib_twice(int);
            int lib_check(void);
            int main(void) {
                int (*volatile p)(const char *) = puts;
                int (*volatile q)(int) = lib_twice;
                p("through the pointer");
                puts("direct call");
                int check = lib_check();
                printf("%d %d %d %d check %d\\n", p == (void *) dlsym(RTLD_DEFAULT, "puts"),
                        q == (void *) dlsym(RTLD_DEFAULT, "lib_twice"), q(20), lib_twice(1), check);
                return 0;
            }
            """;

    /** {@return the dynamic relocation records of a file that name a symbol} */
    private List<String> relocationsOf(String file, String symbol) {
        String all = ExternalTools.run(List.of("readelf", "-r", "-W", dir.resolve(file).toString())).stdout();
        return all.lines().filter(l -> l.contains(" " + symbol)).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void importsCalledAndTakenThroughTheGotGetOnePltGotEntry(String arch) throws Exception {
        linkOk(arch, true, false, PLT_GOT_LIB, "libpg.so", "-shared");
        linkOk(arch, false, false, PLT_GOT_LIB, "libpgg.so", "-shared");
        linkOk(arch, false, false, PLT_GOT_MAIN, "gnu-gnu", "-lpgg", "-ldl");
        linkOk(arch, true, false, PLT_GOT_MAIN, "rivet-rivet", "-lpg", "-ldl");
        linkOk(arch, true, false, PLT_GOT_MAIN, "rivet-rivet-now", "-lpg", "-ldl", "-Wl,-z,now");
        linkOk(arch, true, false, PLT_GOT_MAIN, "rivet-gnu", "-lpgg", "-ldl");
        ExternalTools.Result expected = run(arch, "gnu-gnu");
        assertThat(expected.stdout()).isEqualTo("through the pointer\ndirect call\nlib through the pointer\nlib direct\n1 1 40 2 check 43\n");
        for (String p : List.of("rivet-rivet", "rivet-rivet-now", "rivet-gnu")) {
            ExternalTools.Result r = run(arch, p);
            assertThat(r.stdout()).as(p).isEqualTo(expected.stdout());
            assertThat(r.exitCode()).as(p).isZero();
        }
        String jumpSlot = arch.equals("x86_64") ? "R_X86_64_JUMP_SLOT" : "R_AARCH64_JUMP_SLOT";
        String globDat = arch.equals("x86_64") ? "R_X86_64_GLOB_DAT" : "R_AARCH64_GLOB_DAT";
        for (String f : List.of("libpg.so", "rivet-rivet", "rivet-rivet-now")) {
            assertSaneTables(f);
            String sections = ExternalTools.run(List.of("readelf", "-S", "-W", dir.resolve(f).toString())).stdout();
            assertThat(sections).as(f).containsPattern("\\.plt\\.got +PROGBITS .* AX ");
            for (String symbol : List.of("puts@", "lib_twice")) {
                assertThat(relocationsOf(f, symbol)).as(f + " " + symbol).hasSize(1).allMatch(l -> l.contains(globDat));
            }
        }
        // A non-PIE program whose code takes puts's address directly gets a canonical PLT entry,
        // which is puts's address everywhere, its GOT slot included: that one stays in .plt.
        Path helper = dir.resolve("helper.c");
        Files.writeString(helper, "#include <stdio.h>\nvoid *puts_through_got(void) { return (void *) puts; }\n");
        ExternalTools.Result cc = ExternalTools.run(List.of(gcc(arch, false), "-O1", "-fPIC", "-c", helper.toString(), "-o",
                dir.resolve("helper.o").toString()));
        assertThat(cc.exitCode()).as(cc.stderr()).isZero();
        String canonical = """
                #include <stdio.h>
                void *puts_through_got(void);
                int main(void) {
                    int (*volatile p)(const char *) = puts;
                    int (*g)(const char *) = (int (*)(const char *)) puts_through_got();
                    p("canonical pointer");
                    g("through the GOT");
                    puts("direct call");
                    printf("%d\\n", p == g);
                    return 0;
                }
                """;
        String[] noPie = {"-fno-PIC", "-no-pie", dir.resolve("helper.o").toString()};
        linkOk(arch, false, false, canonical, "canonical-gnu", noPie);
        linkOk(arch, true, false, canonical, "canonical-rivet", noPie);
        ExternalTools.Result r = run(arch, "canonical-rivet");
        assertThat(r.stdout()).isEqualTo("canonical pointer\nthrough the GOT\ndirect call\n1\n").isEqualTo(run(arch, "canonical-gnu").stdout());
        assertThat(relocationsOf("canonical-rivet", "puts@")).anyMatch(l -> l.contains(jumpSlot));
        assertSaneTables("canonical-rivet");
    }

    /** Read-only data (.rodata, and .data.rel.ro in the RELRO segment) and writable data in a library. */
    private static final String DATA_LIB = """
            const int table[4] = {1, 2, 3, 5};
            const char *const names[2] = {"zero", "one"};
            int counter[2] = {7, 8};
            """;

    /** A non-PIE program copies them all; writing to its copy of the table faults when that copy is protected. */
    private static final String DATA_MAIN = """
            #include <signal.h>
            #include <stdio.h>
            #include <unistd.h>
            extern const int table[4];
            extern const char *const names[2];
            extern int counter[2];
            static void on_fault(int sig) { (void) sig; write(1, "read-only\\n", 10); _exit(0); }
            int main(void) {
                counter[1]++;
                printf("%d %d %d %s\\n", table[0] + table[3], counter[0], counter[1], names[1]);
                fflush(stdout);
                signal(SIGSEGV, on_fault);
                *(volatile int *) &table[1] = 42;
                printf("writable %d\\n", table[1]);
                return 0;
            }
            """;

    /** {@return the sections that {@code readelf -l} maps to the first segment of a type} */
    private String sectionsInSegment(String file, String type) {
        List<String> lines = ExternalTools.run(List.of("readelf", "-l", "-W", dir.resolve(file).toString())).stdout().lines().toList();
        int headers = lines.indexOf("Program Headers:");
        int index = -1;
        for (int i = headers + 2, n = 0; i < lines.size() && lines.get(i).startsWith("  "); i++) {
            String t = lines.get(i).trim();
            if (t.startsWith("[")) {
                continue; // "[Requesting program interpreter: ...]"
            }
            if (t.startsWith(type + " ")) {
                index = n;
                break;
            }
            n++;
        }
        assertThat(index).as(file + " has a " + type + " segment").isNotNegative();
        String prefix = String.format("   %02d     ", index);
        return lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElse("");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void copiesOfALibrarysReadOnlyDataAreReadOnlyAfterRelocation(String arch) throws Exception {
        linkOk(arch, true, false, DATA_LIB, "libdr.so", "-shared");
        linkOk(arch, false, false, DATA_LIB, "libdg.so", "-shared");
        linkOk(arch, false, false, DATA_MAIN, "gnu-gnu", "-fno-PIC", "-no-pie", "-ldg");
        linkOk(arch, true, false, DATA_MAIN, "rivet-rivet", "-fno-PIC", "-no-pie", "-ldr");
        linkOk(arch, true, false, DATA_MAIN, "rivet-gnu", "-fno-PIC", "-no-pie", "-ldg");
        linkOk(arch, false, false, DATA_MAIN, "gnu-norelro", "-fno-PIC", "-no-pie", "-ldg", "-Wl,-z,norelro");
        linkOk(arch, true, false, DATA_MAIN, "rivet-norelro", "-fno-PIC", "-no-pie", "-ldr", "-Wl,-z,norelro");
        ExternalTools.Result expected = run(arch, "gnu-gnu");
        assertThat(expected.stdout()).isEqualTo("6 7 9 one\nread-only\n");
        for (String p : List.of("rivet-rivet", "rivet-gnu")) {
            ExternalTools.Result r = run(arch, p);
            assertThat(r.stdout()).as(p).isEqualTo(expected.stdout());
            assertThat(r.exitCode()).as(p).isZero();
            assertSaneTables(p);
            String copies = ExternalTools.run(List.of("readelf", "-r", "--dyn-syms", "-S", "-W", dir.resolve(p).toString())).stdout();
            assertThat(copies).as(p).containsPattern("\\.bss\\.rel\\.ro +NOBITS").contains("_COPY");
            assertThat(sectionsInSegment(p, "GNU_RELRO")).as(p).contains(".bss.rel.ro").doesNotContain(".bss.copy");
        }
        // Without RELRO, every copy is writable (as GNU ld leaves them).
        ExternalTools.Result norelro = run(arch, "rivet-norelro");
        assertThat(norelro.stdout()).isEqualTo("6 7 9 one\nwritable 42\n").isEqualTo(run(arch, "gnu-norelro").stdout());
        assertThat(ExternalTools.run(List.of("readelf", "-S", "-W", dir.resolve("rivet-norelro").toString())).stdout())
                .doesNotContain(".bss.rel.ro");
    }

    /** sqlite from libsqlite3.a: a table, inserts and a grouped query. */
    private static final String SQLITE = """
            #include <sqlite3.h>
            #include <stdio.h>
            static int row(void *u, int n, char **v, char **names) {
                for (int i = 0; i < n; i++) printf("%s%s=%s", i ? " " : "", names[i], v[i] ? v[i] : "NULL");
                printf("\\n");
                return 0;
            }
            int main(void) {
                sqlite3 *db;
                char *err = 0;
                if (sqlite3_open(":memory:", &db) != SQLITE_OK) return 1;
                const char *sql =
                    "CREATE TABLE sales(region TEXT, item TEXT, qty INTEGER, price REAL);"
                    "INSERT INTO sales VALUES('north','apple',3,0.5),('south','pear',7,0.75),('north','pear',2,0.75),"
                    "('east','apple',11,0.5),('south','apple',1,0.5),('east','fig',4,2.25);"
                    "SELECT region, COUNT(*) AS n, SUM(qty) AS total, printf('%.2f', SUM(qty*price)) AS revenue"
                    " FROM sales GROUP BY region ORDER BY region;";
                if (sqlite3_exec(db, sql, row, 0, &err) != SQLITE_OK) { printf("error: %s\\n", err); return 2; }
                printf("sqlite %s\\n", sqlite3_libversion());
                return sqlite3_close(db);
            }
            """;

    /** SHA-256 from libcrypto.a, through EVP and the one-shot SHA256(). */
    private static final String SHA256 = """
            #include <openssl/evp.h>
            #include <openssl/sha.h>
            #include <stdio.h>
            #include <string.h>
            int main(void) {
                const char *msg = "The quick brown fox jumps over the lazy dog";
                unsigned char md[EVP_MAX_MD_SIZE];
                unsigned int len = 0;
                EVP_MD_CTX *ctx = EVP_MD_CTX_new();
                if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) || !EVP_DigestUpdate(ctx, msg, strlen(msg))
                        || !EVP_DigestFinal_ex(ctx, md, &len)) return 1;
                EVP_MD_CTX_free(ctx);
                for (unsigned i = 0; i < len; i++) printf("%02x", md[i]);
                unsigned char abc[SHA256_DIGEST_LENGTH];
                SHA256((const unsigned char *) "abc", 3, abc);
                printf("\\n");
                for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) printf("%02x", abc[i]);
                printf("\\n");
                return 0;
            }
            """;

    /** A table of pointers, one of each kind of target a data word can have in a library or a PIE. */
    private static final String TABLE = """
            #include <stdio.h>
            int lib_exported(int x) { return x + 1; }
            static int local_fn(int x) { return x * 2; }
            int lib_data = 7;
            static int twice_impl(int x) { return x * 2; }
            static int (*resolve_twice(void))(int) { return twice_impl; }
            __attribute__((visibility("hidden"))) int twice(int) __attribute__((ifunc("resolve_twice")));
            __asm__(".globl abs_sym\\n.hidden abs_sym\\n.set abs_sym, 0x1234");
            extern char abs_sym[];
            extern char __ehdr_start[] __attribute__((visibility("hidden")));
            void *lib_table[] = {(void *) local_fn, (void *) lib_exported, (void *) &lib_data, (void *) twice,
                    (void *) abs_sym, (void *) __ehdr_start};
            """;

    private static final String TABLE_MAIN = """
            #include <stdio.h>
            extern void *lib_table[];
            int lib_exported(int);
            extern int lib_data;
            int main(void) {
                int (*f0)(int) = (int (*)(int)) lib_table[0];
                int (*f3)(int) = (int (*)(int)) lib_table[3];
                printf("%d %d %d %d %lx %d\\n", f0(3), lib_table[1] == (void *) lib_exported, lib_table[2] == (void *) &lib_data,
                        f3(5), (unsigned long) lib_table[4], ((unsigned long) lib_table[5] & 0xfff) == 0);
                return 0;
            }
            """;

    /**
     * {@return the dynamic relocation at each word of {@code lib_table} in {@code file}, as type
     * and symbol name ("none" where there is none)}
     */
    private List<String> tableRelocations(String file) {
        String syms = ExternalTools.run(List.of("readelf", "-sW", dir.resolve(file).toString())).stdout();
        long table = syms.lines().map(String::trim).map(l -> l.split("\\s+"))
                .filter(f -> f.length >= 8 && f[7].equals("lib_table")).mapToLong(f -> Long.parseUnsignedLong(f[1], 16))
                .findFirst().orElseThrow();
        Map<Long, String> byPlace = new java.util.HashMap<>();
        for (String line : ExternalTools.run(List.of("readelf", "-rW", dir.resolve(file).toString())).stdout().lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[2].startsWith("R_") && f[0].matches("[0-9a-f]+")) {
                byPlace.put(Long.parseUnsignedLong(f[0], 16), f[2] + (f.length >= 7 ? " " + f[4] : ""));
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            out.add(byPlace.getOrDefault(table + 8L * i, "none"));
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void dataWordsGetTheDynamicRelocationsLldGives(String arch) throws Exception {
        // In a library: words against a preemptible symbol stay symbolic, an absolute symbol's
        // needs nothing, the rest (a local function, the ELF header, an IFUNC's canonical PLT
        // entry, as lld makes it) move with the library. In a PIE nothing is preemptible.
        Path lld = Files.createDirectories(dir.resolve("lld"));
        Files.createSymbolicLink(lld.resolve("ld"), ExternalTools.require("ld.lld"));
        String withLld = "-B" + lld + "/";
        linkOk(arch, true, false, TABLE, "libt.so", "-shared");
        linkOk(arch, false, false, TABLE, "libtl.so", "-shared", withLld);
        List<String> library = tableRelocations("libt.so");
        assertThat(library).isEqualTo(tableRelocations("libtl.so"));
        String word = arch.equals("x86_64") ? "R_X86_64_64" : "R_AARCH64_ABS64";
        assertThat(library).containsExactly(library.get(0), word + " lib_exported", word + " lib_data", library.get(0), "none", library.get(0));
        assertThat(library.get(0)).endsWith("_RELATIVE");
        String program = TABLE + TABLE_MAIN.replaceAll("(#include|extern|int lib_exported).*\n", "");
        linkOk(arch, true, false, program, "pie-table", "-pie");
        linkOk(arch, false, false, program, "pie-table-lld", "-pie", withLld);
        List<String> pie = tableRelocations("pie-table");
        assertThat(pie).isEqualTo(tableRelocations("pie-table-lld"));
        assertThat(pie).containsExactly(pie.get(0), pie.get(0), pie.get(0), pie.get(0), "none", pie.get(0));
        linkOk(arch, true, false, TABLE_MAIN, "table-main", "-lt");
        for (String p : List.of("table-main", "pie-table")) {
            ExternalTools.Result r = run(arch, p);
            assertThat(r.stdout()).as(p).isEqualTo("6 1 1 10 1234 1\n");
            assertThat(r.exitCode()).as(p).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void realProgramsFromStaticArchivesLinkAsPies(String arch) throws Exception {
        String multiarch = arch.equals("x86_64") ? "x86_64-linux-gnu" : "aarch64-linux-gnu";
        String suffix = arch.equals("x86_64") ? "" : ":arm64";
        ExternalToolsFiles.require(Path.of("/usr/lib", multiarch, "libsqlite3.a"), "libsqlite3-dev" + suffix);
        ExternalToolsFiles.require(Path.of("/usr/lib", multiarch, "libcrypto.a"), "libssl-dev" + suffix);
        // The archives' objects are position-independent; libc stays shared, as in a default gcc link.
        String[] sqlite = {"-fPIE", "-Wl,-Bstatic", "-lsqlite3", "-Wl,-Bdynamic", "-lm", "-lpthread", "-ldl"};
        String[] crypto = {"-fPIE", "-Wl,-Bstatic", "-lcrypto", "-Wl,-Bdynamic", "-lpthread", "-ldl"};
        linkOk(arch, true, false, SQLITE, "sqlite-rivet", sqlite);
        linkOk(arch, false, false, SQLITE, "sqlite-gnu", sqlite);
        linkOk(arch, true, false, SHA256, "sha-rivet", crypto);
        linkOk(arch, false, false, SHA256, "sha-gnu", crypto);
        ExternalTools.Result sq = run(arch, "sqlite-rivet");
        assertThat(sq.stdout()).startsWith("""
                region=east n=2 total=15 revenue=14.50
                region=north n=2 total=5 revenue=3.00
                region=south n=2 total=8 revenue=5.75
                sqlite 3.""").isEqualTo(run(arch, "sqlite-gnu").stdout());
        assertThat(sq.exitCode()).isZero();
        ExternalTools.Result sha = run(arch, "sha-rivet");
        assertThat(sha.stdout()).isEqualTo("""
                d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592
                ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
                """).isEqualTo(run(arch, "sha-gnu").stdout());
        assertThat(sha.exitCode()).isZero();
        for (String p : List.of("sqlite-rivet", "sha-rivet")) {
            assertThat(ExternalTools.run(List.of("readelf", "-h", dir.resolve(p).toString())).stdout()).as(p).contains("DYN (");
            assertSaneTables(p);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void aRivetLibraryWorksThroughDlopen(String arch) throws Exception {
        linkOk(arch, true, false, LIB, "libr.so", "-shared");
        linkOk(arch, false, false, """
                #include <dlfcn.h>
                #include <stdio.h>
                int main(int argc, char **argv) {
                    void *h = dlopen("%s", RTLD_NOW);
                    if (!h) { printf("dlopen: %%s\\n", dlerror()); return 1; }
                    int (*add)(int, int) = (int (*)(int, int)) dlsym(h, "lib_add");
                    int *counter = (int *) dlsym(h, "lib_counter");
                    printf("%%d %%d %%p\\n", add(20, 22), *counter, dlsym(h, "twice"));
                    return dlclose(h);
                }
                """.formatted(dir.resolve("libr.so")), "loader", "-ldl");
        ExternalTools.Result r = run(arch, "loader");
        assertThat(r.stdout()).isEqualTo("42 40 (nil)\n");
        assertThat(r.exitCode()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void cxxExceptionsCrossTheLibraryBoundary(String arch) throws Exception {
        linkOk(arch, true, true, """
                #include <stdexcept>
                #include <string>
                std::string check(int v) {
                    if (v < 0) throw std::invalid_argument("negative: " + std::to_string(v));
                    return "ok " + std::to_string(v);
                }
                """, "libcheck.so", "-shared");
        linkOk(arch, true, true, """
                #include <iostream>
                #include <stdexcept>
                #include <string>
                std::string check(int v);
                int main() {
                    std::cout << check(3) << std::endl;
                    try { check(-7); } catch (const std::invalid_argument &e) { std::cout << "caught " << e.what() << std::endl; return 4; }
                    return 0;
                }
                """, "cxxmain", "-lcheck");
        ExternalTools.Result r = run(arch, "cxxmain");
        assertThat(r.stdout()).isEqualTo("ok 3\ncaught negative: -7\n");
        assertThat(r.exitCode()).isEqualTo(4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void aVersionScriptLimitsWhatIsExported(String arch) throws Exception {
        Path script = dir.resolve("exports.map");
        Files.writeString(script, "LIBR_1 {\n  global: lib_add; lib_n*;\n  local: *;\n};\n");
        linkOk(arch, true, false, LIB, "libr.so", "-shared", "-Wl,--version-script," + script, "-Wl,-soname,libr.so.1");
        String syms = ExternalTools.run(List.of("readelf", "--dyn-syms", "-W", dir.resolve("libr.so").toString())).stdout();
        assertThat(syms).contains(" lib_add", " lib_name").doesNotContain("lib_counter").doesNotContain("lib_bump");
        assertThat(ExternalTools.run(List.of("readelf", "-d", dir.resolve("libr.so").toString())).stdout()).contains("Library soname: [libr.so.1]");

        Files.writeString(script, "{\n  global: lib_add\n  local: *;\n};\n");
        ExternalTools.Result bad = link(arch, true, false, LIB, "libbad.so", "-shared", "-Wl,--version-script," + script);
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.stderr()).contains("version script syntax error", "exports.map", "line 3, column 3");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void versionScriptVersionsAreDefinedAndRecordedByPrograms(String arch) throws Exception {
        Path script = dir.resolve("versions.map");
        Files.writeString(script, """
                VERS_1.0 { global: lib_add; lib_name; local: *; };
                VERS_2.0 { lib_bump; lib_counter; } VERS_1.0;
                """);
        linkOk(arch, true, false, LIB, "libv.so", "-shared", "-Wl,--version-script," + script, "-Wl,-soname,libv.so");
        assertSaneTables("libv.so");
        String versions = ExternalTools.run(List.of("readelf", "-V", "-W", dir.resolve("libv.so").toString())).stdout();
        assertThat(versions).contains("Flags: BASE  Index: 1  Cnt: 1  Name: libv.so", "Index: 2  Cnt: 1  Name: VERS_1.0",
                "Index: 3  Cnt: 2  Name: VERS_2.0", "Parent 1: VERS_1.0");
        String syms = ExternalTools.run(List.of("readelf", "--dyn-syms", "-W", dir.resolve("libv.so").toString())).stdout();
        assertThat(syms).contains("lib_add@@VERS_1.0", "lib_name@@VERS_1.0", "lib_bump@@VERS_2.0", "lib_counter@@VERS_2.0")
                .doesNotContain("lib_pointer");
        String main = """
                #include <stdio.h>
                extern int lib_counter;
                int lib_add(int, int);
                const char *lib_name(void);
                void lib_bump(void);
                int main(void) { lib_bump(); printf("%s %d %d\\n", lib_name(), lib_add(2, 3), lib_counter); return 0; }
                """;
        linkOk(arch, false, false, main, "gnu-versioned", "-lv");
        linkOk(arch, true, false, main, "rivet-versioned", "-lv");
        for (String p : List.of("gnu-versioned", "rivet-versioned")) {
            ExternalTools.Result r = run(arch, p);
            assertThat(r.stdout()).as(p).isEqualTo("bumped to 41\nrivetlib 5 41\n");
            String needs = ExternalTools.run(List.of("readelf", "-V", "-W", dir.resolve(p).toString())).stdout();
            assertThat(needs).as(p).contains("File: libv.so  Cnt: 2", "Name: VERS_1.0", "Name: VERS_2.0");
        }

        // .symver: an old (hidden) and a default version of one function.
        Files.writeString(script, """
                VERS_1.0 { global: foo; bar; local: *; };
                VERS_2.0 { global: foo; } VERS_1.0;
                """);
        String symver = """
                int foo_v1(void) { return 1; }
                int foo_v2(void) { return 2; }
                __asm__(".symver foo_v1, foo@VERS_1.0");
                __asm__(".symver foo_v2, foo@@VERS_2.0");
                int bar(void) { return 10 + foo_v2(); }
                """;
        linkOk(arch, true, false, symver, "libsv.so", "-shared", "-Wl,--version-script," + script, "-Wl,-soname,libsv.so");
        assertSaneTables("libsv.so");
        assertThat(ExternalTools.run(List.of("readelf", "--dyn-syms", "-W", dir.resolve("libsv.so").toString())).stdout())
                .contains(" foo@VERS_1.0", " foo@@VERS_2.0", " bar@@VERS_1.0").doesNotContain("foo_v");
        // A program that names the old version binds to it (GNU ld and Rivet, against either's library).
        String usesSymver = """
                #include <stdio.h>
                int foo(void);
                int bar(void);
                int foo_old(void);
                __asm__(".symver foo_old, foo@VERS_1.0");
                int main(void) { printf("%d %d %d\\n", foo(), foo_old(), bar()); return 0; }
                """;
        linkOk(arch, false, false, symver, "libsvg.so", "-shared", "-Wl,--version-script," + script, "-Wl,-soname,libsvg.so");
        linkOk(arch, false, false, usesSymver, "uses-symver", "-lsv");
        linkOk(arch, true, false, usesSymver, "rivet-uses-symver", "-lsv");
        linkOk(arch, true, false, usesSymver, "rivet-uses-gnu-symver", "-lsvg");
        for (String p : List.of("uses-symver", "rivet-uses-symver", "rivet-uses-gnu-symver")) {
            assertThat(run(arch, p).stdout()).as(p).isEqualTo("2 1 12\n");
        }
        for (String p : List.of("rivet-uses-symver", "rivet-uses-gnu-symver")) {
            assertSaneTables(p);
            String needs = ExternalTools.run(List.of("readelf", "-V", "--dyn-syms", "-W", dir.resolve(p).toString())).stdout();
            assertThat(needs).as(p).contains("Cnt: 2", "Name: VERS_1.0  Flags: none", "Name: VERS_2.0  Flags: none")
                    .containsPattern("UND foo@VERS_1.0 \\(\\d+\\)").containsPattern("UND foo@VERS_2.0 \\(\\d+\\)");
        }
        // The node of a .symver definition's version hides it when its local: patterns match and its global: ones do not.
        Files.writeString(script, """
                VERS_1.0 { global: bar; local: *; };
                VERS_2.0 { global: foo; } VERS_1.0;
                """);
        linkOk(arch, true, false, symver, "libsvl.so", "-shared", "-Wl,--version-script," + script);
        linkOk(arch, false, false, symver, "libsvlg.so", "-shared", "-Wl,--version-script," + script);
        for (String lib : List.of("libsvl.so", "libsvlg.so")) {
            assertThat(ExternalTools.run(List.of("readelf", "--dyn-syms", "-W", dir.resolve(lib).toString())).stdout()).as(lib)
                    .contains(" foo@@VERS_2.0", " bar@@VERS_1.0").doesNotContain("foo@VERS_1.0");
        }
        ExternalTools.Result undefinedVersion = link(arch, true, false, symver.replace("@@VERS_2.0", "@@VERS_9"), "libsv9.so",
                "-shared", "-Wl,--version-script," + script);
        assertThat(undefinedVersion.exitCode()).isNotZero();
        assertThat(undefinedVersion.stderr()).contains("symbol 'foo' has version VERS_9, which no version script defines");

        Files.writeString(script, "VERS_2.0 { lib_bump; } VERS_1.0;\n");
        ExternalTools.Result bad = link(arch, true, false, LIB, "libbadv.so", "-shared", "-Wl,--version-script," + script);
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.stderr()).contains("version VERS_2.0 inherits from VERS_1.0, which is not defined before it", "line 1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arches")
    void dynamicLinkErrorsNameTheProblem(String arch) throws Exception {
        // -z defs: a library may not leave symbols undefined.
        ExternalTools.Result defs = link(arch, true, false, "int missing(void); int f(void) { return missing(); }", "libdefs.so",
                "-shared", "-Wl,-z,defs");
        assertThat(defs.exitCode()).isNotZero();
        assertThat(defs.stderr()).contains("undefined symbol: missing");
        // Without it, the loader is left to find the symbol.
        linkOk(arch, true, false, "int missing(void); int f(void) { return missing(); }", "libundef.so", "-shared");

        // A copy relocation of a protected symbol is refused, as GNU ld refuses it.
        linkOk(arch, false, false, "__attribute__((visibility(\"protected\"))) int prot = 7;", "libprot.so", "-shared");
        ExternalTools.Result copy = link(arch, true, false, "extern int prot; int main(void) { return prot; }", "usesprot",
                "-fno-PIC", "-no-pie", "-lprot");
        assertThat(copy.exitCode()).isNotZero();
        assertThat(copy.stderr()).contains("protected", "prot");

        // A malformed shared object names the file and the offset.
        Path bad = dir.resolve("libbroken.so");
        byte[] elf = Files.readAllBytes(dir.resolve("libprot.so"));
        Files.write(bad, java.util.Arrays.copyOf(elf, 200));
        ExternalTools.Result broken = link(arch, true, false, "int main(void) { return 0; }", "usesbroken", "-lbroken");
        assertThat(broken.exitCode()).isNotZero();
        assertThat(broken.stderr()).contains("libbroken.so").contains("offset");
        // Program headers past the end of the file (read to find the library's read-only data).
        byte[] badPhdrs = elf.clone();
        java.nio.ByteBuffer.wrap(badPhdrs).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(32, elf.length - 8);
        Files.write(bad, badPhdrs);
        ExternalTools.Result phdrs = link(arch, true, false, "int main(void) { return 0; }", "usesbroken", "-lbroken");
        assertThat(phdrs.exitCode()).isNotZero();
        assertThat(phdrs.stderr()).contains("libbroken.so", "program header table", "offset");
    }
}
