// A JShell session that writes a program with Rivet and runs it:
//   jshell --class-path "$(./rivet classpath)" examples/hello/hello.jsh
import dev.rivet.linker.*;
import java.nio.file.*;

var target = Target.parse(System.getProperty("os.arch").equals("aarch64") ? "aarch64-linux" : "x86_64-linux");
var linker = Linker.create(target);
var loader = linker.loader();
var text = "Hello from JShell, linked by Rivet!\n".getBytes();
int msg = loader.define("msg", SymbolKind.RODATA, b -> b.bytes(text));

// write(1, msg, len); exit(0) -- as machine code, with relocations to msg
if (target.architecture() == Architecture.X86_64) {
    loader.define("_start", SymbolKind.TEXT, b -> {
        b.addBytes(new byte[] {(byte) 0xb8, 1, 0, 0, 0, (byte) 0xbf, 1, 0, 0, 0}); // mov eax, 1; mov edi, 1
        long at = b.addBytes(new byte[] {0x48, (byte) 0x8d, 0x35}) + 3;            // lea rsi, [rip + msg]
        b.addUint32(0);
        b.relocation(at, RelocationKind.PC_RELATIVE_32, msg, -4);
        b.addUint8(0xba);                                                           // mov edx, len
        b.addUint32(text.length);
        b.addBytes(new byte[] {0x0f, 0x05, (byte) 0xb8, 60, 0, 0, 0, 0x31, (byte) 0xff, 0x0f, 0x05}); // syscall; exit(0)
    });
} else {
    loader.define("_start", SymbolKind.TEXT, b -> {
        b.addUint32(0xd2800020L);                                                   // mov x0, #1
        b.relocation(b.addUint32(0x90000001L), RelocationKind.PAGE, msg, 0);        // adrp x1, msg
        b.relocation(b.addUint32(0x91000021L), RelocationKind.PAGE_OFFSET, msg, 0); // add x1, x1, :lo12:msg
        b.addUint32(0xd2800002L | (text.length << 5));                              // mov x2, #len
        b.addUint32(0xd2800808L);                                                   // mov x8, #64 (write)
        b.addUint32(0xd4000001L);                                                   // svc #0
        b.addUint32(0xd2800000L);                                                   // mov x0, #0
        b.addUint32(0xd2800ba8L);                                                   // mov x8, #93 (exit)
        b.addUint32(0xd4000001L);                                                   // svc #0
    });
}

var out = Files.createTempDirectory("rivet-jshell").resolve("hello");
var result = linker.link(out);
System.out.printf("linked %s for %s: %d bytes, entry 0x%x%n", out, target, result.size(), result.entryAddress());
var process = new ProcessBuilder(out.toString()).redirectErrorStream(true).start();
System.out.print("program says: " + new String(process.getInputStream().readAllBytes()));
System.out.println("exit code: " + process.waitFor());
/exit
