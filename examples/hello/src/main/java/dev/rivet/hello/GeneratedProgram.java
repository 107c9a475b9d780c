package dev.rivet.hello;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A program whose message is a generator symbol: its bytes are written straight into the output
 * after layout, and the text names the address the symbol was given, which only layout knows.
 * The program prints {@code generated at 0x<16 hex digits>} and a newline, then exits with 0.
 */
public final class GeneratedProgram {
    /** Bytes the generator writes: "generated at 0x" + 16 hex digits + "\n". */
    public static final int MESSAGE_SIZE = 32;

    private GeneratedProgram() { }

    /**
     * Defines the program's symbols.
     *
     * @param linker a linker for a Linux target
     */
    public static void define(Linker linker) {
        Loader ld = linker.loader();
        int msg = ld.define("generated_message", SymbolKind.RODATA, b -> b.generator(MESSAGE_SIZE, out -> {
            ByteBuffer buf = out.buffer();
            buf.put(String.format("generated at 0x%016x\n", out.address()).getBytes(StandardCharsets.US_ASCII));
        }));
        if (linker.target().architecture() == Architecture.X86_64) {
            ld.define("_start", SymbolKind.TEXT, b -> {
                b.addBytes(HelloProgram.hex("b801000000bf01000000"));   // mov eax, 1; mov edi, 1
                long p = b.addBytes(HelloProgram.hex("488d35")) + 3;     // lea rsi, [rip + generated_message]
                b.addUint32(0);
                b.relocation(p, RelocationKind.PC_RELATIVE_32, msg, -4);
                b.addUint8(0xba);                                        // mov edx, MESSAGE_SIZE
                b.addUint32(MESSAGE_SIZE);
                b.addBytes(HelloProgram.hex("0f05" + "b83c000000" + "31ff" + "0f05")); // syscall; exit(0)
            });
        } else {
            ld.define("_start", SymbolKind.TEXT, b -> {
                b.addUint32(0xd2800020);                          // mov x0, #1
                long p = b.addUint32(0x90000001);                 // adrp x1, generated_message
                b.relocation(p, RelocationKind.PAGE, msg, 0);
                long a = b.addUint32(0x91000021);                 // add x1, x1, :lo12:generated_message
                b.relocation(a, RelocationKind.PAGE_OFFSET, msg, 0);
                b.addUint32(0xd2800002L | (MESSAGE_SIZE << 5));   // mov x2, #MESSAGE_SIZE
                b.addUint32(0xd2800808);                          // mov x8, #64
                b.addUint32(0xd4000001);                          // svc #0
                b.addUint32(0xd2800000);                          // mov x0, #0
                b.addUint32(0xd2800ba8);                          // mov x8, #93
                b.addUint32(0xd4000001);                          // svc #0
            });
        }
    }
}
