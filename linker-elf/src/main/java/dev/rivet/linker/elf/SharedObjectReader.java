package dev.rivet.linker.elf;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SharedLibrary;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads an ELF shared object ({@code ET_DYN}) as an input: its dynamic symbol table, the
 * versions of its definitions ({@code .gnu.version}, {@code .gnu.version_d}) and its
 * {@code DT_SONAME}. A symbol defined under several versions is offered under its name for its
 * default version (the {@code @@} one), as references without a version bind to it, and under
 * {@code name@VER} for each hidden, non-default version, which a program's {@code .symver}
 * reference names.
 */
final class SharedObjectReader {
    private static final int SHT_DYNSYM = 11;
    private static final int SHT_DYNAMIC = 6;
    private static final int SHT_GNU_VERSYM = 0x6fffffff;
    private static final int SHT_GNU_VERDEF = 0x6ffffffd;
    private static final int PT_GNU_RELRO = 0x6474e552;
    private static final int DT_SONAME = 14;
    private static final int VER_FLG_BASE = 1;
    private static final int MAX_VERSIONS = 0x7fff;

    private final ElfBytes in;

    private SharedObjectReader(String name, ByteBuffer data) {
        this.in = new ElfBytes(name, data);
    }

    /**
     * Reads a shared object and adds it to the link.
     *
     * @param linker the linker
     * @param name the file's name for messages; its last component is the default soname
     * @param data its bytes
     * @param asNeeded whether it is needed only when used
     */
    static void read(CoreLinker linker, String name, ByteBuffer data, boolean asNeeded) {
        new SharedObjectReader(name, data).read(linker, asNeeded);
    }

    private void read(CoreLinker linker, boolean asNeeded) {
        in.require(0, 64, "the ELF header");
        int machine = in.u16(18);
        int want = linker.target().architecture() == Architecture.X86_64 ? Elf.EM_X86_64 : Elf.EM_AARCH64;
        if (machine != want) {
            throw in.error(18, "is for " + ObjectReader.machineName(machine) + ", but the link is for " + linker.target());
        }
        long shoff = in.u64(40);
        int shentsize = in.u16(58);
        int shnum = in.u16(60);
        if (shoff == 0 || shnum == 0) {
            throw in.error(40, "shared object has no section headers, so its dynamic symbols cannot be found");
        }
        if (shentsize != Elf.SHDR_SIZE) {
            throw in.error(58, "section header size is " + shentsize + ", not " + Elf.SHDR_SIZE);
        }
        if (!in.fits(shoff, (long) shnum * Elf.SHDR_SIZE)) {
            in.require(shoff, (long) shnum * Elf.SHDR_SIZE, "the section header table (" + shnum + " entries)");
        }
        int dynsym = -1;
        int dynamic = -1;
        int versym = -1;
        int verdef = -1;
        for (int i = 0; i < shnum; i++) {
            int type = (int) in.u32(header(shoff, i) + 4);
            switch (type) {
                case SHT_DYNSYM -> dynsym = i;
                case SHT_DYNAMIC -> dynamic = i;
                case SHT_GNU_VERSYM -> versym = i;
                case SHT_GNU_VERDEF -> verdef = i;
                default -> { }
            }
        }
        if (dynsym < 0) {
            throw in.error(shoff, "shared object has no dynamic symbol table (.dynsym)");
        }
        long symOff = offset(shoff, dynsym);
        long symSize = size(shoff, dynsym);
        int strIndex = (int) in.u32(header(shoff, dynsym) + 40);
        if (strIndex <= 0 || strIndex >= shnum) {
            throw in.error(header(shoff, dynsym) + 40, ".dynsym's string table index " + strIndex + " is out of range");
        }
        long strOff = offset(shoff, strIndex);
        long strSize = size(shoff, strIndex);
        if (symSize % Elf.SYM_SIZE != 0) {
            throw in.error(header(shoff, dynsym) + 32, ".dynsym's size " + symSize + " is not a multiple of " + Elf.SYM_SIZE);
        }
        int count = (int) (symSize / Elf.SYM_SIZE);
        String[] versions = verdef < 0 ? new String[0] : readVersions(offset(shoff, verdef), size(shoff, verdef), strOff, strSize);
        long versymOff = -1;
        if (versym >= 0) {
            versymOff = offset(shoff, versym);
            if (size(shoff, versym) < 2L * count) {
                throw in.error(header(shoff, versym) + 32, ".gnu.version has " + size(shoff, versym) / 2
                        + " entries for " + count + " dynamic symbols");
            }
        }
        String soname = dynamic < 0 ? null : readSoname(offset(shoff, dynamic), size(shoff, dynamic), strOff, strSize);
        if (soname == null) {
            String n = in.name;
            int slash = n.lastIndexOf('/');
            soname = slash >= 0 ? n.substring(slash + 1) : n;
        }

        long[] readOnly = readOnlyRanges();
        SharedLibrary lib = new SharedLibrary(in.name, soname, asNeeded, count);
        linker.symbolLoader().symbols.addFile(lib);
        int[] nameOffset = new int[count];
        int[] nameLength = new int[count];
        // Non-default versions are offered as name@VER, which no string table holds: (slot, version) pairs.
        it.unimi.dsi.fastutil.ints.IntArrayList hidden = new it.unimi.dsi.fastutil.ints.IntArrayList();
        int n = 0;
        for (int i = 1; i < count; i++) {
            long e = symOff + (long) i * Elf.SYM_SIZE;
            int info = in.u8(e + 4);
            int bind = info >> 4;
            int type = info & 0xf;
            int other = in.u8(e + 5);
            int shndx = in.u16(e + 6);
            if (bind == Elf.STB_LOCAL) {
                continue;
            }
            long nameIndex = in.u32(e);
            int len = in.nameLength(strOff, strSize, nameIndex, "dynamic symbol", i);
            if (len == 0) {
                continue;
            }
            if (shndx == 0) {
                byte[] name = new byte[len];
                in.buf.get((int) (strOff + nameIndex), name);
                lib.undefinedNames.add(name);
                continue;
            }
            String version = null;
            boolean hiddenVersion = false;
            int index = 1;
            if (versymOff >= 0) {
                int v = in.u16(versymOff + 2L * i);
                index = v & 0x7fff;
                hiddenVersion = (v & 0x8000) != 0;
                if (index == 0 || (hiddenVersion && index == 1)) {
                    continue; // local, or hidden without a version
                }
                if (index >= 2) {
                    if (index >= versions.length || versions[index] == null) {
                        throw in.error(versymOff + 2L * i, "dynamic symbol " + i + " has version index " + index
                                + ", which .gnu.version_d does not define");
                    }
                    version = versions[index];
                }
            }
            SymbolKind kind = switch (type) {
                case Elf.STT_FUNC, Elf.STT_GNU_IFUNC -> SymbolKind.TEXT;
                case Elf.STT_TLS -> SymbolKind.TLS_DATA;
                default -> SymbolKind.DATA;
            };
            int flags = bind == Elf.STB_WEAK ? InputFile.WEAK : 0;
            long value = in.u64(e + 8);
            int l = lib.addExport(kind, flags, value, in.u64(e + 16), version, (other & 3) == 3);
            if (kind == SymbolKind.DATA && inRanges(readOnly, value)) {
                lib.markReadOnly(l);
            }
            nameOffset[n] = (int) (strOff + nameIndex);
            nameLength[n] = len;
            if (hiddenVersion) {
                hidden.add(n);
                hidden.add(index);
            }
            n++;
        }
        if (hidden.isEmpty()) {
            linker.addInput(lib, in.buf, Arrays.copyOf(nameOffset, n), Arrays.copyOf(nameLength, n));
            return;
        }
        linker.addInput(lib, withHiddenVersionNames(strOff, strSize, versions, hidden, n, nameOffset, nameLength),
                Arrays.copyOf(nameOffset, n), Arrays.copyOf(nameLength, n));
    }

    /**
     * A copy of the string table followed by {@code name@VER} for each non-default version, with
     * the names' offsets moved into it: a program refers to such a definition by that name
     * ({@code .symver}), as GNU ld binds it.
     */
    private ByteBuffer withHiddenVersionNames(long strOff, long strSize, String[] versions,
            it.unimi.dsi.fastutil.ints.IntArrayList hidden, int n, int[] nameOffset, int[] nameLength) {
        long extra = 0;
        byte[][] suffix = new byte[hidden.size() / 2][];
        for (int k = 0; k < suffix.length; k++) {
            suffix[k] = ("@" + versions[hidden.getInt(2 * k + 1)]).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            extra += nameLength[hidden.getInt(2 * k)] + suffix[k].length;
        }
        if (strSize + extra > Integer.MAX_VALUE) {
            throw in.error(strOff, "the dynamic string table and versioned names exceed 2 GiB");
        }
        ByteBuffer names = ByteBuffer.allocate((int) (strSize + extra));
        names.put(0, in.buf, (int) strOff, (int) strSize);
        int at = (int) strSize;
        int k = 0;
        for (int slot = 0; slot < n; slot++) {
            int old = nameOffset[slot];
            nameOffset[slot] = (int) (old - strOff);
            if (k < suffix.length && hidden.getInt(2 * k) == slot) {
                names.put(at, in.buf, old, nameLength[slot]);
                names.put(at + nameLength[slot], suffix[k]);
                nameOffset[slot] = at;
                nameLength[slot] += suffix[k].length;
                at += nameLength[slot];
                k++;
            }
        }
        return names;
    }

    /**
     * {@return the address ranges (start, end pairs) that are read-only once the library is loaded:
     * its PT_LOAD segments without write permission and its PT_GNU_RELRO range, as lld decides
     * where a copy of the library's data goes}
     */
    private long[] readOnlyRanges() {
        long phoff = in.u64(32);
        int phentsize = in.u16(54);
        int phnum = in.u16(56);
        if (phnum == 0) {
            return new long[0];
        }
        if (phentsize != Elf.PHDR_SIZE) {
            throw in.error(54, "program header size is " + phentsize + ", not " + Elf.PHDR_SIZE);
        }
        if (!in.fits(phoff, (long) phnum * Elf.PHDR_SIZE)) {
            in.require(phoff, (long) phnum * Elf.PHDR_SIZE, "the program header table (" + phnum + " entries)");
        }
        long[] ranges = new long[2 * phnum];
        int n = 0;
        for (int i = 0; i < phnum; i++) {
            long h = phoff + (long) i * Elf.PHDR_SIZE;
            long type = in.u32(h);
            boolean writable = (in.u32(h + 4) & Elf.PF_W) != 0;
            if ((type == Elf.PT_LOAD && !writable) || type == PT_GNU_RELRO) {
                long start = in.u64(h + 16);
                ranges[n++] = start;
                ranges[n++] = start + in.u64(h + 40);
            }
        }
        return Arrays.copyOf(ranges, n);
    }

    private static boolean inRanges(long[] ranges, long value) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (Long.compareUnsigned(value, ranges[i]) >= 0 && Long.compareUnsigned(value, ranges[i + 1]) < 0) {
                return true;
            }
        }
        return false;
    }

    /** {@return version names by index from {@code .gnu.version_d}; the base version (the soname) is null} */
    private String[] readVersions(long off, long size, long strOff, long strSize) {
        String[] names = new String[2];
        long p = off;
        for (int k = 0; k < MAX_VERSIONS; k++) {
            in.require(p, 20, "version definition");
            if (p + 20 > off + size) {
                throw in.error(p, "version definition extends past .gnu.version_d");
            }
            int flags = in.u16(p + 2);
            int index = in.u16(p + 4) & 0x7fff;
            long aux = in.u32(p + 12);
            long next = in.u32(p + 16);
            in.require(p + aux, 8, "version definition name");
            String name = in.string(strOff, strSize, in.u32(p + aux), "version definition", index);
            if (index >= names.length) {
                names = Arrays.copyOf(names, Math.max(index + 1, names.length * 2));
            }
            names[index] = (flags & VER_FLG_BASE) != 0 ? null : name;
            if (next == 0) {
                return names;
            }
            p += next;
        }
        throw in.error(off, ".gnu.version_d has more than " + MAX_VERSIONS + " entries");
    }

    private String readSoname(long off, long size, long strOff, long strSize) {
        for (long p = off; p + 16 <= off + size; p += 16) {
            long tag = in.u64(p);
            if (tag == 0) {
                break;
            }
            if (tag == DT_SONAME) {
                return in.string(strOff, strSize, in.u64(p + 8), "DT_SONAME");
            }
        }
        return null;
    }

    private static long header(long shoff, int i) {
        return shoff + (long) i * Elf.SHDR_SIZE;
    }

    private long offset(long shoff, int i) {
        long off = in.u64(header(shoff, i) + 24);
        long size = in.u64(header(shoff, i) + 32);
        in.require(off, size, "section", i);
        return off;
    }

    private long size(long shoff, int i) {
        return in.u64(header(shoff, i) + 32);
    }
}
