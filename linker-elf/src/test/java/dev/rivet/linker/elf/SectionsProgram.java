package dev.rivet.linker.elf;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolKind;

/**
 * A test program with a symbol of every kind: it loads a pointer from a table in .rodata, reads
 * the 5 it points to in .data, stores it in .bss, adds the stored value back and exits with 10.
 * It also defines TLS, static and hidden symbols for the layout and symbol-table checks.
 */
final class SectionsProgram {
    static final int EXIT_CODE = 10;

    private SectionsProgram() { }

    static void define(Linker linker) {
        Loader ld = linker.loader();
        int value = ld.define("value", SymbolKind.DATA, b -> b.alignment(4).addUint32(5));
        int counter = ld.define("counter", SymbolKind.BSS, b -> b.alignment(4).size(4));
        int table = ld.define("table", SymbolKind.RODATA, b -> b.alignment(8).addAddress(value, 0));
        int tlsA = ld.define("tls_a", SymbolKind.TLS_DATA, b -> b.alignment(8).addUint64(0x1122334455667788L));
        int tlsB = ld.define("tls_b", SymbolKind.TLS_BSS, b -> b.alignment(16).size(16));
        int hidden = ld.define("hidden_helper", SymbolKind.TEXT, b -> b.hidden().addUint32(0));
        int stat = ld.createStatic("static_data");
        ld.update(stat, b -> b.kind(SymbolKind.DATA).addUint64(1));
        for (int s : new int[] {tlsA, tlsB, hidden, stat}) {
            ld.keep(s);
        }
        if (linker.target().architecture() == Architecture.X86_64) {
            ld.define("_start", SymbolKind.TEXT, b -> {
                pcrel(b, "488b05", table);    // mov rax, [rip + table]
                b.addBytes(bytes("8b00"));     // mov eax, [rax]
                pcrel(b, "8905", counter);     // mov [rip + counter], eax
                pcrel(b, "0305", counter);     // add eax, [rip + counter]
                b.addBytes(bytes("89c7" + "b83c000000" + "0f05")); // mov edi, eax; mov eax, 60; syscall
            });
        } else {
            ld.define("_start", SymbolKind.TEXT, b -> {
                page(b, 0x90000000L, 0xf9400000L, table); // adrp x0, table; ldr x0, [x0, :lo12:table]
                b.addUint32(0xb9400001L);                 // ldr w1, [x0]
                page(b, 0x90000002L, 0x91000042L, counter); // adrp x2, counter; add x2, x2, :lo12:counter
                b.addUint32(0xb9000041L);                 // str w1, [x2]
                b.addUint32(0xb9400043L);                 // ldr w3, [x2]
                b.addUint32(0x0b030020L);                 // add w0, w1, w3
                b.addUint32(0xd2800ba8L);                 // mov x8, #93
                b.addUint32(0xd4000001L);                 // svc #0
            });
        }
    }

    private static void pcrel(dev.rivet.linker.SymbolBuilder b, String opcode, int target) {
        long at = b.addBytes(bytes(opcode)) + opcode.length() / 2;
        b.addUint32(0);
        b.relocation(at, RelocationKind.PC_RELATIVE_32, target, -4);
    }

    private static void page(dev.rivet.linker.SymbolBuilder b, long adrp, long lo12, int target) {
        b.relocation(b.addUint32(adrp), RelocationKind.PAGE, target, 0);
        b.relocation(b.addUint32(lo12), RelocationKind.PAGE_OFFSET, target, 0);
    }

    static byte[] bytes(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
