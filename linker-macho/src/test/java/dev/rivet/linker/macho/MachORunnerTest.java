package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.macho.testing.MachORunner;
import dev.rivet.linker.testing.ExternalTools;
import dev.rivet.linker.testing.ExternalTools.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Mach-O runner the Mach-O writer's tests will use, checked on what the reference toolchain
 * (clang for macOS targets, ld64.lld) produces: binding (eager, lazy through __stub_helper, weak,
 * two-level across a dylib), rebasing at different slides, initializers, thread-locals, the
 * emulated libSystem, and the exit codes for programs, missing functions and bad input.
 */
class MachORunnerTest {
    private static final String DECLS = MachOLinks.LIB_SYSTEM_DECLS;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"arm64", "x86_64"})
    void printfFormatsIntsStringsAndDoubles(String arch) throws IOException {
        Path exe = program(arch, "fmt", DECLS + """
                long atomic = 37;
                volatile double real = 2.75;
                volatile unsigned bits = 0xF0F0;
                int main(int argc, char **argv) {
                  char buf[16];
                  printf("hello, %s! argc=%d\\n", "world", argc);
                  printf("[%d] [%i] [%u] [%x] [%X] [%ld] [%lld] [%lu] [%zu] [%c] [%%]\\n", -5, 42, 3000000000u,
                         255, 255, -1234567890123L, 9000000000000LL, 18446744073709551615UL, (unsigned long)77, 'Z');
                  printf("[%5d] [%-5s] [%05d] [%.2f] [%8.3f] [%e] [%+d] [%#x] [%.*s] [%s]\\n",
                         12, "ab", 42, 3.14159, -2.5, 12345.678, 7, 255, 2, "hello", argv[1]);
                  printf("%.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %d %d %d %d %d %d %d %s\\n",
                         1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.5, 10.25, 1, 2, 3, 4, 5, 6, 7, "end");
                  int n = snprintf(buf, 6, "%s-%d", "abcdef", 1);
                  printf("%s %d %p\\n", buf, n, (void *)0x1234);
                  // Instructions of the CPUs clang targets for macOS (arm64: LSE atomics; x86_64: SSE4.1).
                  long old = __atomic_fetch_add(&atomic, 5, __ATOMIC_SEQ_CST);
                  printf("%ld %ld %.1f %d\\n", old, atomic, __builtin_floor(real), __builtin_popcount(bits));
                  return 0;
                }
                """);
        Result r = MachORunner.run(List.of(), exe, "arg1");
        assertThat(r.stderr()).isEmpty();
        assertThat(r.stdout()).isEqualTo("""
                hello, world! argc=2
                [-5] [42] [3000000000] [ff] [FF] [-1234567890123] [9000000000000] [18446744073709551615] [77] [Z] [%]
                [   12] [ab   ] [00042] [3.14] [  -2.500] [1.234568e+04] [+7] [0xff] [he] [arg1]
                1.0 2.0 3.0 4.0 5.0 6.0 7.0 8.0 9.5 10.2 1 2 3 4 5 6 7 end
                abcde 8 0x1234
                37 42 2.0 8
                """);
        assertThat(r.exitCode()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"arm64", "x86_64"})
    void lazyPointersAreBoundOnceThroughTheStubHelper(String arch) throws IOException {
        Path exe = program(arch, "lazy", DECLS + """
                int main(void) {
                  puts("first");
                  puts("second");
                  putchar('!');
                  putchar('\\n');
                  return 0;
                }
                """);
        Result r = MachORunner.run(List.of("--trace"), exe);
        assertThat(r.stdout()).isEqualTo("first\nsecond\n!\n");
        assertThat(r.exitCode()).isZero();
        // Both puts calls go through the same lazy pointer; only the first reaches dyld_stub_binder.
        assertThat(lines(r.stderr(), "dyld_stub_binder:")).hasSize(2)
                .anyMatch(l -> l.contains(": _puts ->")).anyMatch(l -> l.contains(": _putchar ->"));
        assertThat(lines(r.stderr(), "call _puts")).hasSize(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"arm64", "x86_64"})
    void heapAndStringFunctions(String arch) throws IOException {
        Path exe = program(arch, "heap", DECLS + """
                int main(int argc, char **argv) {
                  const char *s = "emulated libSystem";
                  unsigned long n = strlen(s);
                  char *p = malloc(n + 1);
                  memcpy(p, s, n + 1);
                  int *zeros = calloc(8, sizeof(int));
                  char *big = realloc(malloc(4), 64);
                  strcpy(big, p);
                  memset(big, '*', 3);
                  printf("%s|%lu|%d|%s|%d|%d|%s\\n", p, n, zeros[7], big, strcmp(p, s),
                         memcmp(p, "emulated", 8), strchr(p, 'l'));
                  free(p);
                  free(zeros);
                  free(big);
                  return atoi(argv[1]);
                }
                """);
        Result r = MachORunner.run(List.of(), exe, "33");
        assertThat(r.stdout()).isEqualTo("emulated libSystem|18|0|***lated libSystem|0|0|lated libSystem\n");
        assertThat(r.exitCode()).isEqualTo(33);
    }

    @ParameterizedTest
    @ValueSource(strings = {"arm64", "x86_64"})
    void rebasedPointerTablesWorkAtAnySlide(String arch) throws IOException {
        Path exe = program(arch, "tables", DECLS + """
                static int add(int a, int b) { return a + b; }
                static int mul(int a, int b) { return a * b; }
                static int sub(int a, int b) { return a - b; }
                int (*const ops[])(int, int) = {add, mul, sub};
                const char *names[] = {"add", "mul", "sub"};
                const char **name_table = names;
                int main(void) {
                  for (int i = 0; i < 3; i++)
                    printf("%s=%d ", name_table[i], ops[i](6, 3));
                  printf("\\n");
                  return 0;
                }
                """);
        for (String slide : List.of("0x4000000", "0x7ff4000", "0x20000000")) {
            Result r = MachORunner.run(List.of("--slide", slide, "--trace"), exe);
            assertThat(r.stdout()).as("slide " + slide).isEqualTo("add=9 mul=18 sub=3 \n");
            assertThat(r.exitCode()).isZero();
            assertThat(r.stderr()).contains("at slide " + slide);
            assertThat(lines(r.stderr(), "rebases")).singleElement().asString().doesNotContain(": 0 rebases");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"arm64", "x86_64"})
    void threadLocalsAndConstructors(String arch) throws IOException {
        Path exe = program(arch, "tlv", DECLS + """
                _Thread_local int counter = 40;
                _Thread_local char zeroed[64];
                static int ready;
                __attribute__((constructor)) static void init(void) { ready = 1; counter++; puts("constructor"); }
                int main(void) {
                  counter++;
                  zeroed[63] += 5;
                  printf("ready=%d counter=%d zeroed=%d\\n", ready, counter, zeroed[63]);
                  return counter;
                }
                """);
        Result r = MachORunner.run(List.of(), exe);
        assertThat(r.stdout()).isEqualTo("constructor\nready=1 counter=42 zeroed=5\n");
        assertThat(r.exitCode()).isEqualTo(42);
    }

    private static final String DYLIB_PROGRAM_OUTPUT = "lib init\nmain\n104 101 three\ntls 8 9, overridden 2\n";

    @ParameterizedTest
    @ValueSource(strings = {"arm64", "x86_64"})
    void programWithADylib(String arch) throws IOException {
        Path[] exeAndLib = dylibProgram(arch);
        Result r = MachORunner.run(List.of("--dylib", exeAndLib[1].toString()), exeAndLib[0]);
        assertThat(r.stdout()).isEqualTo(DYLIB_PROGRAM_OUTPUT);
        assertThat(r.exitCode()).isEqualTo(3);

        Result missing = MachORunner.run(List.of(), exeAndLib[0]);
        assertThat(missing.exitCode()).isEqualTo(126);
        assertThat(missing.stderr()).contains("machorun: library not loaded: @rpath/libfoo.dylib");
    }

    @ParameterizedTest
    @ValueSource(strings = {"arm64", "x86_64"})
    void chainedFixups(String arch) throws IOException {
        // ld64.lld-14 cannot emit chained fixups, so a test script rewrites its LC_DYLD_INFO output.
        Path[] exeAndLib = dylibProgram(arch);
        Path converter = MachORunner.script().resolveSibling("to_chained_fixups.py");
        // DYLD_CHAINED_PTR_64 / _64_OFFSET with DYLD_CHAINED_IMPORT / _ADDEND / _ADDEND64.
        for (String[] formats : new String[][] {{"2", "1"}, {"6", "2"}, {"6", "3"}}) {
            Path exe = dir.resolve("chained-" + arch);
            Path lib = dir.resolve("libchained-" + arch + ".dylib");
            for (int i = 0; i < 2; i++) {
                check(List.of(MachORunner.PYTHON, converter.toString(), exeAndLib[i].toString(),
                        (i == 0 ? exe : lib).toString(), formats[0], formats[1]));
            }
            Result r = MachORunner.run(List.of("--trace", "--dylib", lib.toString()), exe);
            String what = "pointer format " + formats[0] + ", imports format " + formats[1];
            assertThat(r.stdout()).as(what).isEqualTo(DYLIB_PROGRAM_OUTPUT);
            assertThat(r.exitCode()).as(what).isEqualTo(3);
            assertThat(lines(r.stderr(), "chained bind")).as(what).isNotEmpty();
            assertThat(lines(r.stderr(), "dyld_stub_binder:")).as(what).isEmpty();
        }
    }

    /** {@return a main program and the dylib it uses (data, functions, a thread-local, a weak override)} */
    private Path[] dylibProgram(String arch) throws IOException {
        Path libObj = object(arch, "lib", DECLS + """
                int lib_counter = 100;
                _Thread_local int lib_tls = 7;
                const char *lib_names[] = {"one", "two", "three"};
                __attribute__((constructor)) static void lib_init(void) { lib_counter++; puts("lib init"); }
                int lib_add(int a, int b) { return a + b + lib_counter; }
                int lib_tls_next(void) { return ++lib_tls; }
                __attribute__((weak)) int overridable(void) { return 1; }
                int lib_calls_overridable(void) { return overridable(); }
                """);
        Path lib = dir.resolve("libfoo-" + arch + ".dylib");
        link(arch, lib, List.of("-dylib", "-install_name", "@rpath/libfoo.dylib"), libObj);
        Path mainObj = object(arch, "main", DECLS + """
                extern int lib_counter;
                extern const char *lib_names[];
                int lib_add(int, int);
                int lib_tls_next(void);
                int lib_calls_overridable(void);
                int overridable(void) { return 2; }
                int main(void) {
                  puts("main");
                  printf("%d %d %s\\n", lib_add(1, 2), lib_counter, lib_names[2]);
                  int a = lib_tls_next();
                  int b = lib_tls_next();
                  printf("tls %d %d, overridden %d\\n", a, b, lib_calls_overridable());
                  exit(3);
                }
                """);
        Path exe = dir.resolve("main-" + arch);
        link(arch, exe, List.of(), mainObj, lib);
        return new Path[] {exe, lib};
    }

    @ParameterizedTest
    @ValueSource(strings = {"arm64", "x86_64"})
    void stridedPointerTablesAndBindAddends(String arch) throws IOException {
        // Long and strided runs of rebases and binds, and binds with positive and negative addends,
        // make ld64.lld use the repeating opcodes (DO_*_ULEB_TIMES[_SKIPPING_ULEB]) and SET_ADDEND_SLEB.
        Path libObj = object(arch, "oplib", """
                long lib_arr[8] = {10, 11, 12, 13, 14, 15, 16, 17};
                int lib_fn(int x) { return x * 3; }
                """);
        Path lib = dir.resolve("libop-" + arch + ".dylib");
        link(arch, lib, List.of("-dylib", "-install_name", "/opt/lib/libop.dylib"), libObj);
        Path mainObj = object(arch, "opmain", DECLS + """
                extern long lib_arr[8];
                int lib_fn(int);
                const char *strs[20] = {"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10",
                                        "s11", "s12", "s13", "s14", "s15", "s16", "s17", "s18", "s19"};
                struct ent { const char *name; long pad1, pad2; int (*fn)(int); long *p; } ents[6] = {
                  {"a", 1, 2, lib_fn, &lib_arr[3]}, {"b", 1, 2, lib_fn, &lib_arr[5]}, {"c", 1, 2, lib_fn, &lib_arr[3]},
                  {"d", 1, 2, lib_fn, &lib_arr[3]}, {"e", 1, 2, lib_fn, &lib_arr[3]}, {"f", 1, 2, lib_fn, lib_arr}};
                long *before = (long *)((char *)lib_arr + 16) - 1;
                long *behind = &lib_arr[-1] + 8;
                int main(void) {
                  long sum = 0;
                  for (int i = 0; i < 20; i++) sum += strs[i][1];
                  for (int i = 0; i < 6; i++) sum += ents[i].fn(i) + *ents[i].p + ents[i].name[0];
                  printf("%ld %ld %ld %s\\n", sum, *before, *behind, strs[19]);
                  return 0;
                }
                """);
        Path exe = dir.resolve("op-" + arch);
        link(arch, exe, List.of(), mainObj, lib);
        Result r = MachORunner.run(List.of("--dylib", lib.toString(), "--slide", "0x10000000"), exe);
        assertThat(r.stderr()).isEmpty();
        assertThat(r.stdout()).isEqualTo("1734 11 17 s19\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"arm64", "x86_64"})
    void exitCodesFromMainExitAndFailures(String arch) throws IOException {
        Path exe = program(arch, "codes", DECLS + """
                int unemulated_for_tests(void);
                volatile long sink;
                int main(int argc, char **argv) {
                  int mode = atoi(argv[1]);
                  printf("mode %d\\n", mode);
                  if (mode == 0) return 42;
                  if (mode == 1) exit(7);
                  if (mode == 2) return unemulated_for_tests();
                  if (mode == 3) return *(int *)sink;
                  for (;;) sink++;
                }
                """);
        Result ret = MachORunner.run(List.of(), exe, "0");
        assertThat(ret.exitCode()).isEqualTo(42);
        assertThat(ret.stdout()).isEqualTo("mode 0\n");
        Result exit = MachORunner.run(List.of(), exe, "1");
        assertThat(exit.exitCode()).isEqualTo(7);
        assertThat(exit.stdout()).isEqualTo("mode 1\n");

        Result unimplemented = MachORunner.run(List.of(), exe, "2");
        assertThat(unimplemented.exitCode()).isEqualTo(127);
        assertThat(unimplemented.stdout()).isEqualTo("mode 2\n");
        assertThat(unimplemented.stderr()).isEqualTo("machorun: call to unimplemented import _unemulated_for_tests\n");

        Result fault = MachORunner.run(List.of(), exe, "3");
        assertThat(fault.exitCode()).isEqualTo(126);
        assertThat(fault.stderr()).startsWith("machorun: emulation fault").contains("(_main+0x").contains("at 0x0");

        Result loop = MachORunner.run(List.of("--timeout", "1"), exe, "4");
        assertThat(loop.exitCode()).isEqualTo(124);
        assertThat(loop.stderr()).contains("machorun: timed out");
    }

    @Test
    void malformedInputIsARunnerErrorWithoutTraceback() throws IOException {
        Path exe = program("arm64", "ok", DECLS + "int main(void) { return 0; }\n");
        byte[] bytes = Files.readAllBytes(exe);
        for (int keep : new int[] {0, 16, 100, 600, bytes.length / 2, bytes.length - 100}) {
            Path cut = dir.resolve("cut" + keep);
            Files.write(cut, Arrays.copyOf(bytes, keep));
            Result r = MachORunner.run(List.of(), cut);
            assertThat(r.exitCode()).as("truncated to %d bytes", keep).isEqualTo(126);
            assertThat(r.stderr()).as("truncated to %d bytes", keep).startsWith("machorun: ").doesNotContain("Traceback");
        }
        Path text = Files.writeString(dir.resolve("text"), "#!/bin/sh\necho this is a shell script, not a Mach-O file\n");
        Result r = MachORunner.run(List.of(), text);
        assertThat(r.exitCode()).isEqualTo(126);
        assertThat(r.stderr()).startsWith("machorun: ").contains("not a 64-bit little-endian Mach-O");
    }

    // --- building with the reference toolchain --------------------------------------------------

    private Path program(String arch, String name, String source) throws IOException {
        Path exe = dir.resolve(name + "-" + arch);
        link(arch, exe, List.of(), object(arch, name, source));
        return exe;
    }

    private Path object(String arch, String name, String source) throws IOException {
        Path c = Files.writeString(dir.resolve(name + "-" + arch + ".c"), source);
        Path o = dir.resolve(name + "-" + arch + ".o");
        check(List.of(ExternalTools.require("clang").toString(), "--target=" + arch + "-apple-macos11", "-O1",
                "-Wno-format", "-c", c.toString(), "-o", o.toString()));
        return o;
    }

    private void link(String arch, Path out, List<String> options, Path... inputs) {
        List<String> cmd = new ArrayList<>(List.of(MachORunner.ld64().toString(), "-arch", arch,
                "-platform_version", "macos", "11.0", "11.0", "-o", out.toString()));
        cmd.addAll(options);
        for (Path p : inputs) {
            cmd.add(p.toString());
        }
        cmd.add(MachORunner.libSystemTbd().toString());
        check(cmd);
    }

    private static void check(List<String> cmd) {
        Result r = ExternalTools.run(cmd);
        assertThat(r.exitCode()).as("%s\n%s", cmd, r.stderr()).isZero();
    }

    private static List<String> lines(String text, String containing) {
        return text.lines().filter(l -> l.contains(containing)).toList();
    }
}
