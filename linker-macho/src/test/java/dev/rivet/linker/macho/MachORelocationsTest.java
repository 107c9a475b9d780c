package dev.rivet.linker.macho;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rivet.linker.Linker;
import dev.rivet.linker.Target;
import dev.rivet.linker.core.symbols.InputFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Mach-O relocation type the reader handles, made by llvm-mc, mapped to the core's
 * operations with the expected targets and addends; counts are cross-checked with
 * {@code llvm-objdump --macho -r}.
 */
class MachORelocationsTest {
    @TempDir
    Path dir;

    private static final String ARM64 = """
                .section __TEXT,__text,regular,pure_instructions
                .globl _f
                .p2align 2
            _f:
                bl _ext
                b _ext + 8
                adrp x0, _g@PAGE
                add x0, x0, _g@PAGEOFF
                adrp x1, _g@PAGE + 16
                ldr x1, [x1, _g@PAGEOFF + 16]
                ldr w2, [x1, _g@PAGEOFF + 4]
                adrp x0, _ext@GOTPAGE
                ldr x0, [x0, _ext@GOTPAGEOFF]
                adrp x0, _tv@TLVPPAGE
                ldr x0, [x0, _tv@TLVPPAGEOFF]
                ret
                .globl _h
                .alt_entry _h
            _h: bl _f
                .section __DATA,__data
                .globl _g
                .p2align 3
            _g: .quad _f + 8
                .quad _g - _f + 2
                .long _g - _f
                .long _ext@GOT - .
                .quad _ext@GOT
                .long _f + 4
                .long 0
                .globl _g2
            _g2: .quad _h
                .subsections_via_symbols
            """;

    private static final String X86_64 = """
                .section __TEXT,__text,regular,pure_instructions
                .globl _f
            _f:
                leaq L_.str(%rip), %rdi
                leaq L_.str+3(%rip), %rdi
                movb $0x12, _g(%rip)
                movw $0x1234, _g(%rip)
                movl $0x12345678, _g(%rip)
                movq _ext@GOTPCREL(%rip), %rax
                pushq _ext@GOTPCREL(%rip)
                callq _ext
                movq _tv@TLVP(%rip), %rdi
                leaq Lnd(%rip), %rax
                ret
                .section __TEXT,__cstring,cstring_literals
            L_.str: .asciz "hello"
                .section __DATA,__nosym
                .quad 0
            Lnd: .quad 1
                .section __DATA,__data
                .globl _g
            _g: .quad _f + 8
                .quad _g - _f + 2
                .long _g - _f
                .quad L_.str + 1
                .long _f
                .globl _g2
            _g2: .quad _f
                .subsections_via_symbols
            """;

    @Test
    void arm64() throws Exception {
        Target t = Target.ARM64_MACOS;
        Path obj = MachOInputs.assemble(t, dir, "arm", ARM64);
        MachOInputs.Loaded x = MachOInputs.load(t, obj);
        String lo12 = "PAGE_OFFSET (add or load/store lo12)";
        assertThat(x.relocations(x.atom(x.sym("_f")))).containsExactly(
                "0x0 R_AARCH64_CALL26 _ext 0",
                "0x4 R_AARCH64_CALL26 _ext 8",
                "0x8 R_AARCH64_ADR_PREL_PG_HI21 _g 0",
                "0xc " + lo12 + " _g 0",
                "0x10 R_AARCH64_ADR_PREL_PG_HI21 _g 16",
                "0x14 " + lo12 + " _g 16",
                "0x18 " + lo12 + " _g 4",
                "0x1c ARM64_RELOC_GOT_LOAD_PAGE21 _ext 0",
                "0x20 ARM64_RELOC_GOT_LOAD_PAGEOFF12 _ext 0",
                "0x24 ARM64_RELOC_TLVP_LOAD_PAGE21 _tv 0",
                "0x28 ARM64_RELOC_TLVP_LOAD_PAGEOFF12 _tv 0",
                "0x30 R_AARCH64_CALL26 _f 0");
        assertThat(x.atom(x.sym("_h"))).isEqualTo(x.atom(x.sym("_f")));
        assertThat(x.relocations(x.atom(x.sym("_g")))).containsExactly(
                "0x0 R_AARCH64_ABS64 _f 8",
                "0x8 ARM64_RELOC_SUBTRACTOR (64-bit) _f 0",
                "0x8 ARM64_RELOC_UNSIGNED after SUBTRACTOR (64-bit) _g 2",
                "0x10 ARM64_RELOC_SUBTRACTOR (32-bit) _f 0",
                "0x10 ARM64_RELOC_UNSIGNED after SUBTRACTOR (32-bit) _g 0",
                "0x14 R_AARCH64_GOTPCREL32 _ext 0",
                "0x18 ARM64_RELOC_POINTER_TO_GOT (64-bit) _ext 0",
                "0x20 R_AARCH64_ABS32 _f 4");
        assertThat(x.relocations(x.atom(x.sym("_g2")))).as("rebased into the second atom").containsExactly("0x0 R_AARCH64_ABS64 _h 0");
        crossCheck(x, obj, "arm.o");
    }

    @Test
    void x86_64() throws Exception {
        Target t = Target.X86_64_MACOS;
        Path obj = MachOInputs.assemble(t, dir, "x86", X86_64);
        MachOInputs.Loaded x = MachOInputs.load(t, obj);
        assertThat(x.relocations(x.atom(x.sym("_f")))).containsExactly(
                // leaq L_.str(%rip): by section; the string is piece 0 of the merged table
                "0x3 R_X86_64_PC32 __cstring -4",
                "0xa R_X86_64_PC32 L_.str -1",
                // SIGNED_1/2/4: 1, 2, 4 bytes of immediate after the field
                "0x10 R_X86_64_PC32 _g -5",
                "0x18 R_X86_64_PC32 _g -6",
                "0x20 R_X86_64_PC32 _g -8",
                "0x2b R_X86_64_REX_GOTPCRELX _ext -4",
                "0x31 R_X86_64_GOTPCREL _ext -4",
                "0x36 R_X86_64_PLT32 _ext -4",
                "0x3d X86_64_RELOC_TLV _tv -4",
                // leaq Lnd(%rip): by section, 8 bytes into __nosym's one atom
                "0x44 R_X86_64_PC32 __nosym 4");
        assertThat(x.relocations(x.atom(x.sym("_g")))).containsExactly(
                "0x0 R_X86_64_64 _f 8",
                "0x8 X86_64_RELOC_SUBTRACTOR (64-bit) _f 0",
                "0x8 X86_64_RELOC_UNSIGNED after SUBTRACTOR (64-bit) _g 2",
                "0x10 X86_64_RELOC_SUBTRACTOR (32-bit) _f 0",
                "0x10 X86_64_RELOC_UNSIGNED after SUBTRACTOR (32-bit) _g 0",
                "0x14 R_X86_64_64 L_.str 1",
                "0x1c R_X86_64_32 _f 0");
        assertThat(x.relocations(x.atom(x.sym("_g2")))).containsExactly("0x0 R_X86_64_64 _f 0");
        crossCheck(x, obj, "x86.o");
    }

    /** As many relocations as llvm-objdump lists, less ARM64_RELOC_ADDEND (folded into the next one). */
    private static void crossCheck(MachOInputs.Loaded x, Path obj, String name) {
        String listing = MachOInputs.objdumpRelocations(obj);
        int listed = 0;
        int addends = 0;
        for (String line : listing.split("\n")) {
            if (line.matches("^[0-9a-f]{8} .*")) {
                listed++;
                if (line.contains("ADDEND")) {
                    addends++;
                }
            }
        }
        InputFile f = x.file(name);
        List<String> ours = new ArrayList<>(x.allRelocations(f));
        assertThat(ours).as(listing).hasSize(listed - addends);
        assertThat(f.relocs.count).isEqualTo(ours.size());
    }
}
