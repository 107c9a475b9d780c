package dev.rivet.linker.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Reads the ELF header and program headers of an output, for structural checks in tests. */
record ElfHeaders(int type, int machine, long entry, List<Phdr> segments) {
    record Phdr(int type, int flags, long offset, long vaddr, long filesz, long memsz, long align) { }

    static ElfHeaders read(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<Phdr> list = new ArrayList<>();
        long phoff = b.getLong(32);
        int phnum = Short.toUnsignedInt(b.getShort(56));
        for (int i = 0; i < phnum; i++) {
            int p = (int) phoff + i * 56;
            list.add(new Phdr(b.getInt(p), b.getInt(p + 4), b.getLong(p + 8), b.getLong(p + 16), b.getLong(p + 32),
                    b.getLong(p + 40), b.getLong(p + 48)));
        }
        return new ElfHeaders(b.getShort(16), Short.toUnsignedInt(b.getShort(18)), b.getLong(24), list);
    }

    List<Phdr> ofType(int t) {
        return segments.stream().filter(p -> p.type() == t).toList();
    }
}
