package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.testing.ExternalTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Mach-O executables written by Rivet: programs made with {@code SymbolBuilder} and from clang
 * objects run under the Mach-O runner at two slides, the headers read cleanly with llvm-objdump and
 * llvm-otool, the output is the same whatever the thread count, and bad links fail clearly.
 */
class MachOExecutableTest {
    @TempDir
    Path dir;

    static List<Target> targets() {
        return MachOInputs.targets();
    }

    /** main loads a pointer (a rebase) from a data table and returns what it points to. */
    private static void definePointerProgram(Linker l, Target t) {
        var ld = l.loader();
        int value = ld.define("_value", SymbolKind.DATA, b -> b.alignment(4).addUint32(42));
        int ptr = ld.define("_ptr", SymbolKind.DATA, b -> b.alignment(8).addAddress(value, 0));
        ld.define("_main", SymbolKind.TEXT, b -> {
            if (t.architecture() == Architecture.X86_64) {
                b.addBytes(new byte[] {0x48, (byte) 0x8b, 0x05, 0, 0, 0, 0}); // mov _ptr(%rip), %rax
                b.relocation(3, RelocationKind.PC_RELATIVE_32, ptr, -4);
                b.addBytes(new byte[] {(byte) 0x8b, 0x00, (byte) 0xc3});      // mov (%rax), %eax; ret
            } else {
                b.relocation(b.addUint32(0x90000008), RelocationKind.PAGE, ptr, 0);        // adrp x8, _ptr@PAGE
                b.relocation(b.addUint32(0xf9400108), RelocationKind.PAGE_OFFSET, ptr, 0); // ldr x8, [x8, _ptr@PAGEOFF]
                b.addUint32(0xb9400100);                                                   // ldr w0, [x8]
                b.addUint32(0xd65f03c0);                                                   // ret
            }
        });
    }

    @ParameterizedTest
    @MethodSource("targets")
    void builderProgramRunsAtAnySlide(Target t) {
        Path exe = dir.resolve("builder-" + MachOLinks.arch(t));
        try (Linker l = Linker.create(t, LinkOptions.builder().threads(1).build())) {
            definePointerProgram(l, t);
            l.link(exe);
        }
        assertThat(exe).isExecutable();
        for (List<String> slide : List.of(List.<String>of(), List.of("--slide", MachOLinks.SLIDE))) {
            ExternalTools.Result r = MachOLinks.run(exe, slide);
            assertThat(r.stderr()).isEmpty();
            assertThat(r.exitCode()).isEqualTo(42);
        }
        String headers = MachOLinks.objdump(exe);
        assertThat(headers).contains("MH_MAGIC_64", "EXECUTE", "PIE", "__PAGEZERO", "LC_MAIN", "LC_UUID", "LC_BUILD_VERSION",
                "LC_FUNCTION_STARTS", "LC_DYLD_INFO_ONLY", "/usr/lib/libSystem.B.dylib");
        assertThat(headers).containsPattern("__DATA\\s+__data\\s+0x[0-9a-f]+\\s+pointer");
        assertThat(MachOLinks.otool(exe)).contains("segname __TEXT", "segname __LINKEDIT");
    }

    /**
     * LC_UUID is the fast hash of the file up to its code signature, with the UUID's own bytes
     * zero, marked as a version 3 UUID: the same inputs give the same UUID, others another.
     */
    @ParameterizedTest
    @MethodSource("targets")
    void theUuidIsAHashOfTheFileBeforeItsSignature(Target t) throws Exception {
        byte[][] files = new byte[3][];
        for (int i = 0; i < 3; i++) {
            // one name: the signature's identifier is the file's name
            Path exe = dir.resolve("uuid-" + i).resolve("uuid-" + MachOLinks.arch(t));
            java.nio.file.Files.createDirectories(exe.getParent());
            try (Linker l = Linker.create(t, LinkOptions.builder().threads(1).deadStrip(false).build())) {
                definePointerProgram(l, t);
                if (i == 2) {
                    l.loader().define("_other", SymbolKind.RODATA, b -> b.addBytes(new byte[] {1, 2, 3}));
                }
                l.link(exe);
            }
            files[i] = java.nio.file.Files.readAllBytes(exe);
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(files[0]).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int uuidAt = -1;
        int hashedLimit = files[0].length;
        for (int i = 0, at = 32; i < b.getInt(16); i++, at += b.getInt(at + 4)) {
            if (b.getInt(at) == MachO.LC_UUID) {
                uuidAt = at + 8;
            } else if (b.getInt(at) == 0x1d) { // LC_CODE_SIGNATURE: the hash stops where the signature starts
                hashedLimit = b.getInt(at + 8);
            }
        }
        assertThat(uuidAt).isPositive();
        byte[] uuid = java.util.Arrays.copyOfRange(files[0], uuidAt, uuidAt + 16);
        assertThat(uuid[6] & 0xf0).as("version 3").isEqualTo(0x30);
        assertThat(uuid[8] & 0xc0).as("RFC 4122 variant").isEqualTo(0x80);
        byte[] zeroed = files[0].clone();
        java.util.Arrays.fill(zeroed, uuidAt, uuidAt + 16, (byte) 0);
        var loader = new dev.rivet.linker.core.symbols.SymbolLoader(dev.rivet.linker.core.arch.Arch.of(t.architecture()), false);
        var ctx = new dev.rivet.linker.core.output.LinkContext(t, LinkOptions.builder().threads(1).build(), loader, null, () -> false);
        byte[] expected = dev.rivet.linker.core.output.ChunkedDigest.fast(ctx, java.nio.ByteBuffer.wrap(zeroed), hashedLimit, 16);
        expected[6] = (byte) ((expected[6] & 0x0f) | 0x30);
        expected[8] = (byte) ((expected[8] & 0x3f) | 0x80);
        assertThat(uuid).isEqualTo(expected);
        assertThat(files[1]).as("the same inputs").isEqualTo(files[0]);
        assertThat(java.util.Arrays.copyOfRange(files[2], uuidAt, uuidAt + 16)).as("other inputs").isNotEqualTo(uuid);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void builderProgramCallsLibSystemThroughAStub(Target t) {
        Path exe = dir.resolve("builder-puts-" + MachOLinks.arch(t));
        try (Linker l = Linker.create(t, LinkOptions.builder().build())) {
            var ld = l.loader();
            int text = ld.define("_greeting", SymbolKind.RODATA, b -> b.addBytes("built, not compiled\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            int puts = ld.lookupOrCreate("_puts");
            ld.define("_main", SymbolKind.TEXT, b -> {
                if (t.architecture() == Architecture.X86_64) {
                    b.addUint8(0x55);                                                       // push %rbp
                    b.addBytes(new byte[] {0x48, (byte) 0x8d, 0x3d, 0, 0, 0, 0});          // lea _greeting(%rip), %rdi
                    b.relocation(4, RelocationKind.PC_RELATIVE_32, text, -4);
                    b.addUint8(0xe8);                                                       // call _puts
                    b.relocation(b.addUint32(0), RelocationKind.BRANCH, puts, 0);
                    b.addBytes(new byte[] {(byte) 0xb8, 7, 0, 0, 0, 0x5d, (byte) 0xc3});    // mov $7, %eax; pop %rbp; ret
                } else {
                    b.addUint32(0xa9bf7bfd);                                                // stp x29, x30, [sp, #-16]!
                    b.relocation(b.addUint32(0x90000000), RelocationKind.PAGE, text, 0);     // adrp x0, _greeting@PAGE
                    b.relocation(b.addUint32(0x91000000), RelocationKind.PAGE_OFFSET, text, 0); // add x0, x0, _greeting@PAGEOFF
                    b.relocation(b.addUint32(0x94000000), RelocationKind.BRANCH, puts, 0);   // bl _puts
                    b.addUint32(0xa8c17bfd);                                                // ldp x29, x30, [sp], #16
                    b.addUint32(0x528000e0);                                                // mov w0, #7
                    b.addUint32(0xd65f03c0);                                                // ret
                }
            });
            l.addInput(dev.rivet.linker.macho.testing.MachORunner.libSystemTbd());
            l.link(exe);
        }
        for (List<String> slide : List.of(List.<String>of(), List.of("--slide", MachOLinks.SLIDE))) {
            ExternalTools.Result r = MachOLinks.run(exe, slide);
            assertThat(r.stdout()).isEqualTo("built, not compiled\n");
            assertThat(r.exitCode()).isEqualTo(7);
        }
        String dump = MachOLinks.objdump(exe);
        assertThat(dump).contains("__stubs", "__stub_helper", "__la_symbol_ptr", "dyld_stub_binder").containsPattern("libSystem\\s+_puts");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void deadStrippingKeepsInitializersAndNoDeadStripSymbols(Target t) throws IOException {
        Path obj = MachOInputs.compile(t, dir, "strip", """
                int puts(const char *);
                int unused_function(void) { return puts("never called"); }
                __attribute__((used)) int kept_function(void) { return 1; }
                volatile int ready;
                __attribute__((constructor)) void init(void) { ready += 12; }
                int main(void) { return ready; }
                """);
        Path stripped = MachOLinks.rivet(t, dir.resolve("stripped"), LinkOptions.builder().deadStrip(true), true, obj);
        Path kept = MachOLinks.rivet(t, dir.resolve("kept"), LinkOptions.builder().deadStrip(false), true, obj);
        assertThat(MachOLinks.run(stripped, List.of()).exitCode()).isEqualTo(12);
        assertThat(MachOLinks.run(kept, List.of()).exitCode()).isEqualTo(12);
        assertThat(MachOLinks.objdump(stripped)).contains("_kept_function", "__mod_init_func").doesNotContain("_unused_function", "_puts");
        assertThat(MachOLinks.objdump(kept)).contains("_kept_function", "_unused_function", "_puts");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void noDeadStripSymbolsOfObjectsAddedTogetherAreKept(Target t) throws IOException {
        // addInputs binds the objects' symbols together, after each is read: their no-dead-strip
        // roots are marked once that is done.
        Path main = MachOInputs.compile(t, dir, "together", """
                int main(void) { return 3; }
                """);
        Path other = MachOInputs.compile(t, dir, "other", """
                __attribute__((used)) int kept_elsewhere(void) { return 1; }
                int dropped_elsewhere(void) { return 2; }
                """);
        Path exe = dir.resolve("together");
        try (dev.rivet.linker.Linker l = dev.rivet.linker.Linker.create(t, LinkOptions.builder().deadStrip(true).build())) {
            l.addInputs(List.of(main, other, dev.rivet.linker.macho.testing.MachORunner.libSystemTbd()));
            l.link(exe);
        }
        assertThat(MachOLinks.run(exe, List.of()).exitCode()).isEqualTo(3);
        assertThat(MachOLinks.objdump(exe)).contains("_kept_elsewhere").doesNotContain("_dropped_elsewhere");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void theHeaderSymbolIsTheImagesStart(Target t) throws IOException {
        Path obj = MachOInputs.compile(t, dir, "header", """
                extern const unsigned _mh_execute_header;
                const unsigned *in_data = &_mh_execute_header;
                int main(void) {
                  return (_mh_execute_header == 0xfeedfacf) + 2 * (*in_data == 0xfeedfacf) + 4 * (in_data == &_mh_execute_header);
                }
                """);
        Path exe = MachOLinks.rivet(t, dir.resolve("header"), LinkOptions.builder(), false, obj);
        assertThat(MachOLinks.run(exe, List.of("--slide", MachOLinks.SLIDE)).exitCode()).isEqualTo(7);
        assertThat(MachOLinks.objdump(exe)).containsPattern("0x0*100000000\\s+__mh_execute_header");
    }

    @ParameterizedTest
    @MethodSource("targets")
    void bindNowAsksDyldToBindTheLazyPointersAtLoad(Target t) throws IOException {
        Path obj = MachOInputs.compile(t, dir, "now", "int puts(const char *);\nint main(void) { puts(\"now\"); return 6; }\n");
        Path exe = MachOLinks.rivet(t, dir.resolve("now"), LinkOptions.builder().bindNow(true), true, obj);
        assertThat(MachOLinks.objdump(exe)).contains("BINDATLOAD");
        assertThat(MachOLinks.objdump(MachOLinks.rivet(t, dir.resolve("lazy"), obj))).doesNotContain("BINDATLOAD");
        ExternalTools.Result r = MachOLinks.run(exe, List.of());
        assertThat(r.stdout()).isEqualTo("now\n");
        assertThat(r.exitCode()).isEqualTo(6);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void chainedFixupsRunLikeOpcodes(Target t) throws IOException {
        Path obj = MachOInputs.compile(t, dir, "chained", MachOLinks.LIB_SYSTEM_DECLS + """
                static int twice(int x) { return 2 * x; }
                static int thrice(int x) { return 3 * x; }
                int (*fns[])(int) = {twice, thrice, twice};
                const char *words[] = {"chained", "fixups", "work"};
                _Thread_local int per_thread = 4;
                volatile int initialized;
                __attribute__((constructor)) void init(void) { initialized = 9; }
                int main(void) {
                  for (int i = 0; i < 3; i++) printf("%s %d\\n", words[i], fns[i](i + per_thread));
                  puts("done");
                  return initialized + per_thread;
                }
                """);
        Path opcodes = MachOLinks.rivet(t, dir.resolve("opcodes"), LinkOptions.builder(), true, obj);
        Path chained = MachOLinks.rivet(t, dir.resolve("chained"), LinkOptions.builder().chainedFixups(true), true, obj);
        ExternalTools.Result want = MachOLinks.sameAsReference(opcodes, chained, List.of());
        assertThat(want.exitCode()).isEqualTo(13);
        assertThat(want.stdout()).startsWith("chained 8\n");
        String otool = MachOLinks.otool(chained);
        assertThat(otool).contains("LC_DYLD_CHAINED_FIXUPS", "LC_DYLD_EXPORTS_TRIE").doesNotContain("LC_DYLD_INFO", "__stub_helper");
        MachOLinks.objdump(chained);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void segmentsAreAlignedToTheArchitecturesPage(Target t) {
        Path exe = dir.resolve("pages-" + MachOLinks.arch(t));
        try (Linker l = Linker.create(t)) {
            definePointerProgram(l, t);
            l.link(exe);
        }
        long page = t.architecture() == Architecture.X86_64 ? 0x1000 : 0x4000;
        String otool = MachOLinks.otool(exe);
        List<Long> numbers = otool.lines().filter(s -> s.trim().startsWith("vmaddr") || s.trim().startsWith("fileoff"))
                .map(s -> Long.decode(s.trim().split("\\s+")[1])).toList();
        assertThat(numbers).isNotEmpty().allMatch(v -> v % page == 0);
    }

    @ParameterizedTest
    @MethodSource("targets")
    void outputIsTheSameWhateverTheThreadCount(Target t) throws IOException {
        // Enough symbols of each kind (static, hidden, global) that the symbol table is sorted and
        // filled in several chunks.
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            String kind = i % 3 == 0 ? "static " : i % 3 == 1 ? "__attribute__((visibility(\"hidden\"))) " : "";
            many.append(kind).append("int f").append(i).append("(int x) { return x + ").append(i).append("; }\n");
        }
        many.append("int (*all[])(int) = {");
        for (int i = 0; i < 300; i++) {
            many.append("f").append(i).append(", ");
        }
        many.append("};\n");
        Path obj = MachOInputs.compile(t, dir, "det", many + """
                static int a = 1, b = 2;
                int *table[] = {&a, &b, &a};
                static int twice(int x) { return 2 * x; }
                int (*fns[])(int) = {twice};
                const char *names[] = {"one", "two"};
                int main(void) { return *table[2] + fns[0](*table[1]) + names[1][0] + all[299](0) - 299; }
                """);
        // The same file name each time: it is the code signature's identifier.
        byte[] one = Files.readAllBytes(MachOLinks.rivet(t, Files.createDirectories(dir.resolve("1")).resolve("prog"),
                LinkOptions.builder().threads(1), false, obj));
        Path twoThreads = MachOLinks.rivet(t, Files.createDirectories(dir.resolve("2")).resolve("prog"), LinkOptions.builder().threads(2), false, obj);
        byte[] two = Files.readAllBytes(twoThreads);
        byte[] again = Files.readAllBytes(MachOLinks.rivet(t, Files.createDirectories(dir.resolve("3")).resolve("prog"),
                LinkOptions.builder().threads(2), false, obj));
        assertThat(java.util.Arrays.mismatch(one, two)).as("first differing byte, 1 vs 2 threads").isEqualTo(-1);
        assertThat(java.util.Arrays.mismatch(one, again)).as("first differing byte, two runs").isEqualTo(-1);
        byte[] three = Files.readAllBytes(MachOLinks.rivet(t, Files.createDirectories(dir.resolve("4")).resolve("prog"),
                LinkOptions.builder().threads(3), false, obj));
        assertThat(java.util.Arrays.mismatch(one, three)).as("first differing byte, 1 vs 3 threads").isEqualTo(-1);
        assertThat(MachOLinks.run(twoThreads, List.of("--slide", MachOLinks.SLIDE)).exitCode()).isEqualTo(1 + 4 + 't');
    }

    @ParameterizedTest
    @MethodSource("targets")
    void objectForTheOtherArchitectureIsRefused(Target t) throws IOException {
        Target other = t.architecture() == Architecture.X86_64 ? Target.ARM64_MACOS : Target.X86_64_MACOS;
        Path obj = MachOInputs.compile(other, dir, "other", "int main(void) { return 0; }\n");
        try (Linker l = Linker.create(t)) {
            assertThatThrownBy(() -> l.addInput(obj)).isInstanceOf(LinkException.class)
                    .hasMessageContaining(obj.toString()).hasMessageContaining("but the link is for " + t);
        }
    }

    @ParameterizedTest
    @MethodSource("targets")
    void undefinedSymbolListsEveryReferencingInput(Target t) throws IOException {
        Path a = MachOInputs.compile(t, dir, "ua", "int missing(void);\nint main(void) { return missing(); }\n");
        Path b = MachOInputs.compile(t, dir, "ub", "int missing(void);\nint other(void) { return missing() + 1; }\n");
        Path out = dir.resolve("never");
        assertThatThrownBy(() -> MachOLinks.rivet(t, out, LinkOptions.builder().deadStrip(false), false, a, b))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("undefined symbol: _missing")
                .hasMessageContaining("ua.o").hasMessageContaining("ub.o");
        assertThat(out).doesNotExist();
    }

    @ParameterizedTest
    @MethodSource("targets")
    void pointersInReadOnlySectionsAreRefused(Target t) throws IOException {
        Path obj = MachOInputs.assemble(t, dir, "textrel", """
                    .section __TEXT,__text,regular,pure_instructions
                    .globl _main
                _main:
                    ret
                    .section __TEXT,__const
                    .no_dead_strip _local_table
                _local_table:
                    .quad _main
                    .no_dead_strip _import_table
                _import_table:
                    .quad _puts
                    .subsections_via_symbols
                """);
        assertThatThrownBy(() -> MachOLinks.rivet(t, dir.resolve("textrel"), obj))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("against '_main' would need a dynamic relocation in read-only section")
                .hasMessageContaining("against '_puts' would need a dynamic relocation in read-only section");
    }

    @Test
    void arm64BranchesBeyondTheirReachGoThroughThunkIslands() throws IOException {
        Target t = Target.ARM64_MACOS;
        // 130 MiB of code between main and far: calls both ways, and to a stub after the code, are out of BL's reach.
        Path obj = MachOInputs.assemble(t, dir, "far", """
                    .section __TEXT,__text,regular,pure_instructions
                    .globl _main
                    .p2align 2
                _main:
                    stp x29, x30, [sp, #-16]!
                    bl _far
                    mov x19, x0
                    adrp x0, _msg@PAGE
                    add x0, x0, _msg@PAGEOFF
                    bl _puts
                    mov x0, x19
                    ldp x29, x30, [sp], #16
                    ret
                    .p2align 2
                _near:
                    mov w0, #37
                    ret
                    .no_dead_strip _filler
                _filler:
                    .space 0x8200000
                    .globl _far
                    .p2align 2
                _far:
                    stp x29, x30, [sp, #-16]!
                    bl _near
                    add w0, w0, #5
                    ldp x29, x30, [sp], #16
                    ret
                    .section __TEXT,__cstring
                _msg:
                    .asciz "beyond reach"
                    .subsections_via_symbols
                """);
        Path reference = MachOLinks.lld(t, dir.resolve("far-ref"), List.of(), obj);
        Path exe = MachOLinks.rivet(t, dir.resolve("far"), obj);
        ExternalTools.Result want = MachOLinks.sameAsReference(reference, exe, List.of());
        assertThat(want.stdout()).isEqualTo("beyond reach\n");
        assertThat(want.exitCode()).isEqualTo(42);
        MachOLinks.otool(exe);
    }

    @Test
    void aProgramWithoutMainIsRefused() {
        try (Linker l = Linker.create(Target.ARM64_MACOS)) {
            l.loader().define("_notmain", SymbolKind.TEXT, b -> b.addUint32(0xd65f03c0));
            assertThatThrownBy(l::linkToMemory).isInstanceOf(LinkException.class).hasMessageContaining("entry symbol '_main'");
        }
    }
}
