package dev.rivet.linker.elf;

import dev.rivet.linker.core.input.InputBytes;
import java.nio.ByteBuffer;

/** The bytes of one ELF input, read with the core's bounds checks ({@link InputBytes}). */
final class ElfBytes extends InputBytes {
    ElfBytes(String name, ByteBuffer buf) {
        super(name, buf);
    }
}
