package dev.rivet.hello;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.OperatingSystem;
import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Hello world for Linux, written as machine code through {@link dev.rivet.linker.SymbolBuilder}
 * alone: {@code _start} calls {@code write(1, msg, len)} through a pointer to the message kept in
 * {@code .data} (an absolute relocation), then calls {@code exit_program}, which exits with the
 * code stored in {@code exit_code}.
 *
 * <pre>{@code
 * Linker linker = Linker.create(Target.parse("x86_64-linux"));
 * HelloProgram.define(linker, "Hello!\n", 0);
 * linker.link(Path.of("hello"));
 * }</pre>
 */
public final class HelloProgram {
    private HelloProgram() { }

    /**
     * Defines the program's symbols in the linker's loader.
     *
     * @param linker a linker for an ELF target
     * @param message what the program writes to standard output
     * @param exitCode the program's exit status, 0 to 255
     * @throws IllegalArgumentException if the target is not Linux
     */
    public static void define(Linker linker, String message, int exitCode) {
        Target t = linker.target();
        if (t.os() != OperatingSystem.LINUX) {
            throw new IllegalArgumentException("the hello program makes Linux system calls; " + t + " is not Linux");
        }
        Loader ld = linker.loader();
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        int msg = ld.define("message", SymbolKind.RODATA, b -> b.bytes(text));
        int msgPtr = ld.define("message_pointer", SymbolKind.DATA, b -> b.alignment(8).addAddress(msg, 0));
        int code = ld.define("exit_code", SymbolKind.DATA, b -> b.alignment(4).addUint32(exitCode));
        int exit = ld.createStatic("exit_program");
        if (t.architecture() == Architecture.X86_64) {
            ld.define("_start", SymbolKind.TEXT, b -> {
                b.alignment(16);
                b.addBytes(hex("b801000000"));             // mov eax, 1 (write)
                b.addBytes(hex("bf01000000"));             // mov edi, 1 (stdout)
                long p = b.addBytes(hex("488b35")) + 3;    // mov rsi, [rip + message_pointer]
                b.addUint32(0);
                b.relocation(p, RelocationKind.PC_RELATIVE_32, msgPtr, -4);
                b.addUint8(0xba);                          // mov edx, len
                b.addUint32(text.length);
                b.addBytes(hex("0f05"));                   // syscall
                long a = b.addUint8(0xb9) + 1;             // mov ecx, exit_code (absolute 32-bit address)
                b.addUint32(0);
                b.relocation(a, RelocationKind.ABSOLUTE_32, code, 0);
                b.addBytes(hex("8b39"));                   // mov edi, [rcx]
                long c = b.addUint8(0xe8) + 1;             // call exit_program
                b.addUint32(0);
                b.relocation(c, RelocationKind.BRANCH, exit, 0);
                b.addBytes(hex("f4"));                     // hlt: not reached
            });
            ld.update(exit, b -> b.kind(SymbolKind.TEXT).alignment(16)
                    .bytes(hex("b83c000000" + "0f05")));   // mov eax, 60 (exit); syscall
        } else {
            ld.define("_start", SymbolKind.TEXT, b -> {
                b.alignment(4);
                b.addUint32(0xd2800020);                   // mov x0, #1
                long p = b.addUint32(0x90000001);          // adrp x1, message_pointer
                b.relocation(p, RelocationKind.PAGE, msgPtr, 0);
                long l = b.addUint32(0xf9400021);          // ldr x1, [x1, :lo12:message_pointer]
                b.relocation(l, RelocationKind.PAGE_OFFSET, msgPtr, 0);
                b.addUint32(0xd2800002L | ((long) text.length << 5)); // mov x2, #len
                b.addUint32(0xd2800808);                   // mov x8, #64 (write)
                b.addUint32(0xd4000001);                   // svc #0
                long q = b.addUint32(0x90000009);          // adrp x9, exit_code
                b.relocation(q, RelocationKind.PAGE, code, 0);
                long r = b.addUint32(0x91000129);          // add x9, x9, :lo12:exit_code
                b.relocation(r, RelocationKind.PAGE_OFFSET, code, 0);
                b.addUint32(0xb9400120);                   // ldr w0, [x9]
                long c = b.addUint32(0x94000000);          // bl exit_program
                b.relocation(c, RelocationKind.BRANCH, exit, 0);
                b.addUint32(0xd4200000);                   // brk #0: not reached
            });
            ld.update(exit, b -> {
                b.kind(SymbolKind.TEXT).alignment(4);
                b.addUint32(0xd2800ba8);                   // mov x8, #93 (exit)
                b.addUint32(0xd4000001);                   // svc #0
            });
        }
    }

    /**
     * Links the hello program into a file.
     *
     * @param target an ELF target
     * @param message what the program prints
     * @param exitCode its exit status
     * @param output the file to write
     * @return the output path
     */
    public static Path link(Target target, String message, int exitCode, Path output) {
        Linker linker = Linker.create(target);
        define(linker, message, exitCode);
        linker.link(output);
        return output;
    }

    static byte[] hex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
