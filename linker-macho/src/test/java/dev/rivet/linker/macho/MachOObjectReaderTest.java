package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rivet.linker.LinkException;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.MergeTable;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link MachOObjectReader} on objects clang and llvm-mc make at test time for both
 * architectures, checked through the core's tables: symbols, atoms, sections, merging and
 * resolution.
 */
class MachOObjectReaderTest {
    @TempDir
    Path dir;

    private static final String PROGRAM = """
            int counter = 3;
            const int table[4] = {1, 2, 3, 4};
            __attribute__((visibility("hidden"))) int priv(void) { return counter; }
            __attribute__((weak)) int weakfn(void) { return 1; }
            extern int maybe(void) __attribute__((weak_import));
            int common_var;
            const char *greeting(void) { return "hello, world"; }
            int main(void) { return priv() + weakfn() + (maybe ? maybe() : 0) + common_var + table[counter]; }
            """;

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void symbolsKeepTheirKindsBindingsAndSections(Target t) throws Exception {
        MachOInputs.Loaded x = MachOInputs.load(t, MachOInputs.compile(t, dir, "program", PROGRAM, "-fcommon"));
        int main = x.sym("_main");
        assertThat(x.kind(main)).isEqualTo(SymbolKind.TEXT);
        assertThat(x.flag(main, InputFile.LOCAL | InputFile.WEAK | InputFile.HIDDEN)).isFalse();
        assertThat(x.outputSection(x.atom(main))).isEqualTo("__TEXT,__text");
        int counter = x.sym("_counter");
        assertThat(x.kind(counter)).isEqualTo(SymbolKind.DATA);
        assertThat(x.outputSection(x.atom(counter))).isEqualTo("__DATA,__data");
        assertThat(x.kind(x.sym("_table"))).isEqualTo(SymbolKind.RODATA);
        assertThat(x.outputSection(x.atom(x.sym("_table")))).isEqualTo("__TEXT,__const");
        assertThat(x.flag(x.sym("_priv"), InputFile.HIDDEN)).as("private extern").isTrue();
        assertThat(x.flag(x.sym("_priv"), InputFile.LOCAL)).isFalse();
        assertThat(x.flag(x.sym("_weakfn"), InputFile.WEAK)).as("weak definition").isTrue();
        assertThat(x.kind(x.sym("_weakfn"))).isEqualTo(SymbolKind.TEXT);
        int maybe = x.sym("_maybe");
        assertThat(x.kind(maybe)).isEqualTo(SymbolKind.UNDEFINED);
        assertThat(x.flag(maybe, InputFile.WEAK)).as("weak reference").isTrue();
        int common = x.sym("_common_var");
        assertThat(x.kind(common)).isEqualTo(SymbolKind.BSS);
        assertThat(x.symbols().size(common)).isEqualTo(4);
        assertThat(x.outputSection(x.atom(common))).isEqualTo("__DATA,__common");
        // clang sets MH_SUBSECTIONS_VIA_SYMBOLS: each function is an atom of its own.
        assertThat(x.atom(main)).isNotEqualTo(x.atom(x.sym("_priv"))).isNotEqualTo(x.atom(x.sym("_greeting")));
        assertThat(x.value(main)).isZero();
        assertThat(x.value(x.sym("_priv"))).isZero();
        // The string went to the merged __cstring table.
        MergeTable strings = x.loader().mergeTable("__TEXT,__cstring|1|true|1", 0, 1);
        assertThat(strings.pieces()).isEqualTo(1);
        assertThat(strings.size()).isEqualTo("hello, world".length() + 1);
        assertThat(x.outputSection(strings.atom)).isEqualTo("__TEXT,__cstring");
        // __compact_unwind (and x86_64's __eh_frame) are not loaded.
        for (int a : x.atomsOf(x.file("program.o"))) {
            assertThat(x.outputSection(a)).doesNotContain("unwind").doesNotContain("eh_frame");
        }
    }

    private static String pieces(boolean subsections) {
        return """
                    .section __TEXT,__text,regular,pure_instructions
                    .globl _a
                    .p2align 4
                _a: .long 1, 2
                    .globl _b
                _b: .long 3
                    .globl _c
                    .alt_entry _c
                _c: .long 4
                    .globl _d
                _d: .long 5
                    .section __DATA,__data
                    .globl _x
                _x: .quad 7
                    .globl _y
                _y: .quad 8
                """ + (subsections ? "    .subsections_via_symbols\n" : "");
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void subsectionsViaSymbolsSplitSectionsAtSymbolsButNotAtAltEntries(Target t) throws Exception {
        MachOInputs.Loaded x = MachOInputs.load(t, MachOInputs.assemble(t, dir, "split", pieces(true)));
        int a = x.atom(x.sym("_a"));
        int b = x.atom(x.sym("_b"));
        int d = x.atom(x.sym("_d"));
        assertThat(List.of(a, b, d)).doesNotHaveDuplicates();
        assertThat(x.atom(x.sym("_c"))).as("an alt entry stays in the atom before it").isEqualTo(b);
        assertThat(x.value(x.sym("_c"))).isEqualTo(4);
        assertThat(x.atoms().size(a)).isEqualTo(8);
        assertThat(x.atoms().size(b)).isEqualTo(8);
        assertThat(x.atoms().size(d)).isEqualTo(4);
        assertThat(x.atoms().alignment(a)).isEqualTo(16);
        assertThat(x.atoms().alignment(b)).as("at offset 8 of a 16-aligned section").isEqualTo(8);
        assertThat(x.atoms().alignment(d)).isEqualTo(16);
        assertThat(x.atom(x.sym("_x"))).isNotEqualTo(x.atom(x.sym("_y")));
        assertThat(x.atoms().source[b] - x.atoms().source[a]).as("atoms are slices of the mapped file").isEqualTo(8);
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void withoutTheFlagASectionIsOneAtom(Target t) throws Exception {
        MachOInputs.Loaded x = MachOInputs.load(t, MachOInputs.assemble(t, dir, "whole", pieces(false)));
        int a = x.atom(x.sym("_a"));
        assertThat(x.atom(x.sym("_b"))).isEqualTo(a);
        assertThat(x.atom(x.sym("_d"))).isEqualTo(a);
        assertThat(x.value(x.sym("_d"))).isEqualTo(16);
        assertThat(x.atoms().size(a)).isEqualTo(20);
        assertThat(x.atom(x.sym("_x"))).isEqualTo(x.atom(x.sym("_y")));
        assertThat(x.value(x.sym("_y"))).isEqualTo(8);
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void cstringsAreDeduplicatedAcrossObjects(Target t) throws Exception {
        Linker l = MachOInputs.linker(t);
        l.addInput(MachOInputs.compile(t, dir, "one", "const char *one(void) { return \"shared text\"; }\nconst char *u1(void) { return \"only one\"; }"));
        l.addInput(MachOInputs.compile(t, dir, "two", "const char *two(void) { return \"shared text\"; }\nconst char *u2(void) { return \"only two!\"; }"));
        MachOInputs.Loaded x = new MachOInputs.Loaded(l);
        MergeTable strings = x.loader().mergeTable("__TEXT,__cstring|1|true|1", 0, 1);
        assertThat(strings.pieces()).isEqualTo(3);
        assertThat(strings.size()).isEqualTo(12 + 9 + 10);
        // Both functions' references reach the same piece of the one table.
        String one = String.join("\n", x.relocations(x.atom(x.sym("_one"))));
        String two = String.join("\n", x.relocations(x.atom(x.sym("_two"))));
        assertThat(lastTarget(x, x.atom(x.sym("_one")))).isEqualTo(lastTarget(x, x.atom(x.sym("_two")))).as(one + "\n" + two)
                .isEqualTo(List.of((long) strings.atom, 0L));
        // The second file's own string lies after the first file's two in the table, not where it was in its section.
        assertThat(lastTarget(x, x.atom(x.sym("_u2")))).isEqualTo(List.of((long) strings.atom, 12L + 9));
    }

    /** {@return the atom and offset the first relocation of an atom reaches (target's atom, its value + addend, x86's -4 undone)} */
    private static List<Long> lastTarget(MachOInputs.Loaded x, int atom) {
        InputFile f = x.symbols().file(x.atoms().file(atom));
        int r = x.atoms().relStart[atom];
        int s = f.relocationTarget(r);
        long addend = f.relocs.addend(r);
        if (x.loader().arch().architecture() == dev.rivet.linker.Architecture.X86_64) {
            addend += 4;
        }
        return List.of((long) x.atom(s), x.value(s) + addend);
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void weakDefinitionsFirstWinsAndStrongDuplicatesAreErrors(Target t) throws Exception {
        Linker l = MachOInputs.linker(t);
        Path w1 = MachOInputs.compile(t, dir, "w1", "__attribute__((weak)) int w(void) { return 1; }");
        Path w2 = MachOInputs.compile(t, dir, "w2", "__attribute__((weak)) int w(void) { return 22222; }");
        l.addInput(w1).addInput(w2);
        MachOInputs.Loaded x = new MachOInputs.Loaded(l);
        assertThat(x.symbols().owner(x.sym("_w")).name).endsWith("w1.o");
        Path strong = MachOInputs.compile(t, dir, "strong", "int w(void) { return 3; }");
        l.addInput(strong);
        assertThat(x.symbols().owner(x.sym("_w")).name).as("a strong definition beats weak ones").endsWith("strong.o");

        Linker d = MachOInputs.linker(t);
        d.addInput(MachOInputs.compile(t, dir, "d1", "int dup = 1;"));
        Path d2 = MachOInputs.compile(t, dir, "d2", "int dup = 2;");
        assertThatThrownBy(() -> d.addInput(d2)).isInstanceOf(LinkException.class)
                .hasMessageContaining("duplicate symbol: _dup").hasMessageContaining("d1.o").hasMessageContaining("d2.o");
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void commonSymbolsTheLargerWinsAndADefinitionBeatsThem(Target t) throws Exception {
        Linker l = MachOInputs.linker(t);
        l.addInput(MachOInputs.compile(t, dir, "c1", "int shared_common;", "-fcommon"));
        l.addInput(MachOInputs.compile(t, dir, "c2", "char shared_common[64];", "-fcommon"));
        MachOInputs.Loaded x = new MachOInputs.Loaded(l);
        int s = x.sym("_shared_common");
        assertThat(x.kind(s)).isEqualTo(SymbolKind.BSS);
        assertThat(x.symbols().size(s)).isEqualTo(64);
        assertThat(x.symbols().owner(s).name).endsWith("c2.o");
        l.addInput(MachOInputs.compile(t, dir, "c3", "int shared_common = 5;"));
        assertThat(x.kind(s)).isEqualTo(SymbolKind.DATA);
        assertThat(x.symbols().owner(s).name).endsWith("c3.o");
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void deadStrippingIsPerAtomAndNoDeadStripKeeps(Target t) throws Exception {
        String src = """
                    .section __TEXT,__text,regular,pure_instructions
                    .globl _main
                _main: .long 1
                    .quad _used - _main
                    .globl _used
                _used: .long 2
                    .globl _unused
                _unused: .long 3
                    .globl _kept
                    .no_dead_strip _kept
                _kept: .long 4
                    .section __DATA,__mod_init_func,mod_init_funcs
                    .quad _init
                    .section __TEXT,__text,regular,pure_instructions
                _init: .long 5
                    .subsections_via_symbols
                """;
        Linker l = Linker.create(t, LinkOptions.builder().threads(1).deadStrip(true).build());
        l.addInput(MachOInputs.assemble(t, dir, "strip", src));
        MachOInputs.Loaded x = new MachOInputs.Loaded(l);
        assertThat(x.symbols().keep.get(x.sym("_kept"))).isTrue();
        l.linkToMemory();
        assertThat(x.atoms().alive.get(x.atom(x.sym("_main")))).isTrue();
        assertThat(x.atoms().alive.get(x.atom(x.sym("_used")))).isTrue();
        assertThat(x.atoms().alive.get(x.atom(x.sym("_kept")))).isTrue();
        assertThat(x.atoms().alive.get(x.atom(x.sym("_unused")))).isFalse();
        InputFile f = x.file("strip.o");
        int init = x.local(f, "_init");
        assertThat(x.atoms().alive.get(x.atom(init))).as("mod_init_func keeps what it points to").isTrue();
    }

    @ParameterizedTest
    @MethodSource("dev.rivet.linker.macho.MachOInputs#targets")
    void threadLocalVariables(Target t) throws Exception {
        Linker l = MachOInputs.linker(t);
        l.addInput(MachOInputs.compile(t, dir, "tls", "_Thread_local int tv = 5; _Thread_local int tz; int get(void) { return tv + tz; }"));
        MachOInputs.Loaded x = new MachOInputs.Loaded(l);
        int tv = x.sym("_tv");
        assertThat(x.kind(tv)).as("the descriptor").isEqualTo(SymbolKind.DATA);
        assertThat(x.outputSection(x.atom(tv))).isEqualTo("__DATA,__thread_vars");
        InputFile f = x.file("tls.o");
        int init = x.local(f, "_tv$tlv$init");
        assertThat(x.kind(init)).isEqualTo(SymbolKind.TLS_DATA);
        assertThat(x.outputSection(x.atom(init))).isEqualTo("__DATA,__thread_data");
        assertThat(x.kind(x.local(f, "_tz$tlv$init"))).isEqualTo(SymbolKind.TLS_BSS);
        boolean arm = t == Target.ARM64_MACOS;
        assertThat(x.relocations(x.atom(tv))).containsExactly(
                "0x0 " + (arm ? "R_AARCH64_ABS64" : "R_X86_64_64") + " __tlv_bootstrap 0",
                "0x10 " + (arm ? "R_AARCH64_TLS_DTPREL64" : "R_X86_64_DTPOFF64") + " _tv$tlv$init 0");
        List<String> get = x.relocations(x.atom(x.sym("_get")));
        if (arm) {
            assertThat(get).anyMatch(r -> r.matches("0x[0-9a-f]+ ARM64_RELOC_TLVP_LOAD_PAGE21 _tv 0"))
                    .anyMatch(r -> r.matches("0x[0-9a-f]+ ARM64_RELOC_TLVP_LOAD_PAGEOFF12 _tv 0"));
        } else {
            assertThat(get).anyMatch(r -> r.matches("0x[0-9a-f]+ X86_64_RELOC_TLV _tv -4"));
        }
    }
}
