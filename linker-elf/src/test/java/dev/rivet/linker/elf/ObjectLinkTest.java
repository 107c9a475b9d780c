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

    /** gcc's default position-independent code (GOT loads, relaxed or not) and absolute code. */
    static List<List<String>> codeModels() {
        return List.of(List.of("-fPIE"), List.of("-fno-pie"));
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> targetsAndCodeModels() {
        return targets().stream().flatMap(t -> codeModels().stream().map(m -> org.junit.jupiter.params.provider.Arguments.of(t, m)));
    }

    @ParameterizedTest
    @MethodSource("targetsAndCodeModels")
    void twoCompiledFilesRunLikeGnuLdsBuild(Target t, List<String> codeModel) throws Exception {
        List<Path> objects = CompiledPrograms.compile(t, dir, codeModel, "main.c", MAIN, "util.c", UTIL);
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

    static final String CTORS = CompiledPrograms.SYSCALLS + """
            typedef void (*fn)(void);
            extern fn __init_array_start[], __init_array_end[], __fini_array_start[], __fini_array_end[];
            struct item { const char *name; int value; };
            extern const struct item __start_my_items[], __stop_my_items[];
            extern char __bss_start[], _end[], _edata[], _etext[], __ehdr_start[];
            static char buf[64];
            static int pos;
            static char zeros[100];
            static void out(const char *s) { while (*s) buf[pos++] = *s++; }
            __attribute__((constructor)) static void first(void) { out("A"); }
            __attribute__((constructor)) static void second(void) { out("B"); }
            __attribute__((destructor)) static void last(void) { out("Z"); }
            static const struct item i1 __attribute__((used, section("my_items"))) = { "one", 1 };
            static const struct item i2 __attribute__((used, section("my_items"))) = { "two", 2 };
            void _start(void) {
                for (fn *f = __init_array_start; f < __init_array_end; f++) (*f)();
                int sum = 0;
                for (const struct item *it = __start_my_items; it < __stop_my_items; it++) { out(it->name); sum += it->value; }
                for (fn *f = __fini_array_end; f > __fini_array_start; ) (*--f)();
                out("\\n");
                syscall3(SYS_WRITE, 1, (long) buf, pos);
                int ok = (_etext < _edata) + 2 * (__bss_start <= zeros) + 4 * (zeros + 100 <= _end) + 8 * (__ehdr_start[0] == 0x7f);
                syscall3(SYS_EXIT, sum * 16 + ok, 0, 0);
                for (;;) { }
            }
            """;

    @ParameterizedTest
    @MethodSource("targets")
    void constructorsNamedSectionsAndLinkerDefinedSymbolsMatchGnuLd(Target t) {
        List<Path> objects = CompiledPrograms.compile(t, dir, List.of(), "ctors.c", CTORS);
        Path ref = CompiledPrograms.linkWithGnuLd(t, dir.resolve("ref"), objects);
        Linker linker = Linker.create(t);
        objects.forEach(linker::addInput);
        Path exe = dir.resolve("rivet");
        linker.link(exe);
        ExternalTools.Result want = ExternalTools.runProgram(t, ref);
        ExternalTools.Result got = ExternalTools.runProgram(t, exe);
        assertThat(want.exitCode()).isEqualTo(3 * 16 + 15);
        assertThat(got.stdout()).isEqualTo(want.stdout()).contains("AB").endsWith("Z\n");
        assertThat(got.exitCode()).isEqualTo(want.exitCode());
        String sections = ExternalTools.run(List.of(ExternalTools.require("readelf").toString(), "-S", "-W", exe.toString())).stdout();
        assertThat(sections).containsPattern("\\.init_array +INIT_ARRAY .* WA ").containsPattern("\\.fini_array +FINI_ARRAY");
        String refSections = ExternalTools.run(List.of("readelf", "-S", "-W", ref.toString())).stdout();
        assertThat(flagsOf(sections, "my_items")).isEqualTo(flagsOf(refSections, "my_items")).isNotEmpty();
    }

    /** The Flg column of a section in {@code readelf -S -W} output. */
    private static String flagsOf(String readelf, String section) {
        return readelf.lines().filter(l -> l.contains("] " + section + " ")).findFirst()
                .map(l -> l.trim().split("\\s+")).map(f -> f[f.length - 4]).orElse("");
    }

    static final String COMDAT_A = CompiledPrograms.SYSCALLS + """
            template <class T> struct Twice { static T of(T x) { return x * 2; } };
            int from_b();
            extern "C" void _start() {
                syscall3(SYS_EXIT, Twice<int>::of(3) + from_b(), 0, 0);
                for (;;) { }
            }
            """;
    static final String COMDAT_B = """
            template <class T> struct Twice { static T of(T x) { return x * 2; } };
            int from_b() { return Twice<int>::of(4); }
            """;

    @ParameterizedTest
    @MethodSource("targets")
    void comdatGroupsKeepOneCopyOfInlineFunctions(Target t) throws Exception {
        List<Path> objects = CompiledPrograms.compile(t, dir, List.of("-O0", "-fno-exceptions", "-fno-rtti"),
                "a.cpp", COMDAT_A, "b.cpp", COMDAT_B);
        Path ref = CompiledPrograms.linkWithGnuLd(t, dir.resolve("ref"), objects);
        Linker linker = Linker.create(t, LinkOptions.builder().deadStrip(false).build());
        objects.forEach(linker::addInput);
        Path exe = dir.resolve("rivet");
        linker.link(exe);
        assertThat(ExternalTools.runProgram(t, exe).exitCode()).isEqualTo(ExternalTools.runProgram(t, ref).exitCode()).isEqualTo(14);
        // The function's code, as compiled in a.o, appears once in the output, not once per object.
        String objcopy = t.architecture() == dev.rivet.linker.Architecture.X86_64 ? "objcopy" : "aarch64-linux-gnu-objcopy";
        Path code = dir.resolve("twice.bin");
        ExternalTools.Result r = ExternalTools.run(List.of(ExternalTools.require(objcopy).toString(), "-O", "binary",
                "--only-section=.text._ZN5TwiceIiE2ofEi", objects.get(0).toString(), code.toString()));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        byte[] needle = Files.readAllBytes(code);
        assertThat(needle.length).isGreaterThan(8);
        assertThat(occurrences(Files.readAllBytes(exe), needle)).as("copies of Twice<int>::of").isEqualTo(1);
    }

    private static int occurrences(byte[] hay, byte[] needle) {
        int n = 0;
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            n++;
        }
        return n;
    }

    /** {@return the initial locations listed in llvm-readobj's unwind dump: the header's table, then the .eh_frame records'} */
    private static List<List<Long>> unwindStarts(Path exe) {
        ExternalTools.Result r = ExternalTools.run(List.of(ExternalTools.require("llvm-readobj").toString(), "--unwind", exe.toString()));
        String dump = r.stdout();
        int split = dump.indexOf(".eh_frame section at");
        assertThat(split).as(dump + r.stderr()).isPositive();
        List<List<Long>> out = new java.util.ArrayList<>();
        for (String part : List.of(dump.substring(0, split), dump.substring(split))) {
            List<Long> starts = new java.util.ArrayList<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("initial_location: 0x([0-9a-f]+)").matcher(part);
            while (m.find()) {
                starts.add(Long.parseLong(m.group(1), 16));
            }
            out.add(starts);
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("targets")
    void withoutTheHeaderOptionTheFramesStayButTheTableAndItsSegmentGo(Target t) {
        List<Path> objects = CompiledPrograms.compile(t, dir, List.of("-O0", "-fno-exceptions", "-fno-rtti", "-fasynchronous-unwind-tables"),
                "a.cpp", COMDAT_A, "b.cpp", COMDAT_B);
        Path exe = dir.resolve("rivet");
        try (Linker linker = Linker.create(t, LinkOptions.builder().deadStrip(false).ehFrameHeader(false).build())) {
            objects.forEach(linker::addInput);
            linker.link(exe);
        }
        String sections = ExternalTools.run(List.of("readelf", "-S", "-l", "-W", exe.toString())).stdout();
        assertThat(sections).contains(".eh_frame").doesNotContain(".eh_frame_hdr").doesNotContain("GNU_EH_FRAME");
        assertThat(ExternalTools.runProgram(t, exe).exitCode()).isEqualTo(14);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void ehFrameHeaderSortsFunctionsWhoseFramesAreOutOfAddressOrder(Target t) {
        // later() comes first in the object's .eh_frame, but its section after .text (with _start)
        // in the output: the table must be sorted, not copied in .eh_frame's order.
        List<Path> objects = CompiledPrograms.compile(t, dir, List.of("-O0", "-fasynchronous-unwind-tables"),
                "a.c", CompiledPrograms.SYSCALLS + """
                        __attribute__((section(".text.later"), noinline)) int later(int x) { return x + 1; }
                        void _start(void) {
                            syscall3(SYS_EXIT, later(6), 0, 0);
                            for (;;) { }
                        }
                        """);
        Path exe = dir.resolve("rivet");
        long start;
        long later;
        try (Linker linker = Linker.create(t, LinkOptions.builder().deadStrip(false).build())) {
            objects.forEach(linker::addInput);
            var result = linker.link(exe);
            start = result.address("_start").getAsLong();
            later = result.address("later").getAsLong();
        }
        assertThat(start).isLessThan(later);
        List<List<Long>> starts = unwindStarts(exe);
        assertThat(starts.get(0)).as("the header's table").isSorted().contains(start, later).doesNotHaveDuplicates();
        assertThat(starts.get(0)).hasSameSizeAs(starts.get(1));
        assertThat(starts.get(1)).as(".eh_frame's records").containsSubsequence(later, start);
        assertThat(ExternalTools.runProgram(t, exe).exitCode()).isEqualTo(7);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void ehFrameHeaderListsEveryLiveFunctionSorted(Target t) {
        List<Path> objects = CompiledPrograms.compile(t, dir, List.of("-O0", "-fno-exceptions", "-fno-rtti", "-fasynchronous-unwind-tables"),
                "a.cpp", COMDAT_A, "b.cpp", COMDAT_B);
        Linker linker = Linker.create(t, LinkOptions.builder().deadStrip(false).build());
        objects.forEach(linker::addInput);
        Path exe = dir.resolve("rivet");
        linker.link(exe);
        String dump = ExternalTools.run(List.of(ExternalTools.require("llvm-readobj").toString(), "--unwind", exe.toString())).stdout();
        assertThat(dump).contains("Corresponding Section: .eh_frame_hdr").contains("version: 1");
        // The header's table comes first; the .eh_frame records (which also print initial locations) follow.
        String table = dump.substring(0, dump.indexOf(".eh_frame section at"));
        List<Long> starts = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("initial_location: 0x([0-9a-f]+)").matcher(table);
        while (m.find()) {
            starts.add(Long.parseLong(m.group(1), 16));
        }
        long count = Long.parseLong(table.replaceAll("(?s).*fde_count: (\\d+).*", "$1"));
        assertThat(starts).hasSize((int) count).isSorted().doesNotContain(0L);
        // _start, from_b and the one kept copy of Twice<int>::of
        var result = linker.linkToMemory();
        assertThat(starts).contains(result.address("_start").getAsLong(), result.address("_Z6from_bv").getAsLong(),
                result.address("_ZN5TwiceIiE2ofEi").getAsLong());
        assertThat(ExternalTools.run(List.of("readelf", "-l", "-W", exe.toString())).stdout()).contains("GNU_EH_FRAME");
    }

    static final String STRINGS_A = CompiledPrograms.SYSCALLS + """
            long say(const char *s);
            const char *other(void);
            void _start(void) {
                long n = say("a string both files use\\n") + say(other()) + say("only in a\\n");
                syscall3(SYS_EXIT, n, 0, 0);
                for (;;) { }
            }
            """;
    static final String STRINGS_B = CompiledPrograms.SYSCALLS + """
            long say(const char *s) { long n = 0; while (s[n]) n++; return syscall3(SYS_WRITE, 1, (long) s, n); }
            const char *other(void) { return "a string both files use\\n"; }
            """;

    @ParameterizedTest
    @MethodSource("targetsAndCodeModels")
    void stringLiteralsAreMergedAcrossFiles(Target t, List<String> codeModel) throws Exception {
        List<Path> objects = CompiledPrograms.compile(t, dir, codeModel, "a.c", STRINGS_A, "b.c", STRINGS_B);
        CompiledPrograms.Runs runs = CompiledPrograms.runBoth(t, dir, objects);
        assertThat(runs.reference().stdout()).isEqualTo("a string both files use\na string both files use\nonly in a\n");
        byte[] out = Files.readAllBytes(runs.rivet());
        assertThat(occurrences(out, "a string both files use\n\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                .as("copies of the shared literal").isEqualTo(1);
    }
}
