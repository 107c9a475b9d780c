package dev.rivet.bench;

import it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a slice of {@link SyntheticProgram} as an x86-64 ELF relocatable object, as a compiler
 * frontend without an in-process linker would before running a linker: the same 16 code bytes
 * per function and the same three calls, each an {@code R_X86_64_PLT32} against the callee's
 * global symbol with addend -4.
 *
 * <p>Each function gets its own {@code .text.f<i>} section (as {@code -ffunction-sections}
 * gives), so that {@code --gc-sections} works per function as Rivet's dead-stripping does per
 * builder symbol, and its own {@code .rela.text.f<i>}. Callees in other objects are undefined
 * global symbols. Object 0 also holds {@code _start}.
 *
 * <p>Layout: ELF header, every function's code (16-byte aligned, back to back), the RELA
 * sections, {@code .symtab}, {@code .strtab}, {@code .shstrtab}, section headers. The section
 * name of {@code .text.fN} points into {@code .rela.text.fN}'s, so names are stored once.
 */
final class ElfObjectWriter {
    private static final int EHDR = 64;
    private static final int SHDR = 64;
    private static final int SYM = 24;
    private static final int RELA = 24;
    private static final int SHT_PROGBITS = 1;
    private static final int SHT_SYMTAB = 2;
    private static final int SHT_STRTAB = 3;
    private static final int SHT_RELA = 4;
    private static final long SHF_ALLOC = 2;
    private static final long SHF_EXECINSTR = 4;
    private static final long SHF_INFO_LINK = 0x40;
    private static final int R_X86_64_PLT32 = 4;
    /** Section indexes at and above SHN_LORESERVE need extended numbering, which this writer does not do. */
    private static final int SHN_LORESERVE = 0xff00;

    private ElfObjectWriter() { }

    /**
     * Writes functions {@code [from, to)} of a program of {@code n} functions.
     *
     * @param file the object to write
     * @param n the number of functions in the program
     * @param from the first function of this object
     * @param to one past the last
     * @param withStart whether this object also defines {@code _start}
     * @throws IOException if the file cannot be written
     */
    static void write(Path file, int n, int from, int to, boolean withStart) throws IOException {
        Files.write(file, bytes(n, from, to, withStart));
    }

    static byte[] bytes(int n, int from, int to, boolean withStart) {
        int k = to - from;
        int texts = k + (withStart ? 1 : 0);
        // Sections: null, texts, relas, .symtab, .strtab, .shstrtab.
        int shnum = 1 + 2 * texts + 3;
        if (shnum >= SHN_LORESERVE) {
            throw new IllegalArgumentException(k + " functions in one object need more sections than ELF numbers without"
                    + " extended numbering: use more objects");
        }
        int symtabIndex = 1 + 2 * texts;

        // Symbols: null, the defined functions (then _start), then every callee defined elsewhere.
        Int2IntOpenHashMap undefined = new Int2IntOpenHashMap();
        int firstUndefined = 1 + texts;
        long strtabSize = 1;
        for (int i = from; i < to; i++) {
            strtabSize += nameLength(i) + 1;
            for (int j = 0; j < SyntheticProgram.RELOCATIONS; j++) {
                int t = SyntheticProgram.callee(i, j, n);
                if ((t < from || t >= to) && !undefined.containsKey(t)) {
                    undefined.put(t, firstUndefined + undefined.size());
                    strtabSize += nameLength(t) + 1;
                }
            }
        }
        if (withStart) {
            strtabSize += "_start".length() + 1;
            if ((0 < from || 0 >= to) && !undefined.containsKey(0)) {
                undefined.put(0, firstUndefined + undefined.size());
                strtabSize += nameLength(0) + 1;
            }
        }
        int symbols = firstUndefined + undefined.size();

        long shstrtabSize = 1 + ".symtab\0.strtab\0.shstrtab\0".length();
        for (int i = from; i < to; i++) {
            shstrtabSize += ".rela.text.".length() + nameLength(i) + 1;
        }
        if (withStart) {
            shstrtabSize += ".rela.text._start".length() + 1;
        }

        long textOff = EHDR;
        long relaOff = textOff + 16L * texts;
        long relaSize = (long) RELA * (SyntheticProgram.RELOCATIONS * (long) k + (withStart ? 1 : 0));
        long symtabOff = relaOff + relaSize;
        long strtabOff = symtabOff + (long) SYM * symbols;
        long shstrtabOff = strtabOff + strtabSize;
        long shOff = align(shstrtabOff + shstrtabSize, 8);
        long total = shOff + (long) SHDR * shnum;
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("object of " + total + " bytes: use more objects");
        }
        ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);

        // ELF header.
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        b.putShort(16, (short) 1);                  // ET_REL
        b.putShort(18, (short) 62);                 // EM_X86_64
        b.putInt(20, 1);
        b.putLong(40, shOff);
        b.putShort(52, (short) EHDR);
        b.putShort(58, (short) SHDR);
        b.putShort(60, (short) shnum);
        b.putShort(62, (short) (shnum - 1));        // .shstrtab is last

        int strPos = (int) strtabOff + 1;
        int shstrPos = (int) shstrtabOff + 1;
        for (String s : new String[] {".symtab", ".strtab", ".shstrtab"}) {
            putString(b, shstrPos, s);
            shstrPos += s.length() + 1;
        }
        int symtabName = 1;
        int strtabName = symtabName + ".symtab".length() + 1;
        int shstrtabName = strtabName + ".strtab".length() + 1;

        int rela = (int) relaOff;
        for (int t = 0; t < texts; t++) {
            boolean start = t == k;
            int i = from + t;
            int textSection = 1 + t;
            int relaSection = 1 + texts + t;
            int code = (int) textOff + 16 * t;
            int relas = start ? 1 : SyntheticProgram.RELOCATIONS;
            // Code and relocations.
            if (start) {
                b.put(code, SyntheticProgram.START_CODE);
                putRela(b, rela, 1, symbolOf(0, from, to, undefined));
            } else {
                for (int j = 0; j < SyntheticProgram.RELOCATIONS; j++) {
                    b.put(code + 5 * j, (byte) 0xe8);
                    putRela(b, rela + RELA * j, 5 * j + 1, symbolOf(SyntheticProgram.callee(i, j, n), from, to, undefined));
                }
                b.put(code + 15, (byte) 0xc3);
            }
            // The symbol that defines it.
            int sym = (int) symtabOff + SYM * (1 + t);
            b.putInt(sym, strPos - (int) strtabOff);
            b.put(sym + 4, (byte) 0x12);            // STB_GLOBAL, STT_FUNC
            b.putShort(sym + 6, (short) textSection);
            b.putLong(sym + 16, start ? SyntheticProgram.START_CODE.length : SyntheticProgram.FUNCTION_SIZE);
            strPos = start ? putString(b, strPos, "_start") : putName(b, strPos, i);
            // Section names: ".rela.text.fN", of which ".text.fN" is the tail.
            int relaName = shstrPos - (int) shstrtabOff;
            shstrPos = putString(b, shstrPos, ".rela.text.");
            shstrPos = start ? putString(b, shstrPos - 1, "_start") : putName(b, shstrPos - 1, i);
            putSection(b, shOff, textSection, relaName + 5, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, code,
                    start ? SyntheticProgram.START_CODE.length : SyntheticProgram.FUNCTION_SIZE, 0, 0, 16, 0);
            putSection(b, shOff, relaSection, relaName, SHT_RELA, SHF_INFO_LINK, rela, (long) RELA * relas, symtabIndex,
                    textSection, 8, RELA);
            rela += RELA * relas;
        }
        // Undefined callees, in the order they were numbered.
        int[] byIndex = new int[undefined.size()];
        undefined.int2IntEntrySet().fastForEach(e -> byIndex[e.getIntValue() - firstUndefined] = e.getIntKey());
        for (int u = 0; u < byIndex.length; u++) {
            int sym = (int) symtabOff + SYM * (firstUndefined + u);
            b.putInt(sym, strPos - (int) strtabOff);
            b.put(sym + 4, (byte) 0x10);            // STB_GLOBAL, STT_NOTYPE, SHN_UNDEF
            strPos = putName(b, strPos, byIndex[u]);
        }
        putSection(b, shOff, symtabIndex, symtabName, SHT_SYMTAB, 0, symtabOff, (long) SYM * symbols, symtabIndex + 1, 1, 8, SYM);
        putSection(b, shOff, symtabIndex + 1, strtabName, SHT_STRTAB, 0, strtabOff, strtabSize, 0, 0, 1, 0);
        putSection(b, shOff, symtabIndex + 2, shstrtabName, SHT_STRTAB, 0, shstrtabOff, shstrtabSize, 0, 0, 1, 0);
        return b.array();
    }

    private static int symbolOf(int f, int from, int to, Int2IntOpenHashMap undefined) {
        return f >= from && f < to ? 1 + f - from : undefined.get(f);
    }

    private static void putRela(ByteBuffer b, int at, long offset, int symbol) {
        b.putLong(at, offset);
        b.putLong(at + 8, ((long) symbol << 32) | R_X86_64_PLT32);
        b.putLong(at + 16, -4);
    }

    private static void putSection(ByteBuffer b, long shOff, int index, int name, int type, long flags, long offset, long size,
            int link, int info, long align, long entsize) {
        int h = (int) (shOff + (long) SHDR * index);
        b.putInt(h, name);
        b.putInt(h + 4, type);
        b.putLong(h + 8, flags);
        b.putLong(h + 24, offset);
        b.putLong(h + 32, size);
        b.putInt(h + 40, link);
        b.putInt(h + 44, info);
        b.putLong(h + 48, align);
        b.putLong(h + 56, entsize);
    }

    /** Writes {@code s} and its terminating NUL; {@return the position after them} */
    private static int putString(ByteBuffer b, int at, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        b.put(at, bytes);
        b.put(at + bytes.length, (byte) 0);
        return at + bytes.length + 1;
    }

    /** Writes {@code f<i>} and a NUL without making a string; {@return the position after them} */
    private static int putName(ByteBuffer b, int at, int i) {
        int len = nameLength(i);
        b.put(at, (byte) 'f');
        for (int p = at + len - 1, v = i; p > at; p--, v /= 10) {
            b.put(p, (byte) ('0' + v % 10));
        }
        b.put(at + len, (byte) 0);
        return at + len + 1;
    }

    /** {@return the length of {@code f<i>}} */
    private static int nameLength(int i) {
        return 1 + SyntheticProgram.stringSize(i);
    }

    private static long align(long v, long a) {
        return (v + a - 1) & -a;
    }
}
