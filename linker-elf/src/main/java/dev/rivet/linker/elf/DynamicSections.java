package dev.rivet.linker.elf;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.LinkOptions;
import dev.rivet.linker.OutputKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.arch.Arch;
import dev.rivet.linker.core.output.DynamicLink;
import dev.rivet.linker.core.output.GotSection;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputSection;
import dev.rivet.linker.core.output.SyntheticAtoms;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SharedLibrary;
import dev.rivet.linker.core.symbols.SymbolLoader;
import dev.rivet.linker.core.symbols.SymbolTable;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tables of a dynamically linked output, each a linker-made atom in its own section:
 * {@code .interp}, {@code .dynsym} and {@code .dynstr}, {@code .gnu.hash} and/or {@code .hash},
 * {@code .gnu.version} and {@code .gnu.version_r}, {@code .rela.dyn}, {@code .rela.plt} and
 * {@code .dynamic}. Everything but addresses is decided before layout (names, order, versions,
 * hash tables, sizes); the generators fill in addresses after it.
 */
final class DynamicSections {
    static final String INTERP = ".interp";
    static final String DYNSYM = ".dynsym";
    static final String DYNSTR = ".dynstr";
    static final String GNU_HASH = ".gnu.hash";
    static final String HASH = ".hash";
    static final String VERSYM = ".gnu.version";
    static final String VERNEED = ".gnu.version_r";
    static final String VERDEF = ".gnu.version_d";
    static final String RELA_DYN = ".rela.dyn";
    static final String RELA_PLT = ".rela.plt";
    static final String DYNAMIC = ".dynamic";
    static final String[] ALL = {INTERP, DYNSYM, DYNSTR, GNU_HASH, HASH, VERSYM, VERDEF, VERNEED, RELA_DYN, RELA_PLT, DYNAMIC};

    static final int SHT_HASH = 5;
    static final int SHT_DYNAMIC = 6;
    static final int SHT_DYNSYM = 11;
    static final int SHT_GNU_HASH = 0x6ffffff6;
    static final int SHT_GNU_VERDEF = 0x6ffffffd;
    static final int SHT_GNU_VERNEED = 0x6ffffffe;
    static final int SHT_GNU_VERSYM = 0x6fffffff;

    private static final long DT_NEEDED = 1;
    private static final long DT_PLTRELSZ = 2;
    private static final long DT_PLTGOT = 3;
    private static final long DT_HASH = 4;
    private static final long DT_STRTAB = 5;
    private static final long DT_SYMTAB = 6;
    private static final long DT_RELA = 7;
    private static final long DT_RELASZ = 8;
    private static final long DT_RELAENT = 9;
    private static final long DT_STRSZ = 10;
    private static final long DT_SYMENT = 11;
    private static final long DT_INIT = 12;
    private static final long DT_FINI = 13;
    private static final long DT_SONAME = 14;
    private static final long DT_PLTREL = 20;
    private static final long DT_DEBUG = 21;
    private static final long DT_JMPREL = 23;
    private static final long DT_INIT_ARRAY = 25;
    private static final long DT_FINI_ARRAY = 26;
    private static final long DT_INIT_ARRAYSZ = 27;
    private static final long DT_FINI_ARRAYSZ = 28;
    private static final long DT_RUNPATH = 29;
    private static final long DT_FLAGS = 30;
    private static final long DT_PREINIT_ARRAY = 32;
    private static final long DT_PREINIT_ARRAYSZ = 33;
    private static final long DT_GNU_HASH = 0x6ffffef5L;
    private static final long DT_VERSYM = 0x6ffffff0L;
    private static final long DT_RELACOUNT = 0x6ffffff9L;
    private static final long DT_FLAGS_1 = 0x6ffffffbL;
    private static final long DT_VERDEF = 0x6ffffffcL;
    private static final long DT_VERDEFNUM = 0x6ffffffdL;
    private static final long DT_VERNEED = 0x6ffffffeL;
    private static final long DT_VERNEEDNUM = 0x6fffffffL;
    private static final long DF_SYMBOLIC = 2;
    private static final long DF_BIND_NOW = 8;
    private static final long DF_STATIC_TLS = 0x10;
    private static final long DF_1_NOW = 1;
    private static final long DF_1_PIE = 0x08000000L;

    private final LinkContext ctx;
    private final DynamicLink dyn;
    private final boolean x86;
    /** The symbol at each .dynsym index; index 0 is the null symbol. */
    private int[] dynsym;
    private final it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap indexOf = new it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap();
    private int firstHashed;
    private byte[] dynstr;
    private int[] nameOffset;
    private short[] versym;
    private byte[] verneed = new byte[0];
    private int verneedCount;
    private byte[] verdef = new byte[0];
    private boolean versioned;
    private int verdefCount;
    private byte[] gnuHash;
    private byte[] sysvHash;
    private final List<String> needed = new ArrayList<>();
    private final Map<String, Integer> stringOffsets = new LinkedHashMap<>();
    private int relaDynCount;
    private int relativeCount;
    private List<OutputSection> placed = List.of();
    private List<OutputSection> collected = List.of();
    private final java.util.Set<String> liveSectionNames = new java.util.HashSet<>();

    private DynamicSections(LinkContext ctx) {
        this.ctx = ctx;
        this.dyn = ctx.dynamic;
        this.x86 = ctx.target.architecture() == Architecture.X86_64;
    }

    /** {@return this link's tables, if it is dynamic} @param ctx the link */
    static DynamicSections of(LinkContext ctx) {
        return ctx.formatState instanceof DynamicSections d ? d : null;
    }

    /** After the relocation scan: makes the tables of a dynamic output, or retires them. */
    static void create(LinkContext ctx) {
        ctx.formatState = null;
        if (ctx.dynamic == null || !ctx.dynamic.active) {
            for (String s : ALL) {
                SyntheticAtoms.retire(ctx, s);
            }
            return;
        }
        DynamicSections d = new DynamicSections(ctx);
        ctx.formatState = d;
        d.build();
    }

    /** Called by the layout once sections are placed, for the addresses in {@code .dynamic}. */
    void placed(List<OutputSection> sections, List<OutputSection> collected) {
        this.placed = sections;
        this.collected = collected;
        OutputSection dynamic = find(DYNAMIC);
        dyn.dynamicSectionAddress = dynamic == null ? 0 : dynamic.address;
    }

    private void build() {
        SymbolTable st = ctx.symbols;
        // Which input-named sections have live atoms, decided once so that counting the dynamic
        // entries before layout and writing them after agree.
        var sections = ctx.loader.sections;
        boolean[] seen = new boolean[sections.count()];
        for (int a = ctx.atoms.alive.nextSetBit(1); a >= 0; a = ctx.atoms.alive.nextSetBit(a + 1)) {
            int id = ctx.atoms.section[a];
            if (id != 0 && !seen[id]) {
                seen[id] = true;
                liveSectionNames.add(sections.name(id));
            }
        }
        LinkOptions o = ctx.options;
        // Needed libraries, in command-line order, once each.
        for (SharedLibrary lib : dyn.libraries) {
            if ((!lib.asNeeded || lib.used) && !needed.contains(lib.soname)) {
                needed.add(lib.soname);
            }
        }
        // .dynsym: undefined symbols first, then the defined ones ordered by GNU hash bucket. An
        // import with a canonical PLT entry is hashed too (GNU ld): the loader must find the
        // program's address for it, which GOT slots (GLOB_DAT) everywhere then hold.
        IntArrayList candidates = dyn.dynamicSymbols();
        IntArrayList undefined = new IntArrayList();
        IntArrayList defined = new IntArrayList();
        for (int i = 0; i < candidates.size(); i++) {
            int s = candidates.getInt(i);
            (definedHere(s) || dyn.hasCanonicalPlt(s) ? defined : undefined).add(s);
        }
        int n = 1 + undefined.size() + defined.size();
        firstHashed = 1 + undefined.size();
        int[] hashes = new int[defined.size()];
        for (int i = 0; i < defined.size(); i++) {
            hashes[i] = gnuHash(dynamicName(defined.getInt(i)));
        }
        int buckets = Math.max(1, defined.size() / 4);
        // By bucket, a stable radix sort of indices (boxed indices with a comparator were ten
        // times slower: a shared library may export every global)
        int[] order = new int[defined.size()];
        int[] bucketOf = new int[defined.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            bucketOf[i] = Integer.remainderUnsigned(hashes[i], buckets);
        }
        it.unimi.dsi.fastutil.ints.IntArrays.radixSortIndirect(order, bucketOf, true);
        dynsym = new int[n];
        int[] sortedHashes = new int[defined.size()];
        for (int i = 0; i < undefined.size(); i++) {
            dynsym[1 + i] = undefined.getInt(i);
        }
        for (int i = 0; i < order.length; i++) {
            dynsym[firstHashed + i] = defined.getInt(order[i]);
            sortedHashes[i] = hashes[order[i]];
        }
        indexOf.defaultReturnValue(0);
        for (int i = 1; i < n; i++) {
            indexOf.put(dynsym[i], i);
        }

        // .dynstr
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        strings.write(0);
        for (String lib : needed) {
            string(strings, lib);
        }
        o.soname().ifPresent(s -> string(strings, s));
        if (!o.runPaths().isEmpty()) {
            string(strings, String.join(":", o.runPaths()));
        }
        nameOffset = new int[n];
        for (int i = 1; i < n; i++) {
            nameOffset[i] = strings.size();
            strings.writeBytes(dynamicName(dynsym[i]));
            strings.write(0);
        }

        // Versions: a library's own (index 1 its base, then its version script's named versions),
        // then each (library, version) an imported symbol uses.
        versym = new short[n];
        List<LinkOptions.SymbolVersion> ownVersions = dyn.kind == OutputKind.SHARED_LIBRARY ? o.symbolVersions() : List.of();
        if (!ownVersions.isEmpty()) {
            buildVerdef(strings, ownVersions);
        }
        var versionOf = DynamicLink.versionMatcher(ownVersions);
        Map<String, Map<String, Integer>> needs = new LinkedHashMap<>();
        int nextIndex = verdefCount == 0 ? 2 : verdefCount + 1;
        boolean anyVersion = verdefCount > 0;
        for (int i = 1; i < n; i++) {
            int s = dynsym[i];
            versym[i] = 1; // VER_NDX_GLOBAL
            String own = ownVersion(s);
            if (own != null) {
                versym[i] = (short) (definedVersionIndex(s, own, ownVersions) | (isHiddenVersion(s) ? 0x8000 : 0));
            } else if (verdefCount > 0 && definedHere(s) && !dyn.isImported(s)) {
                int v = versionOf.applyAsInt(st.name(s));
                versym[i] = (short) (v < 0 ? 1 : 2 + v);
            } else if (st.file(st.file[s]) instanceof SharedLibrary lib) {
                String v = lib.version(st.local[s]);
                if (v != null) {
                    Map<String, Integer> m = needs.computeIfAbsent(lib.soname, k -> new LinkedHashMap<>());
                    Integer idx = m.get(v);
                    if (idx == null) {
                        idx = nextIndex++;
                        m.put(v, idx);
                    }
                    versym[i] = (short) (int) idx;
                    anyVersion = true;
                }
            }
        }
        if (!needs.isEmpty()) {
            int firstNeeded = verdefCount == 0 ? 2 : verdefCount + 1;
            ByteBuffer vb = ByteBuffer.allocate(needs.size() * 16 + (nextIndex - firstNeeded) * 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int libIndex = 0;
            for (Map.Entry<String, Map<String, Integer>> e : needs.entrySet()) {
                int at = vb.position();
                int cnt = e.getValue().size();
                vb.putShort((short) 1).putShort((short) cnt).putInt(string(strings, e.getKey())).putInt(16)
                        .putInt(++libIndex == needs.size() ? 0 : 16 + 16 * cnt);
                int k = 0;
                for (Map.Entry<String, Integer> v : e.getValue().entrySet()) {
                    vb.putInt(elfHash(v.getKey().getBytes(StandardCharsets.UTF_8))).putShort((short) 0)
                            .putShort((short) (int) v.getValue()).putInt(string(strings, v.getKey()))
                            .putInt(++k == cnt ? 0 : 16);
                }
                assert vb.position() == at + 16 + 16 * cnt;
            }
            verneed = vb.array();
            verneedCount = needs.size();
        }
        versioned = anyVersion;
        dynstr = strings.toByteArray();

        gnuHash = o.hashStyle() != LinkOptions.HashStyle.SYSV ? buildGnuHash(sortedHashes, buckets) : null;
        sysvHash = o.hashStyle() != LinkOptions.HashStyle.GNU ? buildSysvHash(n) : null;

        // .rela.dyn: count what the generator will write.
        relativeCount = 0;
        int others = 0;
        for (int i = 0; i < dyn.placeCount(); i++) {
            if (dyn.placeKind(i) == DynamicLink.RELATIVE) {
                relativeCount++;
            } else {
                others++;
            }
        }
        for (int i = 0; i < ctx.got.size(); i++) {
            int k = gotRelocation(ctx.got.symbol(i));
            if (k == DynamicLink.RELATIVE) {
                relativeCount++;
            } else if (k != 0) {
                others++;
            }
        }
        others += tlsRelocations(null, 0);
        relaDynCount = relativeCount + others + dyn.copyCount() + ctx.ifuncs.size();
        makeAtoms(n);
    }

    /**
     * {@code .gnu.version_d}: the base version (index 1, named by the soname or the output's file
     * name), then one definition per version, whose second auxiliary entry names its parent.
     */
    private void buildVerdef(ByteArrayOutputStream strings, List<LinkOptions.SymbolVersion> versions) {
        String base = ctx.options.soname().orElse(ctx.output == null ? "" : String.valueOf(ctx.output.getFileName()));
        verdefCount = versions.size() + 1;
        int size = 28 * verdefCount;
        for (LinkOptions.SymbolVersion v : versions) {
            size += v.parent().isPresent() ? 8 : 0;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < verdefCount; i++) {
            String name = i == 0 ? base : versions.get(i - 1).name();
            java.util.Optional<String> parent = i == 0 ? java.util.Optional.empty() : versions.get(i - 1).parent();
            int at = b.position();
            int count = parent.isPresent() ? 2 : 1;
            int next = i == verdefCount - 1 ? 0 : 20 + 8 * count;
            b.putShort((short) 1).putShort((short) (i == 0 ? 1 : 0)) // VER_FLG_BASE
                    .putShort((short) (i + 1)).putShort((short) count)
                    .putInt(elfHash(name.getBytes(StandardCharsets.UTF_8))).putInt(20).putInt(next);
            b.putInt(string(strings, name)).putInt(count == 2 ? 8 : 0);
            if (count == 2) {
                b.putInt(string(strings, parent.get())).putInt(0);
            }
            assert b.position() == at + 20 + 8 * count;
        }
        verdef = b.array();
    }

    /** {@return the dynamic relocation a GOT slot needs: GLOB_DAT, RELATIVE or 0} */
    private int gotRelocation(int s) {
        if (dyn.isPreemptible(s)) {
            return DynamicLink.GLOB_DAT;
        }
        SymbolTable st = ctx.symbols;
        if (!dyn.pic || !st.isDefined(s) || (st.kind(s) == SymbolKind.ABSOLUTE && !st.hasFlag(s, InputFile.LINKER_DEFINED))) {
            return 0;
        }
        return DynamicLink.RELATIVE;
    }

    /** The index of a version this library defines, for a definition that {@code .symver} gave it. */
    private int definedVersionIndex(int s, String version, List<LinkOptions.SymbolVersion> versions) {
        for (int v = 0; v < versions.size(); v++) {
            if (versions.get(v).name().equals(version)) {
                return 2 + v;
            }
        }
        SymbolTable st = ctx.symbols;
        throw new dev.rivet.linker.LinkException(dev.rivet.linker.Diagnostic.error("symbol '" + st.name(s) + "' has version "
                + version + ", which no version script defines").withInput(st.file(st.file[s]).name)
                .withHint("define it in the version script: " + version + " { };"));
    }

    /** {@return the version an object gave a definition of this output ({@code .symver}), null for none; not a copy's library version} */
    private String ownVersion(int s) {
        SymbolTable st = ctx.symbols;
        return dyn.isImported(s) || !st.isDefined(s) ? null : st.file(st.file[s]).version(st.local[s]);
    }

    /** Whether a definition is a hidden (non-default) version, {@code foo@V}, whose name keeps the version. */
    private boolean isHiddenVersion(int s) {
        return ownVersion(s) != null && ctx.symbols.name(s).indexOf('@') >= 0;
    }

    /**
     * A dynamic symbol's name: a hidden version's definition {@code foo@V}, or a reference to a
     * library's, is named {@code foo}, its version in {@code .gnu.version}.
     */
    private byte[] dynamicName(int s) {
        byte[] b = nameBytes(s);
        if (isHiddenVersion(s) || (dyn.isImported(s) && importedVersion(s) != null)) {
            for (int i = 0; i < b.length; i++) {
                if (b[i] == '@') {
                    return java.util.Arrays.copyOf(b, i);
                }
            }
        }
        return b;
    }

    /** {@return the version of the library definition an import binds to, null for none} */
    private String importedVersion(int s) {
        SymbolTable st = ctx.symbols;
        return st.file(st.file[s]) instanceof SharedLibrary lib ? lib.version(st.local[s]) : null;
    }

    private boolean definedHere(int s) {
        return dyn.isCopied(s) || (!dyn.isImported(s) && ctx.symbols.isDefined(s));
    }

    private byte[] nameBytes(int s) {
        SymbolTable st = ctx.symbols;
        byte[] b = new byte[st.nameLength(s)];
        st.copyName(s, b, 0);
        return b;
    }

    private int string(ByteArrayOutputStream out, String s) {
        Integer at = stringOffsets.get(s);
        if (at != null) {
            return at;
        }
        int off = out.size();
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        stringOffsets.put(s, off);
        return off;
    }

    private void makeAtoms(int n) {
        long ro = Elf.SHF_ALLOC;
        String interp = ctx.options.interpreter().orElse(x86 ? "/lib64/ld-linux-x86-64.so.2" : "/lib/ld-linux-aarch64.so.1");
        if (dyn.kind != OutputKind.SHARED_LIBRARY && !interp.isEmpty()) {
            byte[] path = (interp + "\0").getBytes(StandardCharsets.UTF_8);
            SyntheticAtoms.make(ctx, INTERP, SymbolKind.RODATA, Elf.SHT_PROGBITS, ro, 1, path.length, out -> out.buffer().put(0, path));
        } else {
            SyntheticAtoms.retire(ctx, INTERP);
        }
        SyntheticAtoms.make(ctx, DYNSYM, SymbolKind.RODATA, SHT_DYNSYM, ro, 8, (long) n * Elf.SYM_SIZE, out -> writeDynsym(out.buffer()));
        SyntheticAtoms.make(ctx, DYNSTR, SymbolKind.RODATA, Elf.SHT_STRTAB, ro, 1, dynstr.length, out -> out.buffer().put(0, dynstr));
        if (gnuHash != null) {
            SyntheticAtoms.make(ctx, GNU_HASH, SymbolKind.RODATA, SHT_GNU_HASH, ro, 8, gnuHash.length, out -> out.buffer().put(0, gnuHash));
        } else {
            SyntheticAtoms.retire(ctx, GNU_HASH);
        }
        if (sysvHash != null) {
            SyntheticAtoms.make(ctx, HASH, SymbolKind.RODATA, SHT_HASH, ro, 8, sysvHash.length, out -> out.buffer().put(0, sysvHash));
        } else {
            SyntheticAtoms.retire(ctx, HASH);
        }
        if (versioned) {
            SyntheticAtoms.make(ctx, VERSYM, SymbolKind.RODATA, SHT_GNU_VERSYM, ro, 2, 2L * n, out -> {
                for (int i = 0; i < n; i++) {
                    out.buffer().putShort(2 * i, versym[i]);
                }
            });
        } else {
            SyntheticAtoms.retire(ctx, VERSYM);
        }
        if (verdefCount > 0) {
            SyntheticAtoms.make(ctx, VERDEF, SymbolKind.RODATA, SHT_GNU_VERDEF, ro, 8, verdef.length, out -> out.buffer().put(0, verdef));
        } else {
            SyntheticAtoms.retire(ctx, VERDEF);
        }
        if (verneedCount > 0) {
            SyntheticAtoms.make(ctx, VERNEED, SymbolKind.RODATA, SHT_GNU_VERNEED, ro, 8, verneed.length, out -> out.buffer().put(0, verneed));
        } else {
            SyntheticAtoms.retire(ctx, VERNEED);
        }
        if (relaDynCount > 0) {
            SyntheticAtoms.make(ctx, RELA_DYN, SymbolKind.RODATA, Elf.SHT_RELA, ro, 8, 24L * relaDynCount, out -> writeRelaDyn(out.buffer()));
        } else {
            SyntheticAtoms.retire(ctx, RELA_DYN);
        }
        if (dyn.pltCount() > 0) {
            SyntheticAtoms.make(ctx, RELA_PLT, SymbolKind.RODATA, Elf.SHT_RELA, ro, 8, 24L * dyn.pltCount(), out -> {
                for (int i = 0; i < dyn.pltCount(); i++) {
                    rela(out.buffer(), 24 * i, dyn.pltSlotAddress(i), x86 ? 7 : 1026, indexOf.get(dyn.pltSymbol(i)), 0);
                }
            });
        } else {
            SyntheticAtoms.retire(ctx, RELA_PLT);
        }
        int entries = dynamicEntries(null);
        SyntheticAtoms.make(ctx, DYNAMIC, SymbolKind.DATA, SHT_DYNAMIC, Elf.SHF_ALLOC | Elf.SHF_WRITE, 8, 16L * entries,
                out -> dynamicEntries(out.buffer()));
    }

    private void writeDynsym(ByteBuffer b) {
        SymbolTable st = ctx.symbols;
        for (int i = 1; i < dynsym.length; i++) {
            int s = dynsym[i];
            int pos = i * Elf.SYM_SIZE;
            SymbolKind k = st.isDefined(s) ? st.kind(s) : SymbolKind.UNDEFINED;
            int type = st.hasFlag(s, InputFile.IFUNC) && !dyn.isImported(s) ? Elf.STT_GNU_IFUNC : switch (k) {
                case TEXT -> Elf.STT_FUNC;
                case TLS_DATA, TLS_BSS -> Elf.STT_TLS;
                case UNDEFINED, ABSOLUTE -> Elf.STT_NOTYPE;
                default -> Elf.STT_OBJECT;
            };
            boolean weak = st.hasFlag(s, InputFile.WEAK) && !dyn.isImported(s);
            int shndx = 0;
            long value = 0;
            long size = st.isDefined(s) ? st.size(s) : 0;
            if (dyn.isCopied(s)) {
                shndx = placedIndexOfAtom(dyn.copyAtomOf(s));
                value = ctx.symbolAddress[s];
            } else if (definedHere(s)) {
                int atom = ctx.symbolAtom[s];
                shndx = atom == 0 ? Elf.SHN_ABS : placedIndexOfAtom(atom);
                value = ctx.reportedAddress[s];
            } else if (dyn.hasCanonicalPlt(s)) {
                value = ctx.symbolAddress[s];
            } else {
                size = 0; // an import: its size is the library's business
            }
            b.putInt(pos, nameOffset[i]);
            b.put(pos + 4, (byte) (((weak ? Elf.STB_WEAK : Elf.STB_GLOBAL) << 4) | type));
            b.put(pos + 5, (byte) 0);
            b.putShort(pos + 6, (short) shndx);
            b.putLong(pos + 8, value);
            b.putLong(pos + 16, size);
        }
    }

    private int placedIndexOfAtom(int atom) {
        int out = ctx.atomOutput[atom];
        return out < 0 ? 0 : collected.get(out).index;
    }

    private int sectionIndexOfName(String name) {
        OutputSection s = find(name);
        return s == null ? 0 : s.index;
    }

    private void writeRelaDyn(ByteBuffer b) {
        SymbolTable st = ctx.symbols;
        long relative = x86 ? 8 : 1027;
        long symbolic = x86 ? 1 : 257;
        long globDat = x86 ? 6 : 1025;
        long copy = x86 ? 5 : 1024;
        long irelative = x86 ? 37 : 1032;
        int r = 0;
        int o = relativeCount; // RELATIVE records first, as DT_RELACOUNT says
        for (int i = 0; i < dyn.placeCount(); i++) {
            if (dyn.placeKind(i) == DynamicLink.RELATIVE) {
                rela(b, 24 * r++, dyn.placeAddress(i), relative, 0, dyn.placeAddend(i));
            } else {
                rela(b, 24 * o++, dyn.placeAddress(i), symbolic, indexOf.get(dyn.placeSymbol(i)), dyn.placeAddend(i));
            }
        }
        for (int i = 0; i < ctx.got.size(); i++) {
            int s = ctx.got.symbol(i);
            int k = gotRelocation(s);
            long slot = ctx.got.entryAddress(ctx, s);
            if (k == DynamicLink.RELATIVE) {
                long a = ctx.symbolAddress[s];
                rela(b, 24 * r++, slot, relative, 0, a == SymbolLoader.NO_ADDRESS ? 0 : a);
            } else if (k == DynamicLink.GLOB_DAT) {
                rela(b, 24 * o++, slot, globDat, indexOf.get(s), 0);
            }
        }
        o += tlsRelocations(b, o);
        for (int i = 0; i < dyn.copyCount(); i++) {
            rela(b, 24 * o++, dyn.copyAddress(i), copy, indexOf.get(dyn.copySymbol(i)), 0);
        }
        for (int i = 0; i < ctx.ifuncs.size(); i++) { // last: resolvers may use what the others relocate
            rela(b, 24 * o++, ctx.ifuncs.slotAddress(ctx, i), irelative, 0, ctx.ifuncs.resolverAddress(ctx, i));
        }
        assert r == relativeCount && o == relaDynCount : st;
    }

    /**
     * Writes the thread-local GOT entries' relocations from record {@code first} on, or only counts
     * them when {@code b} is null: a symbol bound here is named by its offset in this module's block
     * (symbol 0, as lld and mold do), a preemptible one by its dynamic symbol.
     *
     * @return how many records there are
     */
    private int tlsRelocations(ByteBuffer b, int first) {
        var got = ctx.got;
        int n = 0;
        for (int i = 0; i < got.tlsCount(Arch.TLS_GOT_IE); i++) {
            int s = got.tlsSymbol(Arch.TLS_GOT_IE, i);
            if (dyn.tlsAccess(s) != Arch.TLS_LOCAL_EXEC) {
                tlsRela(b, first + n++, got.tlsEntryAddress(ctx, Arch.TLS_GOT_IE, s), x86 ? 18 : 1030, s); // TPOFF64 / TLS_TPREL64
            }
        }
        for (int i = 0; i < got.tlsCount(Arch.TLS_GOT_GD); i++) {
            int s = got.tlsSymbol(Arch.TLS_GOT_GD, i);
            long slot = got.tlsEntryAddress(ctx, Arch.TLS_GOT_GD, s);
            if (dyn.isPreemptible(s)) {
                tlsRela(b, first + n++, slot, x86 ? 16 : 1028, s);     // DTPMOD64
                tlsRela(b, first + n++, slot + 8, x86 ? 17 : 1029, s); // DTPOFF64: the offset the GOT holds otherwise
            } else if (b != null) {
                rela(b, 24 * (first + n++), slot, x86 ? 16 : 1028, 0, 0);
            } else {
                n++;
            }
        }
        for (int i = 0; i < got.tlsCount(Arch.TLS_GOT_DESC); i++) {
            int s = got.tlsSymbol(Arch.TLS_GOT_DESC, i);
            tlsRela(b, first + n++, got.tlsEntryAddress(ctx, Arch.TLS_GOT_DESC, s), x86 ? 36 : 1031, s); // TLSDESC
        }
        if (got.tlsCount(Arch.TLS_GOT_LD) > 0) {
            if (b != null) {
                rela(b, 24 * (first + n), got.tlsEntryAddress(ctx, Arch.TLS_GOT_LD, 0), x86 ? 16 : 1028, 0, 0);
            }
            n++;
        }
        return n;
    }

    /** One record against a thread-local symbol: its dynamic symbol if preemptible, else symbol 0 and its offset in the block. */
    private void tlsRela(ByteBuffer b, int record, long offset, long type, int s) {
        if (b == null) {
            return;
        }
        if (dyn.isPreemptible(s)) {
            rela(b, 24 * record, offset, type, indexOf.get(s), 0);
        } else {
            rela(b, 24 * record, offset, type, 0, GotSection.moduleOffset(ctx, s));
        }
    }

    private static void rela(ByteBuffer b, int pos, long offset, long type, int sym, long addend) {
        b.putLong(pos, offset);
        b.putLong(pos + 8, ((long) sym << 32) | type);
        b.putLong(pos + 16, addend);
    }

    /** Writes the dynamic section's entries, or only counts them when {@code b} is null. */
    private int dynamicEntries(ByteBuffer b) {
        LinkOptions o = ctx.options;
        Entries e = new Entries(b);
        for (String lib : needed) {
            e.add(DT_NEEDED, stringOffsets.get(lib));
        }
        o.soname().ifPresent(s -> e.add(DT_SONAME, stringOffsets.get(s)));
        if (!o.runPaths().isEmpty()) {
            e.add(DT_RUNPATH, stringOffsets.get(String.join(":", o.runPaths())));
        }
        if (isLiveHere("_init")) {
            e.add(DT_INIT, linkerVisibleAddress("_init"));
        }
        if (isLiveHere("_fini")) {
            e.add(DT_FINI, linkerVisibleAddress("_fini"));
        }
        if (dyn.kind != OutputKind.SHARED_LIBRARY) {
            array(e, ".preinit_array", DT_PREINIT_ARRAY, DT_PREINIT_ARRAYSZ);
        }
        array(e, ".init_array", DT_INIT_ARRAY, DT_INIT_ARRAYSZ);
        array(e, ".fini_array", DT_FINI_ARRAY, DT_FINI_ARRAYSZ);
        if (gnuHash != null) {
            e.add(DT_GNU_HASH, address(GNU_HASH));
        }
        if (sysvHash != null) {
            e.add(DT_HASH, address(HASH));
        }
        e.add(DT_STRTAB, address(DYNSTR));
        e.add(DT_SYMTAB, address(DYNSYM));
        e.add(DT_STRSZ, dynstr.length);
        e.add(DT_SYMENT, Elf.SYM_SIZE);
        if (dyn.kind != OutputKind.SHARED_LIBRARY) {
            e.add(DT_DEBUG, 0);
        }
        if (dyn.pltCount() > 0) {
            e.add(DT_PLTGOT, dyn.gotPltAddress());
            e.add(DT_PLTRELSZ, 24L * dyn.pltCount());
            e.add(DT_PLTREL, DT_RELA);
            e.add(DT_JMPREL, address(RELA_PLT));
        }
        if (relaDynCount > 0) {
            e.add(DT_RELA, address(RELA_DYN));
            e.add(DT_RELASZ, 24L * relaDynCount);
            e.add(DT_RELAENT, 24);
            if (relativeCount > 0) {
                e.add(DT_RELACOUNT, relativeCount);
            }
        }
        if (versioned) {
            e.add(DT_VERSYM, address(VERSYM));
        }
        if (verdefCount > 0) {
            e.add(DT_VERDEF, address(VERDEF));
            e.add(DT_VERDEFNUM, verdefCount);
        }
        if (verneedCount > 0) {
            e.add(DT_VERNEED, address(VERNEED));
            e.add(DT_VERNEEDNUM, verneedCount);
        }
        long flags = (o.bindNow() ? DF_BIND_NOW : 0) | (o.symbolic() && dyn.kind == OutputKind.SHARED_LIBRARY ? DF_SYMBOLIC : 0)
                | (dyn.usesStaticTls() ? DF_STATIC_TLS : 0);
        if (flags != 0) {
            e.add(DT_FLAGS, flags);
        }
        long flags1 = (o.bindNow() ? DF_1_NOW : 0) | (dyn.kind == OutputKind.PIE ? DF_1_PIE : 0);
        if (flags1 != 0) {
            e.add(DT_FLAGS_1, flags1);
        }
        e.add(0, 0);
        return e.count;
    }

    /** Counts or writes (tag, value) pairs. */
    private static final class Entries {
        final ByteBuffer b;
        int count;

        Entries(ByteBuffer b) {
            this.b = b;
        }

        void add(long tag, long value) {
            if (b != null) {
                b.putLong(16 * count, tag);
                b.putLong(16 * count + 8, value);
            }
            count++;
        }
    }

    private void array(Entries e, String name, long tag, long sizeTag) {
        if (liveSectionNames.contains(name)) {
            OutputSection s = find(name);
            e.add(tag, s == null ? 0 : s.address);
            e.add(sizeTag, s == null ? 0 : s.size);
        }
    }

    /** Whether a function the loader calls ({@code _init}, {@code _fini}) is defined here and kept. */
    private boolean isLiveHere(String name) {
        int s = ctx.symbols.lookup(name);
        if (s == 0 || !ctx.symbols.isDefined(s) || dyn.isImported(s)) {
            return false;
        }
        int atom = ctx.symbolAtom[s];
        return atom != 0 && ctx.atoms.alive.get(atom);
    }

    private long linkerVisibleAddress(String name) {
        int s = ctx.symbols.lookup(name);
        if (s == 0 || !ctx.symbols.isDefined(s) || dyn.isImported(s) || ctx.symbolAddress == null) {
            return 0;
        }
        long a = ctx.symbolAddress[s];
        return a == SymbolLoader.NO_ADDRESS ? 0 : a;
    }

    private long address(String section) {
        OutputSection s = find(section);
        return s == null ? 0 : s.address;
    }

    private OutputSection find(String name) {
        for (OutputSection s : placed) {
            if (s.name.equals(name)) {
                return s;
            }
        }
        return null;
    }

    private byte[] buildGnuHash(int[] hashes, int buckets) {
        int count = hashes.length;
        int maskWords = Integer.highestOneBit(Math.max(1, count * 12 / 64));
        if (maskWords < Math.max(1, count * 12 / 64)) {
            maskWords <<= 1;
        }
        int shift2 = 26;
        ByteBuffer b = ByteBuffer.allocate(16 + 8 * maskWords + 4 * buckets + 4 * count).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, buckets).putInt(4, firstHashed).putInt(8, maskWords).putInt(12, shift2);
        for (int h : hashes) {
            int word = (int) (Integer.toUnsignedLong(h) / 64 % maskWords);
            long bits = (1L << (h & 63)) | (1L << ((h >>> shift2) & 63));
            int at = 16 + 8 * word;
            b.putLong(at, b.getLong(at) | bits);
        }
        int bucketBase = 16 + 8 * maskWords;
        int chainBase = bucketBase + 4 * buckets;
        for (int i = 0; i < count; i++) {
            int bucket = Integer.remainderUnsigned(hashes[i], buckets);
            if (b.getInt(bucketBase + 4 * bucket) == 0) {
                b.putInt(bucketBase + 4 * bucket, firstHashed + i);
            }
            boolean last = i == count - 1 || Integer.remainderUnsigned(hashes[i + 1], buckets) != bucket;
            b.putInt(chainBase + 4 * i, last ? hashes[i] | 1 : hashes[i] & ~1);
        }
        return b.array();
    }

    private byte[] buildSysvHash(int n) {
        int buckets = Math.max(1, n / 2) | 1;
        ByteBuffer b = ByteBuffer.allocate(8 + 4 * buckets + 4 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, buckets).putInt(4, n);
        int chainBase = 8 + 4 * buckets;
        for (int i = 1; i < n; i++) {
            int bucket = Integer.remainderUnsigned(elfHash(dynamicName(dynsym[i])), buckets);
            // Prepend to the bucket's chain.
            b.putInt(chainBase + 4 * i, b.getInt(8 + 4 * bucket));
            b.putInt(8 + 4 * bucket, i);
        }
        return b.array();
    }

    static int gnuHash(byte[] name) {
        int h = 5381;
        for (byte c : name) {
            h = h * 33 + (c & 0xff);
        }
        return h;
    }

    static int elfHash(byte[] name) {
        int h = 0;
        for (byte c : name) {
            h = (h << 4) + (c & 0xff);
            int g = h & 0xf0000000;
            if (g != 0) {
                h ^= g >>> 24;
            }
            h &= ~g;
        }
        return h;
    }

    /** {@return the section header link and info of a dynamic table section, or null for other sections} */
    int[] linkAndInfo(OutputSection s) {
        int dynsymIndex = sectionIndexOfName(DYNSYM);
        int dynstrIndex = sectionIndexOfName(DYNSTR);
        return switch (s.name) {
            case DYNSYM -> new int[] {dynstrIndex, 1}; // only the null symbol is local
            case GNU_HASH, HASH, VERSYM, RELA_DYN -> new int[] {dynsymIndex, 0};
            case RELA_PLT -> new int[] {dynsymIndex, sectionIndexOfName(".got.plt")};
            case VERNEED -> new int[] {dynstrIndex, verneedCount};
            case VERDEF -> new int[] {dynstrIndex, verdefCount};
            case DYNAMIC -> new int[] {dynstrIndex, 0};
            default -> null;
        };
    }
}
