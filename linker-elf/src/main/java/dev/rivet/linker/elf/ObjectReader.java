package dev.rivet.linker.elf;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.CoreLinker;
import dev.rivet.linker.core.arch.Arch;
import dev.rivet.linker.core.input.InputBytes;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SymbolLoader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads an ELF64 relocatable object (x86-64 or AArch64) from its mapped bytes into an
 * {@link ElfObjectFile}: loaded sections become atoms, symbols keep their ELF index as local
 * index, and RELA entries become relocations in the core's operations. Every table is
 * range-checked before use.
 *
 * <p>Reading is two steps, so that archive members can be parsed in parallel: {@link #parse}
 * decodes the headers, symbols, relocations, mergeable pieces and frame records and hashes the
 * names, touching nothing shared; {@link #bind} then, in input order, settles COMDAT groups,
 * makes the atoms and binds the symbols. A check whose outcome depends on which sections are
 * loaded (those of a dropped COMDAT copy are not) waits for the second step.
 */
final class ObjectReader {
    private static final int ET_REL = 1;
    private static final int ET_EXEC = 2;
    private static final int ET_DYN = 3;

    private static final int SHT_NULL = 0;
    private static final int SHT_PROGBITS = 1;
    private static final int SHT_SYMTAB = 2;
    private static final int SHT_STRTAB = 3;
    private static final int SHT_RELA = 4;
    private static final int SHT_NOTE = 7;
    private static final int SHT_NOBITS = 8;
    private static final int SHT_REL = 9;
    private static final int SHT_INIT_ARRAY = 14;
    private static final int SHT_FINI_ARRAY = 15;
    private static final int SHT_PREINIT_ARRAY = 16;
    private static final int SHT_GROUP = 17;
    private static final int SHT_SYMTAB_SHNDX = 18;

    private static final long SHF_WRITE = 1;
    private static final long SHF_ALLOC = 2;
    private static final long SHF_EXECINSTR = 4;
    private static final long SHF_TLS = 0x400;
    private static final long SHF_MERGE = 0x10;
    private static final long SHF_STRINGS = 0x20;
    private static final long SHF_GNU_RETAIN = 0x200000;

    /** Sections kept as dead-stripping roots by name, as in GNU ld's default linker script. */
    private static final java.util.Set<String> KEPT_SECTIONS = java.util.Set.of(".init", ".fini", ".ctors", ".dtors", ".jcr");

    /** Input name prefixes whose sections merge into the output section of that name, as in lld. */
    private static final String[] MERGED_PREFIXES = {
        ".text", ".rodata", ".data.rel.ro", ".data", ".bss.rel.ro", ".bss", ".tdata", ".tbss",
        ".init_array", ".fini_array", ".preinit_array", ".gcc_except_table", ".ctors", ".dtors",
        ".ldata", ".lrodata", ".lbss",
    };

    private static final int SHN_UNDEF = 0;
    private static final int SHN_LORESERVE = 0xff00;
    private static final int SHN_ABS = 0xfff1;
    private static final int SHN_COMMON = 0xfff2;
    private static final int SHN_XINDEX = 0xffff;

    private static final int STB_LOCAL = 0;
    private static final int STB_GLOBAL = 1;
    private static final int STB_WEAK = 2;
    private static final int STT_SECTION = 3;
    private static final int STT_FILE = 4;
    private static final int STT_GNU_IFUNC = 10;

    private final ElfBytes in;
    private final CoreLinker linker;
    private final SymbolLoader loader;
    private final Architecture arch;

    // Section headers
    private int shnum;
    private int[] shType;
    private long[] shFlags;
    private long[] shOffset;
    private long[] shSize;
    private int[] shLink;
    private long[] shInfo;
    private long[] shAlign;
    private long[] shEntsize;
    private String[] shName;
    /** Where each section's name is in the file, and its length. */
    private int[] shNameOffset;
    private int[] shNameLength;
    /** Where each symbol's name is in the file, and its length (read in place, not copied). */
    private int[] symNameOffset;
    private int[] symNameLength;
    /** The atom of each loaded section, 0 for sections that are not loaded. */
    private int[] sectionAtom;
    /** Sections of COMDAT groups whose signature an earlier input already brought. */
    private boolean[] discarded;
    /** For merged sections: where each piece starts in the input section, and where it went in the table. */
    private long[][] pieceStart;
    private long[][] pieceOut;
    /** The merge table of the last merged section, and what its key was made of. */
    private dev.rivet.linker.core.symbols.MergeTable lastMerge;
    private String lastMergeOut;
    private long lastMergeEntsize;
    private boolean lastMergeStrings;
    private int lastMergeAlign;
    /** For section symbols of merged sections, the section; else -1. */
    private int[] mergedSectionSymbol;

    // What parse() decoded for bind().
    private ElfObjectFile file;
    /** Each symbol's name hash ({@code ByteHash}), so that binding only probes the table. */
    private int[] symHash;
    /** Where the symbol table starts in the file (for messages about its entries). */
    private long symtabOffset;
    /**
     * Each global's symbol in the table when the file was parsed, else 0 (see {@code SymbolTable.find});
     * null if the parse could not look them up ({@code SymbolLoader.parseMayFindNames}).
     */
    private int[] symFound;
    /** Each symbol's flags, section index (extended indices resolved), ELF type, value and size. */
    private int[] symFlags;
    private int[] symShndx;
    private byte[] symType;
    private long[] symValue;
    private long[] symSize;
    /**
     * Per COMDAT group section: where its signature lies in the file, its length (-1 for other
     * sections) and its {@link dev.rivet.linker.core.symbols.ByteHash}.
     */
    private int[] signatureOffset;
    private int[] signatureLength;
    private int[] signatureHash;
    /** Per section: whether a COMDAT group whose signature an earlier input brought holds it. */
    private boolean[] surelyDiscarded;
    /** Per section that may be loaded: the output section it goes to (prefix matching is not free). */
    private String[] outName;
    /** Per section: its pieces, when it is mergeable and splits. */
    private dev.rivet.linker.core.symbols.MergedPieces[] pieces;
    /** A copy of the section name table and where it starts in the file; empty without one. */
    private byte[] sectionNames = new byte[0];
    private int sectionNamesOffset;
    /** A copy of the symbols' string table and where it starts in the file (InputFile.nameCopy). */
    private byte[] stringTable;
    private int stringTableOffset;
    /**
     * Per section: its relocations in the file's table (first, count; first -1 for none), and an
     * error found in them or in its .eh_frame records, thrown only if the section is loaded.
     */
    private int[] relFirst;
    private int[] relCount;
    private dev.rivet.linker.LinkException[] sectionError;
    /** Relocations whose target is the section symbol of a section that may be merged (their addends map to pieces). */
    private it.unimi.dsi.fastutil.ints.IntArrayList mergedTargetRelocs;
    /** Per .eh_frame section: its records, as {@link #anchorFrameRecords} finds them. */
    private FrameRecords[] frames;

    /** An .eh_frame section's records and what keeps each relocation's target alive. */
    private record FrameRecords(int[] anchor, int fdes, int[] recordStarts, int[] cieOf) { }

    private ObjectReader(CoreLinker linker, String name, ByteBuffer data) {
        this.in = new ElfBytes(name, data);
        this.linker = linker;
        this.loader = linker.symbolLoader();
        this.arch = linker.target().architecture();
    }

    static void read(CoreLinker linker, String name, ByteBuffer data) {
        read(linker, name, data, -1);
    }

    /**
     * Reads an object.
     *
     * @param order its layout position among the inputs (see {@code InputFile.order}), or -1 for the next one
     */
    static void read(CoreLinker linker, String name, ByteBuffer data, long order) {
        parse(linker, name, data).bind(order);
    }

    /**
     * Parses an object, touching nothing the linker shares, so objects and archive members can be
     * parsed in parallel; {@return what binds it to the linker, in input order} An error is thrown
     * when it is bound, since a member that turns out not to be needed is never bound.
     */
    static dev.rivet.linker.core.symbols.ParsedInput parse(CoreLinker linker, String name, ByteBuffer data) {
        ObjectReader r = new ObjectReader(linker, name, data);
        return dev.rivet.linker.core.symbols.ParsedInput.deferringErrors(r::parse, r::bind);
    }

    /** Decodes everything that does not depend on the other inputs. */
    private void parse() {
        readHeader();
        file = new ElfObjectFile(in.name, in.buf, loader.atoms);
        readGroups();
        readSymbols();
        splitMergeable();
        readRelocations();
        outName = new String[shnum];
        for (int i = 0; i < shnum; i++) {
            if (mayBeLoaded(i)) {
                outName[i] = outputName(i);
            }
            if (mayBeLoaded(i) && sectionError[i] == null && nameIs(i, ".eh_frame")) {
                if (frames == null) {
                    frames = new FrameRecords[shnum];
                }
                try {
                    if (shType[i] == SHT_NOBITS) { // its records would be read from bytes it does not have
                        throw in.error(sectionHeader(i) + 4, "section .eh_frame is SHT_NOBITS: it holds no records");
                    }
                    frames[i] = anchorFrameRecords(i);
                } catch (dev.rivet.linker.LinkException e) {
                    sectionError[i] = e;
                }
            }
        }
    }

    /**
     * {@return whether section i may become an atom} Whether it does depends on COMDAT groups that
     * earlier inputs bring, settled in {@link #bind}; a section that may not is never decoded.
     */
    private boolean mayBeLoaded(int i) {
        return i > 0 && (shFlags[i] & SHF_ALLOC) != 0 && shType[i] != SHT_GROUP && !surelyDiscarded[i]
                && !(shType[i] == SHT_NOTE && nameIs(i, GnuPropertyNote.SECTION));
    }

    /** Adds the parsed object to the linker: its groups, atoms, symbols and relocations. */
    private void bind(long order) {
        file.order = order;
        loader.symbols.addFile(file);
        discardGroups();
        makeAtoms(file);
        addSymbols(file);
        attachRelocations(file);
        for (int i = 0; i < shnum; i++) {
            if (sectionAtom[i] != 0 && nameIs(i, ".eh_frame")) {
                addFrameRecords(file, i);
            }
        }
        if (stringTable != null) {
            loader.keepNameCopy(file, stringTable, stringTableOffset);
        }
        linker.addInput(file, in.buf, symNameOffset, symNameLength, symHash, symFound);
    }

    private void readHeader() {
        in.require(0, 64, "the ELF header");
        if (in.buf.getInt(0) != 0x464c457f) {
            throw in.error(0, "not an ELF file (no \\x7fELF magic)");
        }
        if (in.u8(4) != 2) {
            throw in.error(4, "not a 64-bit ELF file (EI_CLASS is " + in.u8(4) + ")");
        }
        if (in.u8(5) != 1) {
            throw in.error(5, "not a little-endian ELF file (EI_DATA is " + in.u8(5) + ")");
        }
        int type = in.u16(16);
        if (type != ET_REL) {
            String what = switch (type) {
                case ET_EXEC -> "an executable";
                case ET_DYN -> "a shared object (reading them is not supported yet)";
                default -> "ELF file type " + type;
            };
            throw in.error(16, "is " + what + ", not a relocatable object");
        }
        int machine = in.u16(18);
        int want = arch == Architecture.X86_64 ? Elf.EM_X86_64 : Elf.EM_AARCH64;
        if (machine != want) {
            throw in.error(18, "is for " + machineName(machine) + ", but the link is for " + linker.target());
        }
        long shoff = in.u64(40);
        int shentsize = in.u16(58);
        shnum = in.u16(60);
        int shstrndx = in.u16(62);
        if (shoff == 0) {
            shnum = 0;
        } else if (shentsize != Elf.SHDR_SIZE) {
            throw in.error(58, "section header size is " + shentsize + ", not " + Elf.SHDR_SIZE);
        }
        if (shnum == 0 && shoff != 0) {
            // More than 0xff00 sections: the count is in section 0's sh_size.
            in.require(shoff, Elf.SHDR_SIZE, "section header 0");
            long n = in.u64(shoff + 32);
            if (n < 0 || n > Integer.MAX_VALUE / Elf.SHDR_SIZE) {
                throw in.error(shoff + 32, "section count " + Long.toUnsignedString(n) + " is too large");
            }
            shnum = (int) n;
        }
        if (shstrndx == SHN_XINDEX && shnum > 0) {
            in.require(shoff, Elf.SHDR_SIZE, "section header 0");
            shstrndx = (int) in.u32(shoff + 40);
        }
        if (!in.fits(shoff, (long) shnum * Elf.SHDR_SIZE)) {
            in.require(shoff, (long) shnum * Elf.SHDR_SIZE, "the section header table (" + shnum + " entries)");
        }
        shType = new int[shnum];
        shFlags = new long[shnum];
        shOffset = new long[shnum];
        shSize = new long[shnum];
        shLink = new int[shnum];
        shInfo = new long[shnum];
        shAlign = new long[shnum];
        shEntsize = new long[shnum];
        shName = new String[shnum];
        int[] nameIndex = new int[shnum];
        for (int i = 0; i < shnum; i++) {
            long h = shoff + (long) i * Elf.SHDR_SIZE;
            nameIndex[i] = (int) in.u32(h);
            shType[i] = (int) in.u32(h + 4);
            shFlags[i] = in.u64(h + 8);
            shOffset[i] = in.u64(h + 24);
            shSize[i] = in.u64(h + 32);
            shLink[i] = (int) in.u32(h + 40);
            shInfo[i] = in.u32(h + 44);
            shAlign[i] = in.u64(h + 48);
            shEntsize[i] = in.u64(h + 56);
            if (shType[i] != SHT_NOBITS && shType[i] != SHT_NULL) {
                in.require(shOffset[i], shSize[i], "section", i);
            }
        }
        if (shnum > 0) {
            if (shstrndx < 0 || shstrndx >= shnum) { // an extended index of 2^31 or more is negative here
                throw in.error(62, "section name table index " + Integer.toUnsignedString(shstrndx) + " is out of range (" + shnum + " sections)");
            }
            if (shstrndx != 0 && shType[shstrndx] != SHT_STRTAB) {
                // Its bytes are read in place: a NOBITS section's need not even lie in the file.
                throw in.error(62, "section name table " + shstrndx + " is not a string table (type " + shType[shstrndx] + ")");
            }
            shNameOffset = new int[shnum];
            shNameLength = new int[shnum];
            // The names are read in a copy of their table (array accessors, which C1 compiles
            // inline): an object built with -ffunction-sections has thousands, each compared with
            // the prefixes of the output sections. Without a table (index 0), every name is empty.
            sectionNames = new byte[shstrndx != 0 ? (int) shSize[shstrndx] : 0];
            if (shstrndx != 0) {
                in.buf.get((int) shOffset[shstrndx], sectionNames);
                sectionNamesOffset = (int) shOffset[shstrndx];
            }
            for (int i = 0; i < shnum; i++) {
                if (shType[i] == SHT_NULL) {
                    shName[i] = "";  // SHT_NULL
                    continue;
                }
                if (shstrndx == 0) {
                    if (nameIndex[i] != 0) {
                        throw in.error(sectionHeader(i), "section " + i + " has a name, but the file has no section name table");
                    }
                    continue;
                }
                shNameLength[i] = in.nameLength(sectionNames, shOffset[shstrndx], nameIndex[i], "section", i);
                shNameOffset[i] = (int) (shOffset[shstrndx] + nameIndex[i]);
                // Decoded when needed (shName): an object built with -ffunction-sections has
                // thousands of names, which are only compared with a few known ones.
            }
        }
    }

    /**
     * COMDAT groups: the first group with a signature is kept, the sections of a later one with
     * the same signature are dropped (the usual copy of an inline or template function). Here
     * their signatures and members are read and checked; {@link #discardGroups} decides.
     */
    private void readGroups() {
        signatureOffset = new int[shnum];
        signatureLength = new int[shnum];
        signatureHash = new int[shnum];
        Arrays.fill(signatureLength, -1);
        surelyDiscarded = new boolean[shnum];
        for (int i = 0; i < shnum; i++) {
            if (shType[i] != SHT_GROUP) {
                continue;
            }
            if (shEntsize[i] != 4 || shSize[i] < 4 || shSize[i] % 4 != 0) {
                throw in.error(sectionHeader(i) + 32, "group section " + shName(i) + " has size " + shSize[i]
                        + " and entry size " + shEntsize[i] + "; it must hold 4-byte words");
            }
            long flags = in.u32(shOffset[i]);
            if ((flags & 1) == 0) {
                continue; // not GRP_COMDAT: an ordinary group, kept
            }
            findSignature(i);
            for (long w = 4; w < shSize[i]; w += 4) {
                long member = in.u32(shOffset[i] + w);
                if (member <= 0 || member >= shnum) {
                    throw in.error(shOffset[i] + w, "group " + signature(i) + " names section " + member
                            + ", but the file has only " + shnum + " sections");
                }
            }
            // Hashed here, in parallel, not when bound. The set only grows, so a group already in
            // it is dropped for certain and its sections need not be decoded; one being added by
            // the binding beside this parse may be missed, which costs only that decoding.
            signatureHash[i] = dev.rivet.linker.core.symbols.ByteHash.of(in.buf, signatureOffset[i], signatureLength[i]);
            if (loader.comdatSignatures.contains(in.buf, signatureOffset[i], signatureLength[i], signatureHash[i])) {
                markMembers(i, surelyDiscarded);
            }
        }
    }

    /** Settles COMDAT groups in input order: the first with a signature is kept, later ones dropped. */
    private void discardGroups() {
        discarded = new boolean[shnum];
        for (int i = 0; i < shnum; i++) {
            if (signatureLength[i] >= 0
                    && !loader.comdatSignatures.add(in.buf, signatureOffset[i], signatureLength[i], signatureHash[i])) {
                markMembers(i, discarded);
            }
        }
    }

    private void markMembers(int group, boolean[] marks) {
        for (long w = 4; w < shSize[group]; w += 4) {
            marks[(int) in.u32(shOffset[group] + w)] = true;
        }
    }

    /**
     * Finds where group section {@code group}'s signature lies in the file: the name of the
     * symbol its sh_info names (for a section symbol, its section's name).
     */
    private void findSignature(int group) {
        int symtab = shLink[group];
        if (symtab <= 0 || symtab >= shnum || shType[symtab] != SHT_SYMTAB) {
            throw in.error(sectionHeader(group) + 40, "group section " + shName(group) + " does not link to the symbol table");
        }
        long index = shInfo[group];
        if (index >= shSize[symtab] / Elf.SYM_SIZE) {
            throw in.error(sectionHeader(group) + 44, "group section " + shName(group) + " names symbol " + index
                    + ", past the end of the symbol table");
        }
        long e = shOffset[symtab] + index * Elf.SYM_SIZE;
        int shndx = in.u16(e + 6);
        if ((in.u8(e + 4) & 0xf) == STT_SECTION && shndx < shnum) {
            signatureOffset[group] = shNameOffset[shndx];
            signatureLength[group] = shNameLength[shndx];
            return;
        }
        int strtab = stringTableOf(symtab);
        long nameIndex = in.u32(e);
        signatureLength[group] = in.nameLength(shOffset[strtab], shSize[strtab], nameIndex, "the signature of group " + shName(group), -1);
        signatureOffset[group] = (int) (shOffset[strtab] + nameIndex);
    }

    /** {@return the string table a symbol table's sh_link names, checked to be one} */
    private int stringTableOf(int symtab) {
        int strtab = shLink[symtab];
        if (strtab <= 0 || strtab >= shnum || shType[strtab] != SHT_STRTAB) {
            throw in.error(sectionHeader(symtab) + 40, "the symbol table's string table index " + strtab + " is not a string table");
        }
        return strtab;
    }

    /** {@return group section {@code group}'s signature, decoded for a message} */
    private String signature(int group) {
        return text(signatureOffset[group], signatureLength[group]);
    }

    /** {@return the UTF-8 text of {@code length} bytes of the file from {@code offset} (already checked to lie in it)} */
    private String text(int offset, int length) {
        byte[] b = new byte[length];
        in.buf.get(offset, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Loaded sections become atoms, in section order. */
    private void makeAtoms(ElfObjectFile file) {
        sectionAtom = new int[shnum];
        pieceStart = new long[shnum][];
        pieceOut = new long[shnum][];
        boolean[] relocated = relocatedSections();
        int[] nameOffset = new int[shnum];
        int[] nameLength = new int[shnum];
        int count = 0;
        for (int i = 1; i < shnum; i++) {
            int type = shType[i];
            if (type == SHT_NOTE && nameIs(i, GnuPropertyNote.SECTION)) {
                // Merged by its own rules into the output's note (GnuPropertyNote), never copied.
                if (!discarded[i]) {
                    GnuPropertyNote.read(in, file, arch, shOffset[i], shSize[i]);
                }
                continue;
            }
            if ((shFlags[i] & SHF_ALLOC) == 0 || type == SHT_GROUP || discarded[i]) {
                continue;
            }
            SymbolKind kind = sectionKind(i);
            // Kept whatever refers to them, as GNU ld's default script KEEPs them: the init/fini
            // arrays, and .init/.fini, whose crti.o prologue and crtn.o epilogue nothing refers to.
            String out = outName[i] != null ? outName[i] : outputName(i);
            boolean keep = type == SHT_INIT_ARRAY || type == SHT_FINI_ARRAY || type == SHT_PREINIT_ARRAY
                    || (shFlags[i] & SHF_GNU_RETAIN) != 0 || KEPT_SECTIONS.contains(out) || type == SHT_NOTE;
            int output = loader.sections.intern(out, kind, type,
                    shFlags[i] & (SHF_WRITE | SHF_ALLOC | SHF_EXECINSTR | SHF_TLS), keep);
            long align = shAlign[i] == 0 ? 1 : shAlign[i];
            if (nameIs(i, ".eh_frame") && align > 4) {
                // Unwinders read .eh_frame as one run of records up to a zero length word: padding
                // between two inputs' pieces would end it early. Records are multiples of 4 bytes.
                align = 4;
            }
            if (align <= 0 || Long.bitCount(align) != 1 || align > (1L << 30)) {
                throw in.error(sectionHeader(i) + 48, "section " + shName(i) + " has alignment " + Long.toUnsignedString(align)
                        + ", which is not a power of two up to 2^30");
            }
            if (shSize[i] < 0 || shSize[i] > Integer.MAX_VALUE) {
                throw in.error(sectionHeader(i) + 32, "section " + shName(i) + " is larger than 2 GiB");
            }
            if (isMergeable(i, relocated[i]) && merge(i, out, output, (int) align)) {
                continue;
            }
            sectionAtom[i] = file.addSection(kind, output, (int) align, shOffset[i], shSize[i]);
            int priority = hasPriority(i) ? initPriority(shName(i)) : -1;
            if (priority >= 0) {
                loader.atoms.rank.put(sectionAtom[i], priority);
            }
            nameOffset[count] = shNameOffset[i];
            nameLength[count++] = shNameLength[i];
        }
        file.atomSectionNameOffset = Arrays.copyOf(nameOffset, count);
        file.atomSectionNameLength = Arrays.copyOf(nameLength, count);
    }

    /** {@return section i's name, decoded on first use} @param i a section index */
    private String shName(int i) {
        String n = shName[i];
        if (n == null) {
            shName[i] = n = text(shNameOffset[i], shNameLength[i]);
        }
        return n;
    }

    /** {@return whether section i's name is exactly the ASCII string s, read in place} */
    private boolean nameIs(int i, String s) {
        int len = shNameLength[i];
        if (len != s.length()) {
            return false;
        }
        for (int k = 0; k < len; k++) {
            if (nameByte(i, k) != s.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** {@return whether section i's name is p followed by '.', read in place} */
    private boolean nameHasPrefix(int i, String p) {
        int len = shNameLength[i];
        int pl = p.length();
        if (len <= pl || nameByte(i, pl) != '.') {
            return false;
        }
        for (int k = 0; k < pl; k++) {
            if (nameByte(i, k) != p.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** {@return byte k of section i's name, from the copy of the name table} */
    private byte nameByte(int i, int k) {
        return sectionNames[shNameOffset[i] - sectionNamesOffset + k];
    }

    /**
     * {@return the output section input section i goes to: {@code .text.foo} to {@code .text},
     * others keep their name}; a name that only its prefix decides is not decoded.
     */
    private String outputName(int i) {
        for (String p : MERGED_PREFIXES) {
            if (nameHasPrefix(i, p) || nameIs(i, p)) {
                return p;
            }
        }
        return shName(i);
    }

    /** Whether section i may carry an init priority ({@code .init_array.N} and kin): only those are decoded. */
    private boolean hasPriority(int i) {
        return nameHasPrefix(i, ".init_array") || nameHasPrefix(i, ".fini_array") || nameHasPrefix(i, ".preinit_array");
    }

    /**
     * Whether a section's pieces can be deduplicated across inputs: read-only SHF_MERGE data
     * without relocations of its own, NUL-terminated strings of 1-byte characters or fixed-size
     * entries.
     */
    private boolean isMergeable(int i, boolean relocated) {
        long f = shFlags[i];
        long e = shEntsize[i];
        if ((f & SHF_MERGE) == 0 || (f & (SHF_WRITE | SHF_EXECINSTR | SHF_TLS)) != 0 || shType[i] != SHT_PROGBITS
                || relocated || e <= 0 || shSize[i] == 0) {
            return false;
        }
        return (f & SHF_STRINGS) != 0 ? e == 1 : e <= 64 && shSize[i] % e == 0;
    }

    /**
     * Splits a mergeable section into pieces and adds them to the merge table of its output
     * section; returns false (the section is then kept whole) if its strings are not all
     * terminated.
     */
    private boolean merge(int i, String out, int outputSection, int align) {
        var split = pieces == null ? null : pieces[i];
        if (split == null) {
            return false; // an unterminated last string: keep the section as it is
        }
        boolean strings = (shFlags[i] & SHF_STRINGS) != 0;
        // With -fdata-sections an object has a mergeable section per function, nearly all for
        // one table: the last table found is kept rather than a key built and looked up for each.
        if (lastMerge == null || shEntsize[i] != lastMergeEntsize || strings != lastMergeStrings || align != lastMergeAlign
                || !out.equals(lastMergeOut)) {
            lastMerge = loader.mergeTable(out + "|" + shEntsize[i] + "|" + strings + "|" + align, outputSection, align);
            lastMergeOut = out;
            lastMergeEntsize = shEntsize[i];
            lastMergeStrings = strings;
            lastMergeAlign = align;
        }
        var table = lastMerge;
        split.internInto(table, in.buf, shOffset[i]);
        pieceStart[i] = split.starts();
        pieceOut[i] = split.outs();
        sectionAtom[i] = table.atom;
        return true;
    }

    /**
     * Cuts each section that may be merged into its pieces (the sections of a group already
     * dropped are skipped); whether it is merged is settled when the atoms are made.
     */
    private void splitMergeable() {
        boolean[] relocated = relocatedSections();
        for (int i = 1; i < shnum; i++) {
            if ((shFlags[i] & SHF_ALLOC) == 0 || surelyDiscarded[i] || !isMergeable(i, relocated[i])) {
                continue;
            }
            var split = dev.rivet.linker.core.symbols.MergedPieces.split(in.buf, shOffset[i], shSize[i], shEntsize[i],
                    (shFlags[i] & SHF_STRINGS) != 0);
            if (split != null) {
                if (pieces == null) {
                    pieces = new dev.rivet.linker.core.symbols.MergedPieces[shnum];
                }
                pieces[i] = split;
            }
        }
    }

    /** {@return which sections a relocation section applies to} */
    private boolean[] relocatedSections() {
        boolean[] relocated = new boolean[shnum];
        for (int j = 0; j < shnum; j++) {
            if ((shType[j] == SHT_RELA || shType[j] == SHT_REL) && shInfo[j] > 0 && shInfo[j] < shnum) {
                relocated[(int) shInfo[j]] = true;
            }
        }
        return relocated;
    }

    /** Where an offset in a merged input section went in its table. */
    private long mergedOffset(int section, long offset) {
        return dev.rivet.linker.core.symbols.MergedPieces.offsetIn(pieceStart[section], pieceOut[section], offset);
    }

    /**
     * {@return the priority of {@code .init_array.NNNNN} and {@code .fini_array.NNNNN}, which GNU
     * ld sorts before the unnumbered ones; -1 for other sections}
     */
    static int initPriority(String name) {
        for (String p : new String[] {".init_array.", ".fini_array.", ".preinit_array."}) {
            if (name.startsWith(p) && name.length() > p.length()) {
                String digits = name.substring(p.length());
                if (digits.length() <= 9 && digits.chars().allMatch(Character::isDigit)) {
                    return Integer.parseInt(digits);
                }
            }
        }
        return -1;
    }

    private SymbolKind sectionKind(int i) {
        long f = shFlags[i];
        boolean nobits = shType[i] == SHT_NOBITS;
        if ((f & SHF_TLS) != 0) {
            return nobits ? SymbolKind.TLS_BSS : SymbolKind.TLS_DATA;
        }
        if (nobits) {
            return SymbolKind.BSS;
        }
        if ((f & SHF_EXECINSTR) != 0) {
            return SymbolKind.TEXT;
        }
        return (f & SHF_WRITE) != 0 ? SymbolKind.DATA : SymbolKind.RODATA;
    }

    /**
     * Decodes the symbol table: each symbol's flags, section, value and size, its name's place
     * (noted, not copied) and hash. Symbols keep their ELF index as their local index.
     */
    private void readSymbols() {
        int symtab = -1;
        int shndxTable = -1;
        for (int i = 0; i < shnum; i++) {
            if (shType[i] == SHT_SYMTAB) {
                if (symtab >= 0) {
                    throw in.error(sectionHeader(i), "more than one symbol table (sections " + symtab + " and " + i + ")");
                }
                symtab = i;
            } else if (shType[i] == SHT_SYMTAB_SHNDX) {
                shndxTable = i;
            }
        }
        int n = 0;
        if (symtab >= 0) {
            if (shEntsize[symtab] != Elf.SYM_SIZE) {
                throw in.error(sectionHeader(symtab) + 56, "symbol table entry size is " + shEntsize[symtab] + ", not " + Elf.SYM_SIZE);
            }
            if (shSize[symtab] % Elf.SYM_SIZE != 0) {
                throw in.error(sectionHeader(symtab) + 32, "symbol table size " + shSize[symtab] + " is not a multiple of " + Elf.SYM_SIZE);
            }
            n = (int) (shSize[symtab] / Elf.SYM_SIZE);
        }
        symNameOffset = new int[n];
        symNameLength = new int[n];
        symHash = new int[n];
        symFound = loader.parseMayFindNames() ? new int[n] : null;
        symFlags = new int[n];
        symShndx = new int[n];
        symType = new byte[n];
        symValue = new long[n];
        symSize = new long[n];
        if (n == 0) {
            return;
        }
        symtabOffset = shOffset[symtab];
        int strtab = stringTableOf(symtab);
        if (shndxTable >= 0) {
            in.require(shOffset[shndxTable], 4L * n, "the extended section index table");
        }
        long base = symtabOffset;
        // The names are measured and hashed in a copy of the string table: one bulk copy, then
        // accessors C1 compiles inline, where the mapped buffer's are a call per eight bytes.
        byte[] strings;
        if (sectionNames.length > 0 && sectionNamesOffset == shOffset[strtab] && sectionNames.length == shSize[strtab]) {
            strings = sectionNames; // one table for both (clang's .strtab)
        } else {
            strings = new byte[(int) shSize[strtab]];
            in.buf.get((int) shOffset[strtab], strings);
        }
        stringTable = strings;
        stringTableOffset = (int) shOffset[strtab];
        for (int l = 0; l < n; l++) {
            long e = base + (long) l * Elf.SYM_SIZE;
            long nameIndex = in.u32(e);
            int info = in.u8(e + 4);
            int other = in.u8(e + 5);
            int shndx = in.u16(e + 6);
            int bind = info >>> 4;
            int type = info & 0xf;
            if (shndx == SHN_XINDEX) {
                if (shndxTable < 0) {
                    throw in.error(e + 6, "symbol " + l + " uses an extended section index, but there is no SHT_SYMTAB_SHNDX section");
                }
                shndx = (int) in.u32(shOffset[shndxTable] + 4L * l);
                if (shndx < 0) {
                    throw in.error(shOffset[shndxTable] + 4L * l, "symbol " + l + " is in section " + Integer.toUnsignedString(shndx)
                            + ", but the file has only " + shnum + " sections");
                }
            }
            // A section symbol is named by its section, in the section name table's copy; the
            // others in the string table's.
            byte[] names;
            int nameAt;
            if (type == STT_SECTION && shndx < shnum) {
                symNameOffset[l] = shNameOffset[shndx];
                symNameLength[l] = shNameLength[shndx];
                names = sectionNames;
                nameAt = shNameOffset[shndx] - sectionNamesOffset;
            } else {
                symNameLength[l] = in.nameLength(strings, shOffset[strtab], nameIndex, "symbol", l);
                symNameOffset[l] = (int) (shOffset[strtab] + nameIndex);
                names = strings;
                nameAt = (int) nameIndex;
            }
            int flags = 0;
            if (bind == STB_LOCAL || l == 0) {
                flags |= InputFile.LOCAL;
            } else if (bind == STB_WEAK) {
                flags |= InputFile.WEAK;
            } else if (bind != STB_GLOBAL && bind != 10) { // 10: STB_GNU_UNIQUE, a global here
                throw in.error(e + 4, "symbol " + l + " ('" + symbolName(l) + "') has unknown binding " + bind);
            }
            int vis = other & 3;
            if (vis == 1 || vis == 2) { // STV_INTERNAL, STV_HIDDEN
                flags |= InputFile.HIDDEN;
            }
            if (type == STT_SECTION || type == STT_FILE || l == 0) {
                flags |= InputFile.NOT_IN_SYMTAB;
            }
            if (type == STT_GNU_IFUNC) {
                flags |= InputFile.IFUNC;
            }
            if ((flags & InputFile.LOCAL) == 0 && shndx != SHN_UNDEF) {
                splitVersion(file, l);
            }
            symFlags[l] = flags;
            symShndx[l] = shndx;
            symType[l] = (byte) type;
            symValue[l] = in.u64(e + 8);
            symSize[l] = in.u64(e + 16);
            symHash[l] = dev.rivet.linker.core.symbols.ByteHash.of(names, nameAt, symNameLength[l]);
            if ((flags & InputFile.LOCAL) == 0 && symFound != null) {
                // Most of a member's globals are there already (what it was loaded for, and what
                // it calls): found now, in parallel, they need no probe when bound.
                symFound[l] = loader.symbols.find(in.buf, symNameOffset[l], symNameLength[l], symHash[l]);
            }
        }
    }

    /** Adds the decoded symbols to the file, now that its sections' atoms are known. */
    private void addSymbols(ElfObjectFile file) {
        int n = symFlags.length;
        file.ensureSymbolCapacity(file.symCount + n);
        mergedSectionSymbol = new int[n];
        java.util.Arrays.fill(mergedSectionSymbol, -1);
        long base = symtabOffset;
        for (int l = 0; l < n; l++) {
            long e = base + (long) l * Elf.SYM_SIZE;
            int flags = symFlags[l];
            int shndx = symShndx[l];
            int type = symType[l];
            long value = symValue[l];
            long size = symSize[l];
            if (l == 0) {
                file.addSymbol(SymbolKind.ABSOLUTE, flags, 0, 0, 0);
            } else if (shndx == SHN_UNDEF) {
                file.addSymbol(SymbolKind.UNDEFINED, flags, 0, 0, 0);
            } else if (shndx == SHN_ABS) {
                file.addSymbol(SymbolKind.ABSOLUTE, flags, 0, value, size);
            } else if (shndx == SHN_COMMON) {
                if (value <= 0 || Long.bitCount(value) != 1 || value > (1L << 30)) {
                    throw in.error(e + 8, "common symbol '" + symbolName(l) + "' has alignment " + value + ", which is not a power of two");
                }
                if (size < 0 || size > Integer.MAX_VALUE) {
                    // As for a .bss section: no bytes in the file bound it.
                    throw in.error(e + 16, "common symbol '" + symbolName(l) + "' of " + Long.toUnsignedString(size)
                            + " bytes is larger than 2 GiB");
                }
                int atom = file.addSection(SymbolKind.BSS, (int) value, 0, size);
                file.addCommonSectionName();
                file.addSymbol(SymbolKind.BSS, flags, atom, 0, size);
            } else if (shndx >= SHN_LORESERVE && shndx < SHN_XINDEX && shndx >= shnum) {
                throw in.error(e + 6, "symbol " + l + " ('" + symbolName(l) + "') has reserved section index 0x" + Integer.toHexString(shndx));
            } else if (shndx >= shnum) {
                throw in.error(e + 6, "symbol " + l + " ('" + symbolName(l) + "') is in section " + shndx
                        + ", but the file has only " + shnum + " sections");
            } else if (sectionAtom[shndx] == 0 && discarded[shndx]) {
                // In a dropped COMDAT copy: a global refers to the kept copy's definition; a
                // local (say, what an .eh_frame record points at) resolves to 0, as in other linkers.
                if ((flags & InputFile.LOCAL) == 0) {
                    file.addSymbol(SymbolKind.UNDEFINED, flags & ~InputFile.IFUNC, 0, 0, 0);
                } else {
                    file.addSymbol(SymbolKind.ABSOLUTE, flags | InputFile.NOT_IN_SYMTAB, 0, 0, 0);
                }
            } else if (sectionAtom[shndx] == 0) {
                if ((flags & InputFile.LOCAL) == 0) {
                    throw in.error(e + 6, "global symbol '" + symbolName(l) + "' is defined in section " + shName(shndx)
                            + ", which is not loaded");
                }
                file.addSymbol(SymbolKind.UNDEFINED, flags | InputFile.NOT_IN_SYMTAB, 0, 0, 0);
            } else {
                int atom = sectionAtom[shndx];
                if (Long.compareUnsigned(value, shSize[shndx]) > 0) {
                    throw in.error(e + 8, "symbol '" + symbolName(l) + "' has value 0x" + Long.toHexString(value)
                            + ", past the end of section " + shName(shndx) + " (" + shSize[shndx] + " bytes)");
                }
                if (pieceStart[shndx] != null) {
                    // In a merged section: a label moves with its piece; a section symbol stands
                    // for the table's start, and relocations against it map their addends.
                    if (type == STT_SECTION) {
                        mergedSectionSymbol[l] = shndx;
                        value = 0;
                    } else {
                        value = mergedOffset(shndx, value);
                    }
                }
                file.addSymbol(loader.atoms.kind(atom), flags, atom, value, size);
            }
        }
    }

    /**
     * A definition named {@code foo@@V} or {@code foo@V} by {@code .symver} carries version V;
     * the default one ({@code @@}) is bound as {@code foo}, as GNU ld binds it.
     */
    private void splitVersion(ElfObjectFile file, int l) {
        int start = symNameOffset[l];
        int length = symNameLength[l];
        int at = (int) InputBytes.indexOf(in.buf, start, start + length, '@');
        if (at >= 0) {
            int i = at - start;
            boolean isDefault = i + 1 < length && in.buf.get(start + i + 1) == '@';
            int versionStart = i + (isDefault ? 2 : 1);
            if (versionStart < length) {
                byte[] v = new byte[length - versionStart];
                in.buf.get(start + versionStart, v);
                file.symbolVersions.put(l, new String(v, StandardCharsets.UTF_8));
                if (isDefault) {
                    symNameLength[l] = i;
                }
            }
        }
    }

    /** A symbol's name, decoded for a message. */
    private String symbolName(int l) {
        return text(symNameOffset[l], symNameLength[l]);
    }

    /**
     * Decodes the RELA sections of every section that may be loaded into the file's relocation
     * table, one run per section; their atoms are given them in {@link #attachRelocations}.
     */
    private void readRelocations() {
        relFirst = new int[shnum];
        relCount = new int[shnum];
        java.util.Arrays.fill(relFirst, -1);
        sectionError = new dev.rivet.linker.LinkException[shnum];
        RelocationTypes types = RelocationTypes.of(arch);
        Arch core = loader.arch();
        long total = 0; // RELA sections lie within the file (checked), so this is no bogus size
        for (int i = 0; i < shnum; i++) {
            if (shType[i] == SHT_RELA && shInfo[i] > 0 && shInfo[i] < shnum && mayBeLoaded((int) shInfo[i])) {
                total += shSize[i] / 24;
            }
        }
        file.relocs.ensureCapacity((int) Math.min(Integer.MAX_VALUE, total));
        int symbols = symFlags.length;
        for (int i = 0; i < shnum; i++) {
            if (shType[i] == SHT_REL) {
                throw in.error(sectionHeader(i), "section " + shName(i) + " has REL relocations; " + arch.canonicalName() + " objects use RELA");
            }
            if (shType[i] != SHT_RELA) {
                continue;
            }
            long target = shInfo[i];
            if (target <= 0 || target >= shnum) {
                throw in.error(sectionHeader(i) + 44, "relocation section " + shName(i) + " applies to section " + target
                        + ", but the file has only " + shnum + " sections");
            }
            int t = (int) target;
            if (!mayBeLoaded(t) || sectionError[t] != null) {
                continue; // relocations of sections that are not loaded (debug information)
            }
            int first = file.relocs.count;
            try {
                if (relFirst[t] >= 0) {
                    throw in.error(sectionHeader(i), "section " + shName(t) + " has relocations in more than one relocation section");
                }
                decodeRelocations(i, t, types, core, symbols);
                relFirst[t] = first;
                relCount[t] = file.relocs.count - first;
            } catch (dev.rivet.linker.LinkException e) {
                file.relocs.count = first;
                sectionError[t] = e;
            }
        }
    }

    private void decodeRelocations(int i, int t, RelocationTypes types, Arch core, int symbols) {
        if (shEntsize[i] != 24 || shSize[i] % 24 != 0) {
            throw in.error(sectionHeader(i) + 56, "relocation section " + shName(i) + " has entry size " + shEntsize[i]
                    + " and size " + shSize[i] + "; RELA entries are 24 bytes");
        }
        long count = shSize[i] / 24;
        for (long r = 0; r < count; r++) {
            long e = shOffset[i] + r * 24;
            long offset = in.u64(e);
            long info = in.u64(e + 8);
            long addend = in.u64(e + 16);
            int sym = (int) (info >>> 32);
            int type = (int) info;
            if (type == RelocationTypes.NONE) {
                continue;
            }
            int op = types.op(type);
            if (op == -2) {
                throw in.error(e + 8, "unknown relocation type " + Integer.toUnsignedString(type) + " in " + shName(i));
            }
            if (op == -1) {
                throw in.error(e + 8, "relocation " + types.name(type) + " in " + shName(i) + " is not supported yet");
            }
            if ((info >>> 32) >= symbols) {
                throw in.error(e + 8, "relocation " + r + " in " + shName(i) + " refers to symbol " + (info >>> 32)
                        + ", but the symbol table has " + symbols);
            }
            int width = core.width(op);
            if (offset < 0 || offset > shSize[t] - width) {
                throw in.error(e, "relocation " + types.name(type) + " at offset 0x" + Long.toHexString(offset)
                        + " lies outside section " + shName(t) + " (" + shSize[t] + " bytes)");
            }
            int added = file.relocs.add((int) offset, op, sym, addend);
            int sectionOfSymbol = symShndx[sym];
            if (symType[sym] == STT_SECTION && sectionOfSymbol < shnum && pieces != null && pieces[sectionOfSymbol] != null) {
                // Against a section that may be merged: its addend is mapped to the piece then.
                if (mergedTargetRelocs == null) {
                    mergedTargetRelocs = new it.unimi.dsi.fastutil.ints.IntArrayList();
                }
                mergedTargetRelocs.add(added);
            }
        }
    }

    /**
     * Gives each loaded section its decoded relocations (or throws what was found wrong with
     * them), and maps the addends of those against merged sections to their pieces.
     */
    private void attachRelocations(ElfObjectFile file) {
        for (int t = 0; t < shnum; t++) {
            if (sectionAtom[t] == 0) {
                continue;
            }
            if (sectionError[t] != null) {
                throw sectionError[t];
            }
            if (relFirst[t] >= 0 && relCount[t] > 0 && pieceStart[t] == null) {
                file.attachRelocations(sectionAtom[t], relFirst[t], relCount[t]);
            }
        }
        if (mergedTargetRelocs != null) {
            for (int k = 0; k < mergedTargetRelocs.size(); k++) {
                int r = mergedTargetRelocs.getInt(k);
                int merged = mergedSectionSymbol[file.relocs.target[r]];
                long addend = file.relocs.addend(r);
                if (merged >= 0 && addend >= 0 && addend <= shSize[merged]) {
                    file.relocs.setAddend(r, mergedOffset(merged, addend)); // the piece the section offset falls in
                }
            }
        }
    }

    /**
     * Splits an {@code .eh_frame} section into its CIE and FDE records and says, per relocation,
     * what keeps it alive: a CIE's (the personality routine) always; an FDE's other references
     * (its LSDA) only when the function its first one (pc_begin) points to is live. The section is
     * then output whole but is not a root of dead-stripping.
     */
    private FrameRecords anchorFrameRecords(int section) {
        ElfObjectFile file = this.file;
        int first = Math.max(relFirst[section], 0);
        int count = relCount[section];
        int[] anchor = new int[count];
        java.util.Arrays.fill(anchor, -1);
        long base = shOffset[section];
        long size = shSize[section];
        // Records first (their bounds and kinds), then each relocation to the record holding its
        // offset: relocations need not come sorted.
        it.unimi.dsi.fastutil.longs.LongArrayList starts = new it.unimi.dsi.fastutil.longs.LongArrayList();
        it.unimi.dsi.fastutil.longs.LongArrayList ends = new it.unimi.dsi.fastutil.longs.LongArrayList();
        it.unimi.dsi.fastutil.booleans.BooleanArrayList isCie = new it.unimi.dsi.fastutil.booleans.BooleanArrayList();
        it.unimi.dsi.fastutil.ints.IntArrayList cieOf = new it.unimi.dsi.fastutil.ints.IntArrayList();
        long pos = 0;
        int fdes = 0;
        while (pos + 4 <= size) {
            long length = in.u32(base + pos);
            if (length == 0) {
                break; // terminator
            }
            if (length == 0xffffffffL || pos + 4 + length > size || length < 4) {
                throw in.error(base + pos, ".eh_frame record at offset 0x" + Long.toHexString(pos) + " has length 0x"
                        + Long.toHexString(length) + ", which does not fit in the section (" + size + " bytes)");
            }
            long id = in.u32(base + pos + 4);
            boolean cie = id == 0;
            if (!cie) {
                fdes++;
            }
            cieOf.add(cie ? -1 : (int) (pos + 4 - id)); // an FDE's second word: the distance back to its CIE
            starts.add(pos);
            ends.add(pos + 4 + length);
            isCie.add(cie);
            pos += 4 + length;
        }
        int[] recordOf = new int[count];
        int[] keyOf = new int[starts.size()];
        java.util.Arrays.fill(keyOf, -1);
        for (int i = 0; i < count; i++) {
            long off = file.relocs.offset[first + i];
            int k = java.util.Arrays.binarySearch(starts.elements(), 0, starts.size(), off);
            k = k >= 0 ? k : -k - 2; // the record starting at or before the offset
            recordOf[i] = k >= 0 && off < ends.getLong(k) ? k : -1;
            if (recordOf[i] >= 0 && !isCie.getBoolean(k) && off == starts.getLong(k) + 8) {
                keyOf[k] = i; // the FDE's pc_begin
            }
        }
        for (int i = 0; i < count; i++) {
            // -1 (always counts) for CIEs, for FDEs without a relocated pc_begin, and outside records.
            anchor[i] = recordOf[i] < 0 ? -1 : keyOf[recordOf[i]];
        }
        int[] recordStarts = new int[starts.size() + 1];
        for (int r = 0; r < starts.size(); r++) {
            recordStarts[r] = (int) starts.getLong(r);
        }
        recordStarts[starts.size()] = (int) pos;
        return new FrameRecords(anchor, fdes, recordStarts, cieOf.toIntArray());
    }

    /** Gives the file a loaded .eh_frame section's records, found when it was parsed. */
    private void addFrameRecords(ElfObjectFile file, int section) {
        FrameRecords f = frames[section];
        file.conditionalAtoms = java.util.Arrays.copyOf(file.conditionalAtoms, file.conditionalAtoms.length + 1);
        file.conditionalAtoms[file.conditionalAtoms.length - 1] = sectionAtom[section];
        file.anchors = java.util.Arrays.copyOf(file.anchors, file.anchors.length + 1);
        file.anchors[file.anchors.length - 1] = f.anchor();
        file.frameDescriptions = java.util.Arrays.copyOf(file.frameDescriptions, file.frameDescriptions.length + 1);
        file.frameDescriptions[file.frameDescriptions.length - 1] = f.fdes();
        file.frameRecordStarts = java.util.Arrays.copyOf(file.frameRecordStarts, file.frameRecordStarts.length + 1);
        file.frameRecordStarts[file.frameRecordStarts.length - 1] = f.recordStarts();
        file.frameRecordCie = java.util.Arrays.copyOf(file.frameRecordCie, file.frameRecordCie.length + 1);
        file.frameRecordCie[file.frameRecordCie.length - 1] = f.cieOf();
    }

    private long sectionHeader(int i) {
        return in.u64(40) + (long) i * Elf.SHDR_SIZE;
    }

    static String machineName(int m) {
        return switch (m) {
            case Elf.EM_X86_64 -> "x86-64";
            case Elf.EM_AARCH64 -> "AArch64";
            case 3 -> "i386";
            case 40 -> "ARM";
            case 243 -> "RISC-V";
            default -> "machine " + m;
        };
    }
}
