package dev.rivet.linker.macho;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.arch.Arm64;
import dev.rivet.linker.core.arch.X86_64;
import dev.rivet.linker.core.input.InputBytes;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.MergeTable;
import dev.rivet.linker.core.symbols.MergedPieces;
import dev.rivet.linker.core.symbols.SymbolLoader;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a 64-bit little-endian Mach-O relocatable object ({@code MH_OBJECT}, arm64 or x86_64)
 * from its mapped bytes into a {@link MachOObjectFile}: sections become atoms (split at symbols
 * when the object has {@code MH_SUBSECTIONS_VIA_SYMBOLS}), {@code __cstring} and literal sections
 * are deduplicated through the core's merge tables, symbols keep their nlist index as local index,
 * and relocations become the core's operations. Every field is range-checked; a malformed object
 * is a {@link dev.rivet.linker.LinkException} naming the file, the offset and the reason.
 *
 * <p>Reading is two steps, so that objects and archive members can be parsed in parallel:
 * {@link #parse} decodes and checks everything (the symbols, where sections are cut into atoms,
 * the literals' pieces, the relocations, against the file's local atoms and symbols) and hashes
 * the names, touching nothing shared; {@link #bind} then, in input order, adds the atoms, interns
 * the literals, points the symbols and relocation runs at what they became, and binds the
 * globals.
 *
 * <p>Dropped, for now: debug sections ({@code S_ATTR_DEBUG}, the {@code __DWARF} segment),
 * {@code __LD,__compact_unwind}, {@code __TEXT,__eh_frame} and the {@code __LLVM} segment. Unwind
 * information will need the first two read back when the Mach-O writer makes
 * {@code __unwind_info}.
 */
final class MachOObjectReader {
    static final int MH_MAGIC_64 = 0xfeedfacf;
    private static final int MH_CIGAM_64 = 0xcffaedfe;
    private static final int MH_MAGIC = 0xfeedface;
    private static final int MH_CIGAM = 0xcefaedfe;
    private static final int FAT_MAGIC = 0xcafebabe;
    private static final int FAT_CIGAM = 0xbebafeca;
    static final int CPU_TYPE_X86_64 = 0x01000007;
    static final int CPU_TYPE_ARM64 = 0x0100000c;
    private static final int MH_OBJECT = 1;
    static final int MH_DYLIB = 6;
    static final int MH_SUBSECTIONS_VIA_SYMBOLS = 0x2000;
    static final int HEADER_SIZE = 32;

    private static final int LC_SEGMENT = 0x1;
    static final int LC_SYMTAB = 0x2;
    static final int LC_SEGMENT_64 = 0x19;
    static final int SEGMENT_SIZE = 72;
    static final int SECTION_SIZE = 80;
    private static final int NLIST_SIZE = 16;

    // Section types (flags & SECTION_TYPE) and attributes.
    private static final int SECTION_TYPE = 0xff;
    private static final int S_REGULAR = 0x0;
    private static final int S_ZEROFILL = 0x1;
    private static final int S_CSTRING_LITERALS = 0x2;
    private static final int S_4BYTE_LITERALS = 0x3;
    private static final int S_8BYTE_LITERALS = 0x4;
    private static final int S_LITERAL_POINTERS = 0x5;
    private static final int S_NON_LAZY_SYMBOL_POINTERS = 0x6;
    private static final int S_LAZY_SYMBOL_POINTERS = 0x7;
    private static final int S_SYMBOL_STUBS = 0x8;
    private static final int S_MOD_INIT_FUNC_POINTERS = 0x9;
    private static final int S_MOD_TERM_FUNC_POINTERS = 0xa;
    private static final int S_COALESCED = 0xb;
    private static final int S_GB_ZEROFILL = 0xc;
    private static final int S_INTERPOSING = 0xd;
    private static final int S_16BYTE_LITERALS = 0xe;
    private static final int S_DTRACE_DOF = 0xf;
    private static final int S_LAZY_DYLIB_SYMBOL_POINTERS = 0x10;
    private static final int S_THREAD_LOCAL_REGULAR = 0x11;
    private static final int S_THREAD_LOCAL_ZEROFILL = 0x12;
    private static final int S_THREAD_LOCAL_VARIABLES = 0x13;
    private static final int S_THREAD_LOCAL_VARIABLE_POINTERS = 0x14;
    private static final int S_THREAD_LOCAL_INIT_FUNCTION_POINTERS = 0x15;
    private static final int S_INIT_FUNC_OFFSETS = 0x16;
    static final int S_ATTR_PURE_INSTRUCTIONS = 0x80000000;
    private static final int S_ATTR_NO_DEAD_STRIP = 0x10000000;
    private static final int S_ATTR_DEBUG = 0x02000000;
    static final int S_ATTR_SOME_INSTRUCTIONS = 0x400;

    // nlist n_type and n_desc bits.
    private static final int N_STAB = 0xe0;
    private static final int N_PEXT = 0x10;
    private static final int N_TYPE = 0x0e;
    private static final int N_EXT = 0x01;
    private static final int N_UNDF = 0x0;
    private static final int N_ABS = 0x2;
    private static final int N_SECT = 0xe;
    private static final int N_PBUD = 0xc;
    private static final int N_INDR = 0xa;
    private static final int REFERENCED_DYNAMICALLY = 0x10;
    private static final int N_NO_DEAD_STRIP = 0x20;
    private static final int N_WEAK_REF = 0x40;
    private static final int N_WEAK_DEF = 0x80;
    private static final int N_ALT_ENTRY = 0x200;

    // Relocation types.
    private static final int ARM64_RELOC_UNSIGNED = 0;
    private static final int ARM64_RELOC_SUBTRACTOR = 1;
    private static final int ARM64_RELOC_BRANCH26 = 2;
    private static final int ARM64_RELOC_PAGE21 = 3;
    private static final int ARM64_RELOC_PAGEOFF12 = 4;
    private static final int ARM64_RELOC_GOT_LOAD_PAGE21 = 5;
    private static final int ARM64_RELOC_GOT_LOAD_PAGEOFF12 = 6;
    private static final int ARM64_RELOC_POINTER_TO_GOT = 7;
    private static final int ARM64_RELOC_TLVP_LOAD_PAGE21 = 8;
    private static final int ARM64_RELOC_TLVP_LOAD_PAGEOFF12 = 9;
    private static final int ARM64_RELOC_ADDEND = 10;
    private static final int X86_64_RELOC_UNSIGNED = 0;
    private static final int X86_64_RELOC_SIGNED = 1;
    private static final int X86_64_RELOC_BRANCH = 2;
    private static final int X86_64_RELOC_GOT_LOAD = 3;
    private static final int X86_64_RELOC_GOT = 4;
    private static final int X86_64_RELOC_SUBTRACTOR = 5;
    private static final int X86_64_RELOC_SIGNED_1 = 6;
    private static final int X86_64_RELOC_SIGNED_4 = 8;
    private static final int X86_64_RELOC_TLV = 9;

    private static final String[] ARM64_TYPES = {
        "ARM64_RELOC_UNSIGNED", "ARM64_RELOC_SUBTRACTOR", "ARM64_RELOC_BRANCH26", "ARM64_RELOC_PAGE21",
        "ARM64_RELOC_PAGEOFF12", "ARM64_RELOC_GOT_LOAD_PAGE21", "ARM64_RELOC_GOT_LOAD_PAGEOFF12",
        "ARM64_RELOC_POINTER_TO_GOT", "ARM64_RELOC_TLVP_LOAD_PAGE21", "ARM64_RELOC_TLVP_LOAD_PAGEOFF12",
        "ARM64_RELOC_ADDEND", "ARM64_RELOC_AUTHENTICATED_POINTER",
    };
    private static final String[] X86_64_TYPES = {
        "X86_64_RELOC_UNSIGNED", "X86_64_RELOC_SIGNED", "X86_64_RELOC_BRANCH", "X86_64_RELOC_GOT_LOAD",
        "X86_64_RELOC_GOT", "X86_64_RELOC_SUBTRACTOR", "X86_64_RELOC_SIGNED_1", "X86_64_RELOC_SIGNED_2",
        "X86_64_RELOC_SIGNED_4", "X86_64_RELOC_TLV",
    };

    /** What becomes of an input section. */
    private static final int DROPPED = 0;
    private static final int ATOMS = 1;
    private static final int MERGED = 2;

    private final InputBytes in;
    private final CoreLinker linker;
    private final SymbolLoader loader;
    private final boolean x86;

    private int flags;

    // Sections, in n_sect order (n_sect = index + 1).
    private int nsect;
    private long[] secHeader = new long[8];
    private String[] secName = new String[8];
    private int[] secNameOffset = new int[8];
    private int[] secNameLength = new int[8];
    private long[] secAddr = new long[8];
    private long[] secSize = new long[8];
    private long[] secOffset = new long[8];
    private int[] secAlign = new int[8];
    private long[] secReloff = new long[8];
    private long[] secNreloc = new long[8];
    private int[] secFlags = new int[8];

    private int[] fate;
    private SymbolKind[] kind;
    /** Per section: whether its atoms are roots of dead-stripping (initializers). */
    private boolean[] root;
    /** Per loaded section: where its atoms start (offsets in the section), and its first atom (a local one, see below). */
    private long[][] atomStart;
    private int[] firstAtom;
    /** Per merged section: its pieces, and the key of its merge table. */
    private MergedPieces[] pieces;
    private String[] mergeKey;

    /**
     * The file's atoms as parse plans them, by local index (the order {@code ObjectFile.addSection}
     * will number them in: each loaded section's pieces, then the common symbols): the input
     * section (-1 for a common symbol), alignment, file offset and size. Until the file is bound,
     * its symbols' {@code symAtom} is such a local atom + 1, or {@code -(section + 1)} for a
     * place in a merged section's table (whose value is then still the offset in the section).
     */
    private int atomCount;
    private int[] atomSection = new int[16];
    private int[] atomAlign = new int[16];
    private long[] atomSource = new long[16];
    private long[] atomSize = new long[16];
    /** Per local atom: its relocations' run in the file's table. */
    private int[] atomRelFirst;
    private int[] atomRelCount;

    // The symbol table.
    private long symoff;
    private int nsyms;
    private long stroff;
    private long strsize;
    private int[] symNameOffset;
    private int[] symNameLength;
    /** Each nlist entry's name hash, and the global symbol with that name when parsed (0 if none). */
    private int[] nameHash;
    private int[] nameFound;
    /** Symbols made for places relocations name by section and address, per local atom; and per merged section. */
    private int[] atomSymbol;
    private int[] mergedSymbol;
    private final IntArrayList kept = new IntArrayList();
    /** Relocations by address into a merged section, whose addends are mapped to the table when bound: relocation, section, offset in it. */
    private final IntArrayList mergedTargetReloc = new IntArrayList();
    private final IntArrayList mergedTargetSection = new IntArrayList();
    private final LongArrayList mergedTargetOffset = new LongArrayList();

    private MachOObjectFile file;

    private MachOObjectReader(CoreLinker linker, String name, ByteBuffer data) {
        this.in = new InputBytes(name, data);
        this.linker = linker;
        this.loader = linker.symbolLoader();
        this.x86 = linker.target().architecture() == Architecture.X86_64;
    }

    /**
     * Reads an object into the linker.
     *
     * @param linker the linker
     * @param name the file's name for messages
     * @param data its bytes, little-endian, from index 0
     * @param order its layout position among the inputs, or -1 for the next one
     */
    static void read(CoreLinker linker, String name, ByteBuffer data, long order) {
        parse(linker, name, data).bind(order);
    }

    /**
     * Parses what does not depend on other inputs (the header, the load commands, the symbols and
     * their names' hashes, the globals already in the table, how sections are cut into atoms and
     * literals, the relocations), touching nothing shared, so that objects and archive members can
     * be parsed in parallel; {@return what binds the object in input order} An error is thrown
     * when it is bound.
     */
    static dev.rivet.linker.core.symbols.ParsedInput parse(CoreLinker linker, String name, ByteBuffer data) {
        MachOObjectReader r = new MachOObjectReader(linker, name, data);
        return dev.rivet.linker.core.symbols.ParsedInput.deferringErrors(r::parse, r::bind);
    }

    private void parse() {
        readHeader();
        readLoadCommands();
        readNames();
        file = new MachOObjectFile(in.name, in.buf, loader.atoms);
        file.ensureSymbolCapacity(nsyms + 16);
        planAtoms();
        readSymbols();
        atomSymbol = new int[atomCount];
        Arrays.fill(atomSymbol, -1);
        for (int i = 0; i < nsect; i++) {
            if (fate[i] == ATOMS && (secFlags[i] & S_ATTR_NO_DEAD_STRIP) != 0) {
                for (int k = 0; k < atomStart[i].length; k++) {
                    kept.add(symbolForAtom(i, firstAtom[i] + k));
                }
            }
        }
        atomRelFirst = new int[atomCount];
        atomRelCount = new int[atomCount];
        long total = 0; // relocation tables lie within the file (checked), so this is no bogus size
        for (int i = 0; i < nsect; i++) {
            total += fate[i] == ATOMS ? secNreloc[i] : 0;
        }
        file.relocs.ensureCapacity((int) Math.min(Integer.MAX_VALUE, total));
        for (int i = 0; i < nsect; i++) {
            if (secNreloc[i] != 0 && fate[i] != DROPPED) {
                readRelocations(i);
            }
        }
    }

    /** The symbols' names (none for debugging entries and for strx 0), their hashes, and the globals already known. */
    private void readNames() {
        symNameOffset = new int[nsyms + 16];
        symNameLength = new int[nsyms + 16];
        nameHash = new int[nsyms];
        nameFound = loader.parseMayFindNames() ? new int[nsyms] : null;
        for (int l = 0; l < nsyms; l++) {
            long e = symoff + (long) l * NLIST_SIZE;
            long strx = in.u32(e);
            int type = in.u8(e + 4);
            if ((type & N_STAB) == 0 && strx != 0) {
                symNameLength[l] = in.nameLength(stroff, strsize, strx, "symbol", l);
                symNameOffset[l] = (int) (stroff + strx);
            }
            nameHash[l] = dev.rivet.linker.core.symbols.ByteHash.of(in.buf, symNameOffset[l], symNameLength[l]);
            if ((type & N_STAB) == 0 && (type & N_EXT) != 0 && nameFound != null) {
                nameFound[l] = loader.symbols.find(in.buf, symNameOffset[l], symNameLength[l], nameHash[l]);
            }
        }
    }

    /**
     * Adds the parsed object to the linker's tables: its atoms, its literals to the merge tables,
     * then its symbols and relocations (pointed at those atoms) and its globals to the symbol
     * table.
     */
    private void bind(long order) {
        file.order = order;
        loader.symbols.addFile(file);
        int[] atom = new int[atomCount];
        int[] mergedAtom = new int[nsect];
        for (int i = 0; i < nsect; i++) {
            if (fate[i] == DROPPED) {
                continue;
            }
            int output = loader.sections.intern(secName[i], kind[i], secFlags[i] & SECTION_TYPE, secFlags[i] & ~SECTION_TYPE, root[i]);
            if (fate[i] == MERGED) {
                MergeTable table = loader.mergeTable(mergeKey[i], output, 1 << secAlign[i]);
                pieces[i].internInto(table, in.buf, secOffset[i]);
                mergedAtom[i] = table.atom;
                continue;
            }
            for (int a = firstAtom[i], end = a + atomStart[i].length; a < end; a++) {
                atom[a] = file.addSection(kind[i], output, atomAlign[a], atomSource[a], atomSize[a]);
            }
        }
        for (int a = 0; a < atomCount; a++) {
            if (atomSection[a] < 0) {
                int output = loader.sections.intern("__DATA,__common", SymbolKind.BSS, S_ZEROFILL, 0, false);
                atom[a] = file.addSection(SymbolKind.BSS, output, atomAlign[a], 0, atomSize[a]);
            }
        }
        int[] symAtom = file.symAtom;
        for (int l = 0, n = file.symCount; l < n; l++) {
            int a = symAtom[l];
            if (a > 0) {
                symAtom[l] = atom[a - 1];
            } else if (a < 0) {
                int i = -a - 1;
                symAtom[l] = mergedAtom[i];
                if (l < nsyms) { // a symbol in the section; the section's own symbol stands for the table's start
                    file.setValueAndSize(l, pieces[i].offsetOf(file.value(l)), 0);
                }
            }
        }
        for (int a = 0; a < atomCount; a++) {
            if (atomRelCount[a] != 0) {
                file.attachRelocations(atom[a], atomRelFirst[a], atomRelCount[a]);
            }
        }
        for (int k = 0; k < mergedTargetReloc.size(); k++) {
            int r = mergedTargetReloc.getInt(k);
            int j = mergedTargetSection.getInt(k);
            long off = mergedTargetOffset.getLong(k);
            if (off >= 0 && off < secSize[j]) {
                file.relocs.setAddend(r, file.relocs.addend(r) - off + pieces[j].offsetOf(off));
            }
        }
        int n = file.symCount;
        linker.addInput(file, in.buf, Arrays.copyOf(symNameOffset, n), Arrays.copyOf(symNameLength, n), nameHash, nameFound, () -> {
            for (int k = 0; k < kept.size(); k++) {
                loader.symbols.keep.set(file.localToGlobal[kept.getInt(k)]);
            }
        });
    }

    // ------------------------------------------------------------------ header and load commands

    private void readHeader() {
        int type = fileType(in, linker.target());
        if (type != MH_OBJECT) {
            String what = switch (type) {
                case 2 -> "an executable (MH_EXECUTE)";
                case MH_DYLIB -> "a dynamic library (MH_DYLIB)";
                case 8 -> "a bundle (MH_BUNDLE)";
                default -> "Mach-O file type " + type;
            };
            throw in.error(12, "is " + what + ", not a relocatable object (MH_OBJECT)");
        }
        flags = in.buf.getInt(24);
    }

    /**
     * Checks a Mach-O header's magic (64-bit little-endian, not universal) and CPU (the link's).
     *
     * @param in the file
     * @param target the link's target
     * @return the file type ({@code MH_OBJECT}, {@code MH_DYLIB}...)
     */
    static int fileType(InputBytes in, dev.rivet.linker.Target target) {
        if (in.size >= 4) {
            int magic = in.buf.getInt(0);
            if (magic == FAT_MAGIC || magic == FAT_CIGAM) {
                throw in.error(0, "is a universal (fat) file; give the linker the slice for one architecture (lipo -thin)");
            }
            if (magic == MH_MAGIC || magic == MH_CIGAM) {
                throw in.error(0, "is a 32-bit Mach-O file; only 64-bit objects are read");
            }
            if (magic == MH_CIGAM_64) {
                throw in.error(0, "is a big-endian Mach-O file; only little-endian objects are read");
            }
            if (magic != MH_MAGIC_64) {
                throw in.error(0, "not a Mach-O file (magic 0x" + Integer.toHexString(magic) + ", expected 0xfeedfacf)");
            }
        }
        in.require(0, HEADER_SIZE, "the Mach-O header");
        int cpu = in.buf.getInt(4);
        int want = target.architecture() == Architecture.X86_64 ? CPU_TYPE_X86_64 : CPU_TYPE_ARM64;
        if (cpu != want) {
            throw in.error(4, "is for " + cpuName(cpu) + ", but the link is for " + target);
        }
        return in.buf.getInt(12);
    }

    private void readLoadCommands() {
        boolean[] symtab = {false};
        forEachLoadCommand(in, (cmd, off, cmdsize) -> {
            switch (cmd) {
                case LC_SEGMENT_64 -> readSegment(off, cmdsize);
                case LC_SEGMENT -> throw in.error(off, "32-bit LC_SEGMENT in a 64-bit object");
                case LC_SYMTAB -> {
                    if (symtab[0]) {
                        throw in.error(off, "a second LC_SYMTAB");
                    }
                    symtab[0] = true;
                    readSymtabCommand(off, cmdsize);
                }
                default -> { } // build version, data in code, linker options...: not needed to link
            }
        });
    }

    /** What to do with one load command: its type, its offset in the file and its size. */
    @FunctionalInterface
    interface LoadCommandVisitor {
        void visit(int cmd, long offset, long size);
    }

    /**
     * Walks the load commands after a checked header, each checked to lie within
     * {@code sizeofcmds} and to have a size that is a positive multiple of 8.
     */
    static void forEachLoadCommand(InputBytes in, LoadCommandVisitor visitor) {
        long ncmds = in.u32(16);
        long sizeofcmds = in.u32(20);
        if (sizeofcmds > in.size - HEADER_SIZE) {
            throw in.error(20, "the load commands (" + sizeofcmds + " bytes) extend past the end of the file (" + in.size + " bytes)");
        }
        if (ncmds > sizeofcmds / 8) {
            throw in.error(16, "the header says " + ncmds + " load commands, more than " + sizeofcmds + " bytes of them can hold");
        }
        long off = HEADER_SIZE;
        long end = HEADER_SIZE + sizeofcmds;
        for (long c = 0; c < ncmds; c++) {
            if (end - off < 8) {
                throw in.error(off, "load command " + c + " starts past the end of the load commands (at offset 0x" + Long.toHexString(end) + ")");
            }
            int cmd = in.buf.getInt((int) off);
            long cmdsize = in.u32(off + 4);
            if (cmdsize < 8 || cmdsize % 8 != 0 || cmdsize > end - off) {
                throw in.error(off + 4, "load command " + c + " (cmd 0x" + Integer.toHexString(cmd) + ") has size " + cmdsize
                        + (cmdsize > end - off ? ", which runs past the end of the load commands (" + (end - off) + " bytes left)"
                                : ", which is not a positive multiple of 8"));
            }
            visitor.visit(cmd, off, cmdsize);
            off += cmdsize;
        }
    }

    private void readSegment(long off, long cmdsize) {
        if (cmdsize < SEGMENT_SIZE) {
            throw in.error(off + 4, "LC_SEGMENT_64 has size " + cmdsize + ", less than the " + SEGMENT_SIZE + " of its header");
        }
        long n = in.u32(off + 64);
        if (SEGMENT_SIZE + n * SECTION_SIZE != cmdsize) {
            throw in.error(off + 64, "LC_SEGMENT_64 says it has " + n + " sections, which do not fill its " + cmdsize + " bytes");
        }
        if (nsect + n > 255) {
            throw in.error(off + 64, "more than 255 sections: a symbol's n_sect cannot name them");
        }
        for (int k = 0; k < n; k++) {
            addSection(off + SEGMENT_SIZE + (long) k * SECTION_SIZE);
        }
    }

    private void addSection(long h) {
        if (nsect == secHeader.length) {
            int c = nsect * 2;
            secHeader = Arrays.copyOf(secHeader, c);
            secName = Arrays.copyOf(secName, c);
            secNameOffset = Arrays.copyOf(secNameOffset, c);
            secNameLength = Arrays.copyOf(secNameLength, c);
            secAddr = Arrays.copyOf(secAddr, c);
            secSize = Arrays.copyOf(secSize, c);
            secOffset = Arrays.copyOf(secOffset, c);
            secAlign = Arrays.copyOf(secAlign, c);
            secReloff = Arrays.copyOf(secReloff, c);
            secNreloc = Arrays.copyOf(secNreloc, c);
            secFlags = Arrays.copyOf(secFlags, c);
        }
        int i = nsect++;
        secHeader[i] = h;
        secNameOffset[i] = (int) h;
        secNameLength[i] = fixedLength(h);
        secName[i] = fixedString(h + 16) + "," + fixedString(h);
        secAddr[i] = in.u64(h + 32);
        secSize[i] = in.u64(h + 40);
        secOffset[i] = in.u32(h + 48);
        secAlign[i] = in.buf.getInt((int) h + 52);
        secReloff[i] = in.u32(h + 56);
        secNreloc[i] = in.u32(h + 60);
        secFlags[i] = in.buf.getInt((int) h + 64);
        if (secSize[i] < 0 || secSize[i] > Integer.MAX_VALUE) {
            throw in.error(h + 40, "section " + secName[i] + " has size 0x" + Long.toHexString(secSize[i]) + ", more than 2 GiB");
        }
        if (secAddr[i] < 0 || secAddr[i] + secSize[i] < 0) {
            throw in.error(h + 32, "section " + secName[i] + " has address 0x" + Long.toHexString(secAddr[i]) + ", which leaves no room for its "
                    + secSize[i] + " bytes");
        }
        if (secAlign[i] < 0 || secAlign[i] > 30) {
            throw in.error(h + 52, "section " + secName[i] + " has alignment 2^" + Integer.toUnsignedString(secAlign[i]) + ", more than 2^30");
        }
        if (!isZerofill(i)) {
            if (!in.fits(secOffset[i], secSize[i])) {
                in.require(secOffset[i], secSize[i], "the contents of section " + secName[i]);
            }
        }
        if (!in.fits(secReloff[i], secNreloc[i] * 8)) {
            in.require(secReloff[i], secNreloc[i] * 8, "the relocations of section " + secName[i]);
        }
    }

    private void readSymtabCommand(long off, long cmdsize) {
        if (cmdsize != 24) {
            throw in.error(off + 4, "LC_SYMTAB has size " + cmdsize + ", not 24");
        }
        symoff = in.u32(off + 8);
        long n = in.u32(off + 12);
        stroff = in.u32(off + 16);
        strsize = in.u32(off + 20);
        if (!in.fits(symoff, n * NLIST_SIZE)) {
            in.require(symoff, n * NLIST_SIZE, "the symbol table (" + n + " entries)");
        }
        in.require(stroff, strsize, "the string table");
        nsyms = (int) n;
    }

    /** The length of a 16-byte name field, up to its first NUL. */
    private int fixedLength(long off) {
        int len = 0;
        while (len < 16 && in.buf.get((int) (off + len)) != 0) {
            len++;
        }
        return len;
    }

    private String fixedString(long off) {
        byte[] b = new byte[fixedLength(off)];
        in.buf.get((int) off, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private boolean isZerofill(int i) {
        int t = secFlags[i] & SECTION_TYPE;
        return t == S_ZEROFILL || t == S_GB_ZEROFILL || t == S_THREAD_LOCAL_ZEROFILL;
    }

    // ------------------------------------------------------------------ sections and atoms

    /**
     * What each section is and which output section it goes to ({@code __SEGMENT,__section}):
     * dropped, cut into literals, or cut into atoms, planned here and added when bound.
     */
    private void planAtoms() {
        fate = new int[nsect];
        kind = new SymbolKind[nsect];
        root = new boolean[nsect];
        atomStart = new long[nsect][];
        firstAtom = new int[nsect];
        pieces = new MergedPieces[nsect];
        mergeKey = new String[nsect];
        mergedSymbol = new int[nsect];
        Arrays.fill(mergedSymbol, -1);
        long[][] cuts = symbolOffsets();
        for (int i = 0; i < nsect; i++) {
            int type = secFlags[i] & SECTION_TYPE;
            String seg = secName[i].substring(0, secName[i].indexOf(','));
            String sect = secName[i].substring(secName[i].indexOf(',') + 1);
            if ((secFlags[i] & S_ATTR_DEBUG) != 0 || seg.equals("__DWARF") || seg.equals("__LD") || seg.equals("__LLVM")
                    || sect.equals("__compact_unwind") || sect.equals("__eh_frame")) {
                continue; // DROPPED (see the class comment)
            }
            int merge = 0; // piece size; -1 for strings
            SymbolKind k;
            switch (type) {
                case S_ZEROFILL, S_GB_ZEROFILL -> k = SymbolKind.BSS;
                case S_THREAD_LOCAL_ZEROFILL -> k = SymbolKind.TLS_BSS;
                case S_THREAD_LOCAL_REGULAR -> k = SymbolKind.TLS_DATA;
                case S_CSTRING_LITERALS -> {
                    k = SymbolKind.RODATA;
                    merge = -1;
                }
                case S_4BYTE_LITERALS, S_8BYTE_LITERALS, S_16BYTE_LITERALS -> {
                    k = SymbolKind.RODATA;
                    merge = type == S_4BYTE_LITERALS ? 4 : type == S_8BYTE_LITERALS ? 8 : 16;
                }
                case S_MOD_INIT_FUNC_POINTERS, S_MOD_TERM_FUNC_POINTERS, S_THREAD_LOCAL_INIT_FUNCTION_POINTERS, S_INIT_FUNC_OFFSETS -> {
                    k = seg.equals("__TEXT") ? SymbolKind.RODATA : SymbolKind.DATA;
                    root[i] = true;
                }
                case S_THREAD_LOCAL_VARIABLES, S_THREAD_LOCAL_VARIABLE_POINTERS -> k = SymbolKind.DATA;
                case S_REGULAR, S_COALESCED, S_LITERAL_POINTERS, S_INTERPOSING, S_DTRACE_DOF -> {
                    if ((secFlags[i] & (S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS)) != 0) {
                        k = SymbolKind.TEXT;
                    } else {
                        k = seg.equals("__TEXT") ? SymbolKind.RODATA : SymbolKind.DATA;
                    }
                }
                case S_NON_LAZY_SYMBOL_POINTERS, S_LAZY_SYMBOL_POINTERS, S_SYMBOL_STUBS, S_LAZY_DYLIB_SYMBOL_POINTERS ->
                    throw in.error(secHeader[i] + 64, "section " + secName[i] + " has type 0x" + Integer.toHexString(type)
                            + " (symbol pointers or stubs), which a relocatable object should not have; the linker makes them");
                default -> throw in.error(secHeader[i] + 64, "section " + secName[i] + " has unknown section type 0x" + Integer.toHexString(type));
            }
            kind[i] = k;
            int align = 1 << secAlign[i];
            if (merge != 0 && secNreloc[i] == 0 && secSize[i] > 0 && split(i, align, merge)) {
                fate[i] = MERGED;
                continue;
            }
            fate[i] = ATOMS;
            long[] starts = (flags & MH_SUBSECTIONS_VIA_SYMBOLS) != 0 ? cuts[i] : new long[] {0};
            long fileBase = isZerofill(i) ? 0 : secOffset[i];
            firstAtom[i] = atomCount;
            for (int j = 0; j < starts.length; j++) {
                long start = starts[j];
                long end = j + 1 < starts.length ? starts[j + 1] : secSize[i];
                // A piece inside the section keeps the alignment its offset allows.
                int a = start == 0 ? align : (int) Math.min(align, Long.lowestOneBit(start));
                file.noteAtom(addAtom(i, a, fileBase + start, end - start), secName[i], start);
            }
            atomStart[i] = starts;
        }
    }

    /** Plans an atom of section i (-1 for a common symbol); {@return its local index} */
    private int addAtom(int section, int align, long source, long size) {
        if (atomCount == atomSection.length) {
            int n = atomCount * 2;
            atomSection = Arrays.copyOf(atomSection, n);
            atomAlign = Arrays.copyOf(atomAlign, n);
            atomSource = Arrays.copyOf(atomSource, n);
            atomSize = Arrays.copyOf(atomSize, n);
        }
        int a = atomCount++;
        atomSection[a] = section;
        atomAlign[a] = align;
        atomSource[a] = source;
        atomSize[a] = size;
        return a;
    }

    /**
     * Where atoms start in each section with subsections via symbols: at 0 and at every
     * non-debugging symbol defined in it, except alternate entry points (which stay inside the
     * atom before them) and symbols at the section's very end.
     */
    private long[][] symbolOffsets() {
        LongArrayList[] at = new LongArrayList[nsect];
        for (int i = 0; i < nsect; i++) {
            at[i] = new LongArrayList();
            at[i].add(0);
        }
        for (int l = 0; l < nsyms; l++) {
            long e = symoff + (long) l * NLIST_SIZE;
            int type = in.u8(e + 4);
            int sect = in.u8(e + 5);
            int desc = in.u16(e + 6);
            if ((type & N_STAB) != 0 || (type & N_TYPE) != N_SECT || (desc & N_ALT_ENTRY) != 0 || sect < 1 || sect > nsect) {
                continue; // bad ones are reported when symbols are read
            }
            long off = in.u64(e + 8) - secAddr[sect - 1];
            if (off > 0 && off < secSize[sect - 1]) {
                at[sect - 1].add(off);
            }
        }
        long[][] out = new long[nsect][];
        for (int i = 0; i < nsect; i++) {
            long[] v = at[i].toLongArray();
            Arrays.sort(v);
            int n = 0;
            for (int j = 0; j < v.length; j++) {
                if (n == 0 || v[j] != v[n - 1]) {
                    v[n++] = v[j];
                }
            }
            out[i] = Arrays.copyOf(v, n);
        }
        return out;
    }

    /**
     * Splits a literal section into pieces (NUL-terminated strings, or fixed-size constants),
     * which are added to its output section's merge table when the file is bound; false (keep it
     * whole) if a string is not terminated or the size is not a multiple of the piece size.
     */
    private boolean split(int i, int align, int pieceSize) {
        boolean strings = pieceSize < 0;
        pieces[i] = MergedPieces.split(in.buf, secOffset[i], secSize[i], pieceSize, strings);
        mergeKey[i] = secName[i] + "|" + (strings ? 1 : pieceSize) + "|" + strings + "|" + align;
        return pieces[i] != null;
    }

    /** The index in {@link #atomStart}{@code [i]} of the atom holding an offset (the last one for the end, the first one before 0). */
    private int atomIndexAt(int i, long offset) {
        int k = Arrays.binarySearch(atomStart[i], offset);
        return k >= 0 ? k : Math.max(0, -k - 2);
    }

    // ------------------------------------------------------------------ symbols

    private void readSymbols() {
        for (int l = 0; l < nsyms; l++) {
            long e = symoff + (long) l * NLIST_SIZE;
            int type = in.u8(e + 4);
            int sect = in.u8(e + 5);
            int desc = in.u16(e + 6);
            long value = in.u64(e + 8);
            if ((type & N_STAB) != 0) {
                file.addSymbol(SymbolKind.ABSOLUTE, InputFile.LOCAL | InputFile.NOT_IN_SYMTAB, 0, 0, 0); // debugging entry
                continue;
            }
            boolean external = (type & N_EXT) != 0;
            int f = 0;
            if (!external) {
                f |= InputFile.LOCAL;
                int first = symNameLength[l] > 0 ? in.u8(symNameOffset[l]) : 'l';
                if (first == 'l' || first == 'L') {
                    f |= InputFile.NOT_IN_SYMTAB; // assembler-local and linker-private labels (ltmp0, l_.str)
                }
            } else if ((type & N_PEXT) != 0) {
                f |= InputFile.HIDDEN; // private extern
            }
            if ((desc & (N_NO_DEAD_STRIP | REFERENCED_DYNAMICALLY)) != 0) {
                kept.add(l);
            }
            switch (type & N_TYPE) {
                case N_UNDF -> {
                    if (external && value != 0) {
                        common(f, desc, value, e);
                    } else {
                        int weak = (desc & N_WEAK_REF) != 0 ? InputFile.WEAK : 0;
                        file.addSymbol(SymbolKind.UNDEFINED, f | weak | (external ? 0 : InputFile.NOT_IN_SYMTAB), 0, 0, 0);
                    }
                }
                case N_ABS -> file.addSymbol(SymbolKind.ABSOLUTE, f, 0, value, 0);
                case N_SECT -> defineInSection(l, e, f | ((desc & N_WEAK_DEF) != 0 && external ? InputFile.WEAK : 0), sect, value);
                case N_INDR -> throw in.error(e + 4, "symbol " + l + " ('" + symbolName(l) + "') is an indirect symbol (N_INDR), which is not supported");
                case N_PBUD -> throw in.error(e + 4, "symbol " + l + " ('" + symbolName(l) + "') is prebound (N_PBUD), which an object should not have");
                default -> throw in.error(e + 4, "symbol " + l + " ('" + symbolName(l) + "') has unknown type 0x" + Integer.toHexString(type));
            }
        }
    }

    /** A common symbol: a BSS definition of its own, as ELF's SHN_COMMON (the larger one wins). */
    private void common(int f, int desc, long size, long e) {
        if (size < 0 || size > Integer.MAX_VALUE) {
            throw in.error(e + 8, "common symbol has size 0x" + Long.toHexString(size) + ", more than 2 GiB");
        }
        int atom = addAtom(-1, 1 << ((desc >> 8) & 0xf), 0, size);
        file.noteAtom(atom, "__DATA,__common", 0);
        file.addSymbol(SymbolKind.BSS, f, atom + 1, 0, size);
    }

    private void defineInSection(int l, long e, int f, int sect, long value) {
        if (sect < 1 || sect > nsect) {
            throw in.error(e + 5, "symbol " + l + " ('" + symbolName(l) + "') is in section " + sect + ", but the file has only " + nsect
                    + " sections");
        }
        int i = sect - 1;
        long off = value - secAddr[i];
        if (value < secAddr[i] || off > secSize[i]) {
            throw in.error(e + 8, "symbol '" + symbolName(l) + "' has address 0x" + Long.toHexString(value) + ", outside section " + secName[i]
                    + " (0x" + Long.toHexString(secAddr[i]) + ", " + secSize[i] + " bytes)");
        }
        switch (fate[i]) {
            case DROPPED -> {
                if ((f & InputFile.LOCAL) == 0) {
                    throw in.error(e + 5, "global symbol '" + symbolName(l) + "' is defined in section " + secName[i] + ", which is not loaded");
                }
                file.addSymbol(SymbolKind.UNDEFINED, f | InputFile.NOT_IN_SYMTAB, 0, 0, 0);
            }
            case MERGED -> file.addSymbol(kind[i], f, -(i + 1), off, 0); // the offset in the table when bound
            default -> {
                int k = atomIndexAt(i, off);
                file.addSymbol(kind[i], f, firstAtom[i] + k + 1, off - atomStart[i][k], 0);
            }
        }
    }

    /** The local symbol standing for the start of a (local) atom, made on first use, which relocations by address refer to. */
    private int symbolForAtom(int section, int atom) {
        if (atomSymbol[atom] < 0) {
            atomSymbol[atom] = addSectionSymbol(section, atom + 1);
        }
        return atomSymbol[atom];
    }

    /** The local symbol standing for the start of a merged section's table. */
    private int symbolForMerged(int section) {
        if (mergedSymbol[section] < 0) {
            mergedSymbol[section] = addSectionSymbol(section, -(section + 1));
        }
        return mergedSymbol[section];
    }

    /** A section symbol; its atom is given as symbols' atoms are until the file is bound (see {@link #atomCount}). */
    private int addSectionSymbol(int section, int atom) {
        int l = file.addSymbol(kind[section], InputFile.LOCAL | InputFile.NOT_IN_SYMTAB, atom, 0, 0);
        if (l >= symNameOffset.length) {
            symNameOffset = Arrays.copyOf(symNameOffset, l * 2);
            symNameLength = Arrays.copyOf(symNameLength, l * 2);
        }
        symNameOffset[l] = secNameOffset[section];
        symNameLength[l] = secNameLength[section];
        return l;
    }

    private String symbolName(int l) {
        byte[] b = new byte[symNameLength[l]];
        in.buf.get(symNameOffset[l], b);
        return new String(b, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ relocations

    /** No place in a merged section (see {@link Pending#mergedAt}). */
    private static final long NOT_MERGED = Long.MIN_VALUE;

    /** One relocation read, before it is given to its atom. */
    private static final class Pending {
        final long[] offset;
        final int[] op;
        final int[] target;
        final long[] addend;
        final int[] width;
        /** For a target by address in a merged section: the offset in that section, which the addend holds until the table does; else NOT_MERGED. */
        final long[] mergedAt;
        int count;

        /** @param capacity the number of relocation entries (pairs and addends become fewer) */
        Pending(int capacity) {
            offset = new long[capacity];
            op = new int[capacity];
            target = new int[capacity];
            addend = new long[capacity];
            width = new int[capacity];
            mergedAt = new long[capacity];
        }

        /** Adds one; a section has no more than it has entries. */
        void add(long off, int o, int t, long a, int w, long merged) {
            width[count] = w;
            offset[count] = off;
            op[count] = o;
            target[count] = t;
            addend[count] = a;
            mergedAt[count] = merged;
            count++;
        }
    }

    /** A relocation entry's fields. */
    private long entry;
    private long address;
    private int symbolnum;
    private boolean pcrel;
    private int length;
    private boolean external;
    private int type;

    private void decode(int i, long k) {
        entry = secReloff[i] + 8 * k;
        int raw = in.buf.getInt((int) entry);
        if (raw < 0) {
            throw in.error(entry, "relocation " + k + " in " + secName[i] + " is scattered (R_SCATTERED), which " + arch() + " objects do not use");
        }
        address = raw;
        int info = in.buf.getInt((int) entry + 4);
        symbolnum = info & 0xffffff;
        pcrel = ((info >>> 24) & 1) != 0;
        length = (info >>> 25) & 3;
        external = ((info >>> 27) & 1) != 0;
        type = info >>> 28;
    }

    private void readRelocations(int i) {
        if (fate[i] == MERGED) {
            return; // only sections without relocations are merged
        }
        if (!kind[i].hasBytes()) {
            throw in.error(secReloff[i], "zero-filled section " + secName[i] + " has relocations");
        }
        Pending p = new Pending((int) secNreloc[i]);
        long n = secNreloc[i];
        long addend = 0;
        boolean haveAddend = false;
        for (long k = 0; k < n; k++) {
            decode(i, k);
            String name = typeName(type);
            int width = 1 << length;
            if (address > secSize[i] - width) {
                throw in.error(entry, "relocation " + name + " at offset 0x" + Long.toHexString(address) + " lies outside section " + secName[i]
                        + " (" + secSize[i] + " bytes)");
            }
            if (!x86 && type == ARM64_RELOC_ADDEND) {
                if (haveAddend) {
                    throw in.error(entry, "two ARM64_RELOC_ADDEND in a row in " + secName[i] + " at offset 0x" + Long.toHexString(address));
                }
                addend = (symbolnum << 8) >> 8; // a signed 24-bit addend
                haveAddend = true;
                if (k + 1 == n) {
                    throw in.error(entry, "ARM64_RELOC_ADDEND at the end of the relocations of " + secName[i] + " gives its addend to nothing");
                }
                continue;
            }
            if (haveAddend && type != ARM64_RELOC_BRANCH26 && type != ARM64_RELOC_PAGE21 && type != ARM64_RELOC_PAGEOFF12) {
                throw in.error(entry, "ARM64_RELOC_ADDEND is followed by " + name + "; it may only precede BRANCH26, PAGE21 or PAGEOFF12");
            }
            if (isSubtractor()) {
                if (k + 1 == n) {
                    throw in.error(entry, name + " at offset 0x" + Long.toHexString(address) + " in " + secName[i] + " is not followed by its UNSIGNED");
                }
                subtractorPair(i, p, k);
                k++;
                continue;
            }
            checkForm(i, name);
            if (x86) {
                x86Relocation(i, p, name, content(i, address, width));
            } else if (type == ARM64_RELOC_UNSIGNED) {
                pointer(i, p, content(i, address, width), Arm64.ABS64, Arm64.ABS32, Arm64.TLS_DTPREL64);
            } else {
                arm64Relocation(i, p, name, haveAddend ? addend : 0); // the field is an instruction, not read here
            }
            haveAddend = false;
            addend = 0;
        }
        addToAtoms(i, p);
    }

    private boolean isSubtractor() {
        return x86 ? type == X86_64_RELOC_SUBTRACTOR : type == ARM64_RELOC_SUBTRACTOR;
    }

    private boolean isUnsigned() {
        return type == (x86 ? X86_64_RELOC_UNSIGNED : ARM64_RELOC_UNSIGNED);
    }

    /**
     * {@code SUBTRACTOR B} then {@code UNSIGNED A} at one place mean A - B + the content: they
     * become the core's SUBTRACTOR (field := -B) and UNSIGNED_ADD (field += A + addend), applied
     * in that order.
     */
    private void subtractorPair(int i, Pending p, long k) {
        String name = typeName(type);
        if (pcrel || length < 2) {
            throw in.error(entry + 4, name + " at offset 0x" + Long.toHexString(address) + " in " + secName[i] + " must be a 4- or 8-byte absolute field");
        }
        if (!external) {
            throw in.error(entry + 4, name + " at offset 0x" + Long.toHexString(address) + " in " + secName[i]
                    + " subtracts a section, not a symbol (r_extern = 0), which is not supported");
        }
        int subtrahend = externTarget(i);
        long at = address;
        int len = length;
        decode(i, k + 1);
        if (!isUnsigned() || address != at || length != len || pcrel) {
            throw in.error(entry, name + " at offset 0x" + Long.toHexString(at) + " in " + secName[i]
                    + " is not followed by an UNSIGNED of the same place and size, but by " + typeName(type) + " at 0x" + Long.toHexString(address));
        }
        long[] minuend = pointerTarget(i, content(i, at, 1 << len));
        boolean wide = len == 3;
        int sub = x86 ? (wide ? X86_64.SUBTRACTOR64 : X86_64.SUBTRACTOR32) : (wide ? Arm64.SUBTRACTOR64 : Arm64.SUBTRACTOR32);
        int add = x86 ? (wide ? X86_64.UNSIGNED_ADD64 : X86_64.UNSIGNED_ADD32) : (wide ? Arm64.UNSIGNED_ADD64 : Arm64.UNSIGNED_ADD32);
        p.add(at, sub, subtrahend, 0, 1 << len, NOT_MERGED);
        p.add(at, add, (int) minuend[0], minuend[1], 1 << len, minuend[2]);
    }

    /** Checks that a relocation's pcrel and length bits are those its type uses. */
    private void checkForm(int i, String name) {
        boolean ok;
        if (x86) {
            ok = switch (type) {
                case X86_64_RELOC_UNSIGNED -> !pcrel && length >= 2;
                case X86_64_RELOC_TLV, X86_64_RELOC_GOT, X86_64_RELOC_GOT_LOAD, X86_64_RELOC_BRANCH, X86_64_RELOC_SIGNED -> pcrel && length == 2;
                default -> type >= X86_64_RELOC_SIGNED_1 && type <= X86_64_RELOC_SIGNED_4 ? pcrel && length == 2 : unknownType(i, name);
            };
        } else {
            ok = switch (type) {
                case ARM64_RELOC_UNSIGNED -> !pcrel && length >= 2;
                case ARM64_RELOC_BRANCH26, ARM64_RELOC_PAGE21, ARM64_RELOC_GOT_LOAD_PAGE21, ARM64_RELOC_TLVP_LOAD_PAGE21 -> pcrel && length == 2;
                case ARM64_RELOC_PAGEOFF12, ARM64_RELOC_GOT_LOAD_PAGEOFF12, ARM64_RELOC_TLVP_LOAD_PAGEOFF12 -> !pcrel && length == 2;
                case ARM64_RELOC_POINTER_TO_GOT -> pcrel ? length == 2 : length == 3;
                default -> unknownType(i, name);
            };
        }
        if (!ok) {
            throw in.error(entry + 4, name + " at offset 0x" + Long.toHexString(address) + " in " + secName[i] + " has "
                    + (pcrel ? "" : "no ") + "pcrel and length " + (1 << length) + ", which this type does not take");
        }
    }

    private boolean unknownType(int i, String name) {
        throw in.error(entry + 4, "unknown relocation type " + type + " (" + name + ") in " + secName[i] + " at offset 0x" + Long.toHexString(address));
    }

    /**
     * x86-64: the addend is in the field (REL). A PC-relative field holds the displacement from the
     * end of the instruction, which SIGNED_1/2/4 say lies 1, 2 or 4 bytes of immediate after the
     * field; with a symbol, every PC-relative form means S + content - (P + 4) (the assembler
     * stored -N for those N bytes), so the core's addend is content - 4. With a section, the
     * target's address in the object is P + 4 + N + content, from which the atom is found.
     */
    private void x86Relocation(int i, Pending p, String name, long content) {
        if (type == X86_64_RELOC_UNSIGNED) {
            pointer(i, p, content, X86_64.ABS64, X86_64.ABS32, X86_64.DTPOFF64);
            return;
        }
        int op = switch (type) {
            case X86_64_RELOC_BRANCH -> X86_64.PLT32;
            case X86_64_RELOC_GOT_LOAD -> X86_64.REX_GOTPCRELX; // movq: relaxable to leaq
            case X86_64_RELOC_GOT -> X86_64.GOTPCREL;
            case X86_64_RELOC_TLV -> X86_64.TLV;
            default -> X86_64.PC32; // SIGNED, SIGNED_1, SIGNED_2, SIGNED_4
        };
        if (external) {
            p.add(address, op, externTarget(i), content - 4, 1 << length, NOT_MERGED);
            return;
        }
        if (op != X86_64.PC32 && op != X86_64.PLT32) {
            throw in.error(entry + 4, name + " at offset 0x" + Long.toHexString(address) + " in " + secName[i]
                    + " refers to a section (r_extern = 0); it must name a symbol");
        }
        int bias = type == X86_64_RELOC_SIGNED_1 ? 1 : type == X86_64_RELOC_SIGNED_1 + 1 ? 2 : type == X86_64_RELOC_SIGNED_4 ? 4 : 0;
        // The target's address in the object: the field is relative to the end of the instruction.
        long target = secAddr[i] + address + 4 + bias + content;
        long[] t = byAddress(i, target);
        p.add(address, op, (int) t[0], t[1] - 4 - bias, 1 << length, t[2]);
    }

    /** The field a relocation patches, sign-extended if 4 bytes: the addend of x86-64 and of UNSIGNED. */
    private long content(int i, long at, int width) {
        return width == 8 ? in.u64(secOffset[i] + at) : in.buf.getInt((int) (secOffset[i] + at));
    }

    /** arm64 but UNSIGNED (a {@link #pointer}): the addend comes from ARM64_RELOC_ADDEND. */
    private void arm64Relocation(int i, Pending p, String name, long addend) {
        if (!external) {
            throw in.error(entry + 4, name + " at offset 0x" + Long.toHexString(address) + " in " + secName[i]
                    + " refers to a section (r_extern = 0); arm64 objects name a symbol for it");
        }
        int op = switch (type) {
            case ARM64_RELOC_BRANCH26 -> Arm64.CALL26;
            case ARM64_RELOC_PAGE21 -> Arm64.ADR_PREL_PG_HI21;
            case ARM64_RELOC_PAGEOFF12 -> Arm64.ABS_LO12_ANY;
            case ARM64_RELOC_GOT_LOAD_PAGE21 -> Arm64.GOT_LOAD_PAGE21;
            case ARM64_RELOC_GOT_LOAD_PAGEOFF12 -> Arm64.GOT_LOAD_PAGEOFF12;
            case ARM64_RELOC_TLVP_LOAD_PAGE21 -> Arm64.TLVP_LOAD_PAGE21;
            case ARM64_RELOC_TLVP_LOAD_PAGEOFF12 -> Arm64.TLVP_LOAD_PAGEOFF12;
            default -> pcrel ? Arm64.GOTPCREL32 : Arm64.GOT_ABS64; // POINTER_TO_GOT: its field is not an addend
        };
        p.add(address, op, externTarget(i), addend, 1 << length, NOT_MERGED);
    }

    /**
     * An {@code UNSIGNED} pointer: the field is the addend, or with a section the target's address;
     * the initial-value word of a thread-local descriptor becomes the template-offset operation.
     */
    private void pointer(int i, Pending p, long content, int abs64, int abs32, int templateOffset) {
        long[] t = pointerTarget(i, content);
        int op = threadLocalOffset(i, (int) t[0]) ? templateOffset : length == 3 ? abs64 : abs32;
        p.add(address, op, (int) t[0], t[1], 1 << length, t[2]);
    }

    /**
     * {@return what an absolute field points to: {local symbol, addend, offset in a merged
     * section or NOT_MERGED}, the field being the addend or, by section, the address}
     */
    private long[] pointerTarget(int i, long content) {
        return external ? new long[] {externTarget(i), content, NOT_MERGED} : byAddress(i, content);
    }

    /**
     * Whether a 64-bit pointer in a thread-local variable descriptor ({@code __thread_vars}) points
     * at the variable's initial value: that word holds the value's offset in the thread-local
     * template, not an address.
     */
    private boolean threadLocalOffset(int i, int local) {
        return (secFlags[i] & SECTION_TYPE) == S_THREAD_LOCAL_VARIABLES && length == 3 && file.kind(local).isThreadLocal();
    }

    private int externTarget(int i) {
        if (symbolnum >= nsyms) {
            throw in.error(entry + 4, "relocation " + typeName(type) + " at offset 0x" + Long.toHexString(address) + " in " + secName[i]
                    + " refers to symbol " + symbolnum + ", but the symbol table has " + nsyms);
        }
        if ((in.u8(symoff + (long) symbolnum * NLIST_SIZE + 4) & N_STAB) != 0) {
            throw in.error(entry + 4, "relocation " + typeName(type) + " in " + secName[i] + " refers to debugging symbol " + symbolnum);
        }
        return symbolnum;
    }

    /**
     * A relocation that names a section (r_extern = 0) and an address in the object: the atom of
     * that section holding the address, and the offset in it.
     *
     * @return {local symbol, offset from it, the offset in the section if it is merged (the
     *     offset from the symbol until the file is bound) or NOT_MERGED}
     */
    private long[] byAddress(int i, long target) {
        if (symbolnum < 1 || symbolnum > nsect) {
            throw in.error(entry + 4, "relocation " + typeName(type) + " at offset 0x" + Long.toHexString(address) + " in " + secName[i]
                    + " refers to section " + symbolnum + ", but the file has " + nsect + " sections");
        }
        int j = symbolnum - 1;
        long off = target - secAddr[j];
        return switch (fate[j]) {
            case DROPPED -> throw in.error(entry + 4, "relocation " + typeName(type) + " at offset 0x" + Long.toHexString(address) + " in "
                    + secName[i] + " refers to section " + secName[j] + ", which is not loaded");
            case MERGED -> new long[] {symbolForMerged(j), off, off};
            default -> {
                int k = atomIndexAt(j, off);
                yield new long[] {symbolForAtom(j, firstAtom[j] + k), off - atomStart[j][k], NOT_MERGED};
            }
        };
    }

    /**
     * Hands a section's relocations to its atoms: sorted by offset (Mach-O lists them from the
     * end), pairs kept in order, each rebased to the atom that holds it.
     */
    private void addToAtoms(int i, Pending p) {
        // By offset, then by index, so that a pair stays in order: offsets are below 2^31.
        long[] order = new long[p.count];
        boolean sorted = true;
        for (int r = 0; r < p.count; r++) {
            order[r] = p.offset[r] << 32 | r;
            sorted &= r == 0 || order[r] > order[r - 1];
        }
        if (!sorted) {
            Arrays.sort(order);
        }
        long[] starts = atomStart[i];
        int k = 0;
        int atom = -1;
        for (long o : order) {
            int r = (int) o;
            long off = p.offset[r];
            while (k + 1 < starts.length && starts[k + 1] <= off) {
                k++; // the atom holding off, as atomIndexAt finds it (offsets are not negative)
            }
            long start = starts[k];
            int a = firstAtom[i] + k;
            if (off + p.width[r] > start + atomSize[a]) {
                throw in.error(secReloff[i], "a relocation at offset 0x" + Long.toHexString(off) + " in " + secName[i]
                        + " runs from one symbol's piece of the section into the next");
            }
            int added = file.relocs.add((int) (off - start), p.op[r], p.target[r], p.addend[r]);
            if (a != atom) {
                atom = a;
                atomRelFirst[a] = added;
            }
            atomRelCount[a]++;
            if (p.mergedAt[r] != NOT_MERGED) {
                mergedTargetReloc.add(added);
                mergedTargetSection.add(-file.symAtom[p.target[r]] - 1);
                mergedTargetOffset.add(p.mergedAt[r]);
            }
        }
    }

    private String typeName(int t) {
        String[] names = x86 ? X86_64_TYPES : ARM64_TYPES;
        return t < names.length ? names[t] : (x86 ? "x86_64" : "arm64") + " relocation type " + t;
    }

    private String arch() {
        return x86 ? "x86_64" : "arm64";
    }

    private static String cpuName(int cpu) {
        return switch (cpu) {
            case CPU_TYPE_X86_64 -> "x86_64";
            case CPU_TYPE_ARM64 -> "arm64";
            case 7 -> "i386";
            case 12 -> "arm";
            case 0x0200000c -> "arm64_32";
            case 18 -> "ppc";
            default -> "CPU type 0x" + Integer.toHexString(cpu);
        };
    }
}
