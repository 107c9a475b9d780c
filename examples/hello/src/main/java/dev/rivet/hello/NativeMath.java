package dev.rivet.hello;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.Loader;
import dev.rivet.linker.OutputKind;
import dev.rivet.linker.RelocationKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The embedded use case in one class: machine code for a JNI method is built with
 * {@code SymbolBuilder}, linked by Rivet into a shared library in this process, loaded into this
 * JVM with {@link System#load} and called. The method adds its two arguments and a constant it
 * reads through a pointer table, so the library needs a load-time (RELATIVE) relocation.
 */
public final class NativeMath {
    private NativeMath() { }

    /**
     * Implemented by the library {@link #link} makes.
     *
     * @param a a number
     * @param b another
     * @return {@code a + b + 7}
     */
    public static native int add(int a, int b);

    /** The JNI name of {@link #add}. */
    static final String ADD = "Java_dev_rivet_hello_NativeMath_add";

    /**
     * Links the library for a Linux target.
     *
     * @param target x86_64-linux or aarch64-linux
     * @param output where to write it
     * @throws dev.rivet.linker.LinkException if the link fails
     */
    public static void link(Target target, Path output) {
        try (Linker linker = Linker.create(target, LinkOptions.builder().outputKind(OutputKind.SHARED_LIBRARY)
                .soname("libnativemath.so")
                // Export only the JNI entry points; the data stays local, so code reaches it directly.
                .exports(java.util.List.of("Java_*"), java.util.List.of("*"))
                .build())) {
            Loader ld = linker.loader();
            int factor = ld.define("nativemath_factor", SymbolKind.DATA, b -> b.addUint32(7));
            int table = ld.define("nativemath_table", SymbolKind.DATA, b -> {
                b.alignment(8);
                long at = b.addUint64(0);
                b.relocation(at, RelocationKind.ABSOLUTE_64, factor, 0); // a RELATIVE relocation at load time
            });
            if (target.architecture() == Architecture.X86_64) {
                // jint add(JNIEnv *env, jclass cls, jint a, jint b): a in edx, b in ecx
                ld.define(ADD, SymbolKind.TEXT, b -> {
                    long p = b.addBytes(HelloProgram.hex("488b05")) + 3;       // mov rax, [rip + table]
                    b.addUint32(0);
                    b.relocation(p, RelocationKind.PC_RELATIVE_32, table, -4);
                    b.addBytes(HelloProgram.hex("8b00" + "01d0" + "01c8" + "c3")); // mov eax, [rax]; add eax, edx; add eax, ecx; ret
                });
            } else {
                ld.define(ADD, SymbolKind.TEXT, b -> {
                    long p = b.addUint32(0x90000008);                  // adrp x8, table
                    b.relocation(p, RelocationKind.PAGE, table, 0);
                    long l = b.addUint32(0xf9400108);                  // ldr x8, [x8, :lo12:table]
                    b.relocation(l, RelocationKind.PAGE_OFFSET, table, 0);
                    b.addUint32(0xb9400108);                           // ldr w8, [x8]
                    b.addUint32(0x0b030040);                           // add w0, w2, w3
                    b.addUint32(0x0b080000);                           // add w0, w0, w8
                    b.addUint32(0xd65f03c0);                           // ret
                });
            }
            linker.link(output);
        }
    }

    /**
     * Links the library for this machine, loads it and calls it.
     *
     * @param args ignored
     * @throws IOException if the temporary file cannot be made
     */
    public static void main(String[] args) throws IOException {
        Target host = System.getProperty("os.arch").equals("aarch64") ? Target.AARCH64_LINUX : Target.X86_64_LINUX;
        Path lib = Files.createTempFile("libnativemath", ".so");
        try {
            link(host, lib);
            System.load(lib.toAbsolutePath().toString());
            System.out.println("NativeMath.add(20, 15) = " + add(20, 15));
        } finally {
            Files.deleteIfExists(lib);
        }
    }
}
