package dev.rivet.hello;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.OperatingSystem;
import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import java.nio.charset.StandardCharsets;

/**
 * Hello world for macOS (arm64 or x86_64), written as machine code through
 * {@link dev.rivet.linker.SymbolBuilder} alone: {@code _main} takes the message through a pointer
 * kept in {@code __DATA} (which dyld rebases), calls libSystem's {@code puts} (through a stub that
 * dyld binds lazily) and returns the exit code. The program imports from libSystem, so the link
 * needs a description of it: the SDK's {@code libSystem.tbd}, or {@link #LIBSYSTEM_TBD}.
 *
 * <pre>{@code
 * Linker linker = Linker.create(Target.parse("arm64-macos"));
 * MacHelloProgram.define(linker, "Hello!", 0);
 * linker.addInput(Path.of("libSystem.tbd"));   // Files.writeString(it, MacHelloProgram.LIBSYSTEM_TBD)
 * linker.link(Path.of("hello"));
 * }</pre>
 */
public final class MacHelloProgram {
    /**
     * A text stub of the part of libSystem the program uses, for links without the macOS SDK
     * (TAPI v4, as Apple's SDKs ship them).
     */
    public static final String LIBSYSTEM_TBD = """
            --- !tapi-tbd
            tbd-version:     4
            targets:         [ arm64-macos, x86_64-macos ]
            install-name:    '/usr/lib/libSystem.B.dylib'
            current-version: 1311
            exports:
              - targets:     [ arm64-macos, x86_64-macos ]
                symbols:     [ dyld_stub_binder, _puts ]
            ...
            """;

    private MacHelloProgram() { }

    /**
     * Defines the program's symbols in the linker's loader.
     *
     * @param linker a linker for a macOS target
     * @param message the line the program prints (puts adds the newline)
     * @param exitCode the program's exit status, 0 to 255
     * @throws IllegalArgumentException if the target is not macOS or the exit code is out of range
     */
    public static void define(Linker linker, String message, int exitCode) {
        Target t = linker.target();
        if (t.os() != OperatingSystem.MACOS) {
            throw new IllegalArgumentException("the macOS hello program calls libSystem; " + t + " is not macOS");
        }
        if (exitCode < 0 || exitCode > 255) {
            throw new IllegalArgumentException("exit code " + exitCode + " is not in 0..255");
        }
        Loader ld = linker.loader();
        byte[] text = (message + "\0").getBytes(StandardCharsets.UTF_8);
        int msg = ld.define("_message", SymbolKind.RODATA, b -> b.addBytes(text));
        // A pointer to the message in writable data: its absolute address is rebased at load time.
        int pointer = ld.define("_message_pointer", SymbolKind.DATA, b -> b.relocation(b.addUint64(0), RelocationKind.ABSOLUTE_64, msg, 0));
        int puts = ld.lookupOrCreate("_puts");
        ld.define("_main", SymbolKind.TEXT, b -> {
            if (t.architecture() == Architecture.X86_64) {
                b.addUint8(0x55);                                                          // push %rbp
                b.addBytes(new byte[] {0x48, (byte) 0x8b, 0x3d, 0, 0, 0, 0});             // mov _message_pointer(%rip), %rdi
                b.relocation(4, RelocationKind.PC_RELATIVE_32, pointer, -4);
                b.addUint8(0xe8);                                                          // call _puts
                b.relocation(b.addUint32(0), RelocationKind.BRANCH, puts, 0);
                b.addBytes(new byte[] {(byte) 0xb8, (byte) exitCode, 0, 0, 0});          // mov $exitCode, %eax
                b.addBytes(new byte[] {0x5d, (byte) 0xc3});                               // pop %rbp; ret
            } else {
                b.addUint32(0xa9bf7bfd);                                                   // stp x29, x30, [sp, #-16]!
                b.relocation(b.addUint32(0x90000000), RelocationKind.PAGE, pointer, 0);     // adrp x0, _message_pointer@PAGE
                b.relocation(b.addUint32(0xf9400000), RelocationKind.PAGE_OFFSET, pointer, 0); // ldr x0, [x0, _message_pointer@PAGEOFF]
                b.relocation(b.addUint32(0x94000000), RelocationKind.BRANCH, puts, 0);      // bl _puts
                b.addUint32(0xa8c17bfd);                                                   // ldp x29, x30, [sp], #16
                b.addUint32(0x52800000 | (exitCode << 5));                                 // mov w0, #exitCode
                b.addUint32(0xd65f03c0);                                                   // ret
            }
        });
    }
}
