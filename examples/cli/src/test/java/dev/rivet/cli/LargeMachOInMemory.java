package dev.rivet.cli;

import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.Linker;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.Target;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A program for {@code NewerJdkTest} to run on a newer JDK: links an arm64 macOS program with
 * 17 MiB of constant data into memory through the public API (so its code signature's pages are
 * hashed in a heap buffer) and writes the bytes to the file named by its argument.
 */
final class LargeMachOInMemory {
    private LargeMachOInMemory() { }

    public static void main(String[] args) throws Exception {
        try (Linker linker = Linker.create(Target.ARM64_MACOS, LinkOptions.builder().build())) {
            byte[] pages = new byte[17 << 20];
            for (int i = 0; i < pages.length; i += 4096) {
                pages[i] = (byte) (i >>> 12); // every page different
            }
            int data = linker.loader().define("_pages", SymbolKind.RODATA, b -> b.addBytes(pages));
            linker.loader().keep(data);
            linker.loader().define("_main", SymbolKind.TEXT, b -> {
                b.addUint32(0x52800060); // mov w0, #3
                b.addUint32(0xd65f03c0); // ret
            });
            Files.write(Path.of(args[0]), linker.linkToMemory().bytes());
        }
    }
}
