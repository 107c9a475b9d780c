package dev.rivet.linker.macho;

import dev.rivet.linker.Architecture;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.output.DynamicLink;
import dev.rivet.linker.core.output.LinkContext;
import dev.rivet.linker.core.output.OutputPlan;
import dev.rivet.linker.core.output.OutputSection;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SharedLibrary;
import dev.rivet.linker.core.symbols.SymbolTable;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A laid-out Mach-O output: the header and load commands, and the {@code __LINKEDIT} contents
 * (dyld info, export trie, function starts, symbol tables), all computed once the sections have
 * addresses and written after the atoms. {@link #finish} hashes the output into {@code LC_UUID}.
 */
final class MachOPlan implements OutputPlan {
    private static final String DYLINKER = "/usr/lib/dyld";
    private static final String LIB_SYSTEM = "/usr/lib/libSystem.B.dylib";

    private final LinkContext ctx;
    private final MachOState state;
    private final List<MachOLayout.Segment> segments;
    private final MachOLayout.Section[] byOutput;
    private final boolean dylib;
    private final long page;
    /** Install names of LC_LOAD_DYLIB, in ordinal order (ordinal = index + 1). */
    private final List<String> dylibNames = new ArrayList<>();
    /** Their current and compatibility versions, as the dylibs (or their stubs) give them. */
    private final IntArrayList dylibCurrent = new IntArrayList();
    private final IntArrayList dylibCompatibility = new IntArrayList();
    private final Map<SharedLibrary, Integer> ordinals = new IdentityHashMap<>();
    private final String installName;
    /** Imports that only weak references reach, and the dylibs whose every used import is one (LC_LOAD_WEAK_DYLIB). */
    private final BitSet weakImports;
    private final BitSet weakDylibs = new BitSet();
    /** Whether the output gets an ad-hoc code signature, and its identifier. */
    private final boolean signed;
    private final String identifier;
    private long signatureOffset;
    private List<OutputSection> placed;
    private long threadLocalStart;
    private int headerFlags;

    /** Whether fixups are chained (LC_DYLD_CHAINED_FIXUPS) rather than opcodes (LC_DYLD_INFO_ONLY). */
    private final boolean chained;
    private ChainedFixups chainedFixups;

    // __LINKEDIT, in file order.
    private byte[] chainedBlob = new byte[0];
    private byte[] rebase;
    private byte[] bind;
    private byte[] weakBind;
    private byte[] lazyBind;
    private byte[] exportTrie;
    private byte[] functionStarts;
    private byte[] symtab;
    private byte[] indirect;
    private byte[] strtab;
    private int nlocal;
    private int nextdef;
    private int nundef;
    private long linkeditOffset;
    private long uuidPosition;

    MachOPlan(LinkContext ctx, MachOState state, List<MachOLayout.Segment> segments, MachOLayout.Section[] byOutput,
            boolean dylib, long page) {
        this.ctx = ctx;
        this.state = state;
        this.segments = segments;
        this.byOutput = byOutput;
        this.dylib = dylib;
        this.page = page;
        boolean hasLibSystem = false;
        for (SharedLibrary lib : ctx.dynamic.libraries) {
            if (!ordinals.containsKey(lib)) {
                dylibNames.add(lib.soname);
                dylibCurrent.add(lib.currentVersion);
                dylibCompatibility.add(lib.compatibilityVersion);
                ordinals.put(lib, dylibNames.size());
                hasLibSystem |= lib.soname.startsWith("/usr/lib/libSystem");
            }
        }
        if (!dylib && !hasLibSystem) {
            dylibNames.add(LIB_SYSTEM); // every program loads libSystem, which holds dyld's helpers
            dylibCurrent.add(1311 << 16);
            dylibCompatibility.add(1 << 16);
        }
        weakImports = weakImports();
        chained = ctx.options.chainedFixups();
        // The output's file name, without directories; linked into memory, a usual default.
        String name = ctx.output == null || ctx.output.getFileName() == null ? null : ctx.output.getFileName().toString();
        String file = name == null ? "a.dylib" : name;
        installName = ctx.options.soname().orElse("@rpath/" + file);
        // arm64 macOS runs no unsigned code; ld64 signs only there unless asked.
        signed = ctx.options.adhocCodeSignature().orElse(ctx.target.architecture() == Architecture.AARCH64);
        identifier = name == null ? (dylib ? "a.dylib" : "a.out") : name;
    }

    // --- load commands --------------------------------------------------------------------------

    private static int stringCommandSize(int fixed, String s) {
        return (int) MachO.align(fixed + s.getBytes(StandardCharsets.UTF_8).length + 1, 8);
    }

    long loadCommandsSize() {
        long size = 0;
        for (MachOLayout.Segment seg : segments) {
            size += MachO.SEGMENT_SIZE + (long) MachO.SECTION_SIZE * seg.sections.size();
        }
        size += (chained ? 16 + 16 : 48) + 24 + 80; // LC_DYLD_CHAINED_FIXUPS and LC_DYLD_EXPORTS_TRIE, or LC_DYLD_INFO_ONLY; LC_SYMTAB, LC_DYSYMTAB
        size += dylib ? stringCommandSize(24, installName) : stringCommandSize(12, DYLINKER);
        size += 24 + 32 + 16; // LC_UUID, LC_BUILD_VERSION (one tool), LC_SOURCE_VERSION
        size += dylib ? 0 : 24; // LC_MAIN
        for (String d : dylibNames) {
            size += stringCommandSize(24, d);
        }
        for (String r : ctx.options.runPaths()) {
            size += stringCommandSize(12, r);
        }
        size += 16 + 16; // LC_FUNCTION_STARTS, LC_DATA_IN_CODE
        size += signed ? 16 : 0; // LC_CODE_SIGNATURE
        return size;
    }

    private int loadCommandCount() {
        return segments.size() + (chained ? 4 : 3) + 1 + 3 + (dylib ? 0 : 1) + dylibNames.size() + ctx.options.runPaths().size() + 2 + (signed ? 1 : 0);
    }

    // --- before placement: the symbols' order and the export trie's shape --------------------------

    /** The symbols the table lists as imports; its other symbols by chunks, in symbol order. */
    private BitSet imported;
    private SymbolChunk[] chunks;
    /** The export trie's shape, built from the names on one of the link's threads while the image is laid out. */
    private ExportTrie.Shape exportShape;
    private LinkContext.Started exportShapeTask;

    /**
     * Sorts the symbols into the symbol table's groups and starts building the export trie's shape
     * from their names, none of which waits for addresses. Whatever happens after, the caller must
     * reach {@link #layoutDone} or {@link #abandon}.
     */
    void startSymbols() {
        SymbolTable st = ctx.symbols;
        imported = importedSymbols();
        int count = st.count;
        int n = ctx.parallelism() == 1 ? 1 : ctx.parallelism() * 4;
        chunks = new SymbolChunk[n];
        ctx.parallelFor(n, c -> chunks[c] = sortSymbols(imported, 1 + (int) ((long) (count - 1) * c / n),
                1 + (int) ((long) (count - 1) * (c + 1) / n)));
        exportShapeTask = ctx.start(1, k -> exportShape = ExportTrie.shape(exportNames()));
    }

    /** {@return the names of the exports, in the order {@link #fillSymbols} finds them} */
    private byte[][] exportNames() {
        SymbolTable st = ctx.symbols;
        List<byte[]> names = new ArrayList<>();
        for (SymbolChunk c : chunks) {
            for (int k = 0; k < c.extdefs.size(); k++) {
                int s = c.extdefs.getInt(k);
                if (exported(s)) {
                    byte[] name = new byte[st.nameLength(s)];
                    st.copyName(s, name, 0);
                    names.add(name);
                }
            }
        }
        return names.toArray(new byte[0][]);
    }

    /** {@return whether an external definition goes into the export trie} An executable exports every one. */
    private boolean exported(int s) {
        return !dylib || ctx.dynamic.isExported(s);
    }

    /**
     * After a failure between {@link #startSymbols} and the end of {@link #layoutDone}: waits for
     * the trie's task, so that nothing runs after the link, and adds its own failure to {@code e}.
     */
    void abandon(Throwable e) {
        LinkContext.Started task = exportShapeTask;
        exportShapeTask = null;
        if (task != null) {
            task.awaitAfterFailure(e);
        }
    }

    // --- after placement: the contents of __LINKEDIT ----------------------------------------------

    /**
     * Fills the symbol table, the fixups and the function starts, then the export trie from its
     * shape (built meanwhile on another thread; awaited here, not in a task of the link's
     * executor, which may have one thread).
     */
    void layoutDone(List<OutputSection> placed, long threadLocalStart) {
        this.placed = placed;
        this.threadLocalStart = threadLocalStart;
        int[] symtabIndex = symbolTable();
        fixups(symtabIndex);
        functionStarts = functionStarts();
        LinkContext.Started shape = exportShapeTask;
        exportShapeTask = null;
        shape.await();
        exportTrie = ExportTrie.encode(exportShape, exportFlags, exportAddresses);
        exportShape = null;
        exportFlags = null;
        exportAddresses = null;
        chunks = null;
        imported = null;
        linkeditOffset = linkedit().fileoff;
    }

    // The exports' flags and addresses, for the trie, in the order of the shape's names.
    private long[] exportFlags;
    private long[] exportAddresses;

    /** One chunk of the symbols: its locals and external definitions, in symbol order, and what they imply. */
    private static final class SymbolChunk {
        final IntArrayList locals = new IntArrayList();
        final IntArrayList extdefs = new IntArrayList();
        long localNames;
        long extdefNames;
        boolean weakDefines;
    }

    /** A run of the symbol table's entries, filled by one task, and the exports it found. */
    private static final class SymbolRun {
        final IntArrayList symbols;
        final int firstIndex;
        final int firstName;
        final boolean external;
        final boolean imports;
        final LongArrayList exportFlags = new LongArrayList();
        final LongArrayList exportAddresses = new LongArrayList();
        boolean threadLocal;

        SymbolRun(IntArrayList symbols, int firstIndex, int firstName, boolean external, boolean imports) {
            this.symbols = symbols;
            this.firstIndex = firstIndex;
            this.firstName = firstName;
            this.external = external;
            this.imports = imports;
        }
    }

    /**
     * Writes the symbol table (locals, external definitions, imports with their dylib ordinal) and
     * string table, collects the exports for the trie and sets the header flags they imply. An
     * executable lists every global: the symbols are sorted into the three groups by chunks, and
     * the entries filled by runs, on the link's threads; the result is the same whatever their
     * number.
     *
     * @return each symbol's index in the symbol table
     */
    private int[] symbolTable() {
        SymbolTable st = ctx.symbols;
        // The symbol table's order: locals, external definitions, imports (sorted by startSymbols).
        SymbolChunk[] chunk = chunks;
        int count = st.count;
        IntArrayList undefs = new IntArrayList();
        long undefNames = 0;
        for (int s = imported.nextSetBit(1); s >= 0 && s < count; s = imported.nextSetBit(s + 1)) {
            undefs.add(s);
            undefNames += st.nameLength(s) + 1;
        }
        BitSet strongDylibs = new BitSet();
        for (int k = 0; k < undefs.size(); k++) {
            int s = undefs.getInt(k);
            int ordinal = ordinal(s);
            if (ordinal > 0) {
                (weakImports.get(s) ? weakDylibs : strongDylibs).set(ordinal);
            }
        }
        weakDylibs.andNot(strongDylibs);
        // Runs: each chunk's locals, then each chunk's external definitions, then the imports.
        List<SymbolRun> runs = new ArrayList<>();
        int index = 0;
        long strPos = 1;
        boolean weakDefines = false;
        nlocal = 0;
        nextdef = 0;
        for (SymbolChunk c : chunk) {
            runs.add(new SymbolRun(c.locals, index, (int) strPos, false, false));
            index += c.locals.size();
            strPos += c.localNames;
            nlocal += c.locals.size();
        }
        for (SymbolChunk c : chunk) {
            runs.add(new SymbolRun(c.extdefs, index, (int) strPos, true, false));
            index += c.extdefs.size();
            strPos += c.extdefNames;
            nextdef += c.extdefs.size();
            weakDefines |= c.weakDefines;
        }
        runs.add(new SymbolRun(undefs, index, (int) strPos, true, true));
        nundef = undefs.size();
        int[] symtabIndex = new int[count];
        byte[] names = new byte[(int) MachO.align(strPos + undefNames, 8)];
        ByteBuffer nl = ByteBuffer.allocate((nlocal + nextdef + nundef) * MachO.NLIST_SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        ctx.parallelFor(runs.size(), r -> fillSymbols(runs.get(r), symtabIndex, nl, names));
        symtab = nl.array();
        strtab = names;
        LongArrayList flags = new LongArrayList();
        LongArrayList addresses = new LongArrayList();
        boolean tlv = false;
        for (SymbolRun run : runs) {
            flags.addAll(run.exportFlags);
            addresses.addAll(run.exportAddresses);
            tlv |= run.threadLocal;
        }
        exportFlags = flags.toLongArray();
        exportAddresses = addresses.toLongArray();
        headerFlags = MachO.MH_NOUNDEFS | MachO.MH_DYLDLINK | MachO.MH_TWOLEVEL
                | (dylib ? MachO.MH_NO_REEXPORTED_DYLIBS : MachO.MH_PIE)
                | (tlv ? MachO.MH_HAS_TLV_DESCRIPTORS : 0) | (weakDefines ? MachO.MH_WEAK_DEFINES : 0);
        return symtabIndex;
    }

    /** Sorts symbols [from, to) that the symbol table lists as definitions into locals and external definitions. */
    private SymbolChunk sortSymbols(BitSet imported, int from, int to) {
        SymbolTable st = ctx.symbols;
        SymbolChunk c = new SymbolChunk();
        for (int s = from; s < to; s++) {
            if (imported.get(s)) {
                continue;
            }
            int f = st.file[s];
            if (f == 0 || !st.isDefined(s) || st.hasFlag(s, InputFile.NOT_IN_SYMTAB) || st.hasFlag(s, InputFile.SHARED)) {
                continue;
            }
            int atom = st.atom(s);
            if (atom != 0 && !ctx.atoms.alive.get(atom)) {
                continue;
            }
            if (isLocal(st, s)) {
                c.locals.add(s);
                c.localNames += st.nameLength(s) + 1;
            } else {
                c.extdefs.add(s);
                c.extdefNames += st.nameLength(s) + 1;
                c.weakDefines |= st.hasFlag(s, InputFile.WEAK);
            }
        }
        return c;
    }

    /** Fills one run of symbol table entries and their names, collecting the exports among them. */
    private void fillSymbols(SymbolRun run, int[] symtabIndex, ByteBuffer nl, byte[] names) {
        SymbolTable st = ctx.symbols;
        DynamicLink dyn = ctx.dynamic;
        long base = textAddress();
        int strPos = run.firstName;
        IntArrayList group = run.symbols;
        for (int k = 0; k < group.size(); k++) {
            int s = group.getInt(k);
            int index = run.firstIndex + k;
            symtabIndex[s] = index;
            int type;
            int sect = 0;
            int desc = 0;
            long value = 0;
            if (run.imports) {
                type = MachO.N_UNDF | MachO.N_EXT;
                int ordinal = ordinal(s);
                desc = (ordinal < 0 ? MachO.DYNAMIC_LOOKUP_ORDINAL : ordinal) << 8 | (weakImports.get(s) ? MachO.N_WEAK_REF : 0);
            } else {
                int atom = st.atom(s);
                value = ctx.addressOf(s);
                // The header's symbols are in the image, at its start: in __TEXT's first section, like ld64's.
                boolean header = atom == 0 && st.hasFlag(s, InputFile.LINKER_DEFINED);
                if (header) {
                    type = MachO.N_SECT;
                    sect = 1;
                    desc = 0x10; // REFERENCED_DYNAMICALLY: strip keeps it
                } else if (atom == 0) {
                    type = MachO.N_ABS;
                } else {
                    type = MachO.N_SECT;
                    sect = byOutput[ctx.atomOutput[atom]].index;
                }
                if (run.external) {
                    type |= MachO.N_EXT;
                    boolean weak = st.hasFlag(s, InputFile.WEAK);
                    desc |= weak ? MachO.N_WEAK_DEF : 0;
                    if (exported(s)) {
                        int kind = atom == 0 ? (header ? ExportTrie.EXPORT_SYMBOL_FLAGS_KIND_REGULAR : ExportTrie.EXPORT_SYMBOL_FLAGS_KIND_ABSOLUTE)
                                : byOutput[ctx.atomOutput[atom]].type() == MachO.S_THREAD_LOCAL_VARIABLES
                                        ? ExportTrie.EXPORT_SYMBOL_FLAGS_KIND_THREAD_LOCAL : ExportTrie.EXPORT_SYMBOL_FLAGS_KIND_REGULAR;
                        run.exportFlags.add(kind | (weak ? ExportTrie.EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION : 0));
                        run.exportAddresses.add(atom == 0 && !header ? value : value - base);
                    }
                } else if (st.hasFlag(s, InputFile.HIDDEN) && !st.isStatic.get(s)) {
                    type |= MachO.N_PEXT; // was a private extern
                }
                run.threadLocal |= atom != 0 && byOutput[ctx.atomOutput[atom]].type() == MachO.S_THREAD_LOCAL_VARIABLES;
            }
            int p = index * MachO.NLIST_SIZE;
            nl.putInt(p, strPos);
            nl.put(p + 4, (byte) type);
            nl.put(p + 5, (byte) sect);
            nl.putShort(p + 6, (short) desc);
            nl.putLong(p + 8, value);
            st.copyName(s, names, strPos);
            strPos += st.nameLength(s) + 1;
        }
    }

    /** {@return the symbols the output binds to: places, GOT slots and stubs of preemptible symbols} */
    private BitSet importedSymbols() {
        DynamicLink dyn = ctx.dynamic;
        BitSet imported = new BitSet();
        for (int i = 0; i < dyn.placeCount(); i++) {
            if (dyn.placeKind(i) == DynamicLink.SYMBOLIC) {
                imported.set(dyn.placeSymbol(i));
            }
        }
        for (int i = 0; i < ctx.got.size(); i++) {
            if (dyn.isPreemptible(ctx.got.symbol(i))) {
                imported.set(ctx.got.symbol(i));
            }
        }
        for (int i = 0; i < state.stubs.count; i++) {
            if (!dyn.isStubbedDefinition(dyn.pltSymbol(i))) {
                imported.set(dyn.pltSymbol(i));
            }
        }
        return imported;
    }

    /**
     * Encodes the rebases, binds, weak binds and lazy binds (or the chains) and the indirect symbol
     * table, and gives the pointer sections their indirect-table ranges.
     */
    private void fixups(int[] symtabIndex) {
        SymbolTable st = ctx.symbols;
        DynamicLink dyn = ctx.dynamic;
        MachOStubs stubs = state.stubs;
        LongArrayList rebases = new LongArrayList();
        List<DyldInfo.Bind> binds = new ArrayList<>();
        // Pointers to weak definitions, here or in a dylib, are also weak-bound: dyld points them all at one definition.
        List<DyldInfo.Bind> weakBinds = new ArrayList<>();
        for (int i = 0; i < dyn.placeCount(); i++) {
            int s = dyn.placeSymbol(i);
            if (dyn.placeKind(i) == DynamicLink.RELATIVE) {
                rebases.add(dyn.placeAddress(i));
            } else if (dyn.placeKind(i) == DynamicLink.SYMBOLIC) {
                binds.add(bind(dyn.placeAddress(i), s, dyn.placeAddend(i)));
            }
            if (coalesced(s)) {
                weakBinds.add(bind(dyn.placeAddress(i), s, dyn.placeSymbolAddend(i)));
            }
        }
        int gotCount = ctx.got.size();
        int[] indirectSymbols = new int[gotCount + 2 * stubs.count];
        for (int i = 0; i < gotCount; i++) {
            int s = ctx.got.symbol(i);
            long slot = ctx.got.entryAddress(ctx, s);
            if (coalesced(s)) {
                weakBinds.add(bind(slot, s, 0));
            }
            if (dyn.isPreemptible(s)) {
                if (st.isDefined(s) && st.kind(s).isThreadLocal()) {
                    throw new dev.rivet.linker.LinkException(dev.rivet.linker.Diagnostic.error("thread-local variable '"
                            + st.name(s) + "' of " + st.file(st.file[s]).name + " is imported, which Rivet cannot link yet (__thread_ptrs)"));
                }
                binds.add(bind(slot, s, 0));
                indirectSymbols[i] = symtabIndex[s];
            } else if (st.isDefined(s) && !dyn.mustKeepGot(s)) {
                rebases.add(slot);
                indirectSymbols[i] = MachO.INDIRECT_SYMBOL_LOCAL;
            } else {
                indirectSymbols[i] = MachO.INDIRECT_SYMBOL_LOCAL | MachO.INDIRECT_SYMBOL_ABS;
            }
        }
        List<DyldInfo.Bind> lazy = new ArrayList<>();
        IntArrayList lazyStub = new IntArrayList();
        for (int i = 0; i < stubs.count; i++) {
            int s = dyn.pltSymbol(i);
            long slot = stubs.pointer(ctx, i);
            rebases.add(slot);
            if (dyn.isStubbedDefinition(s)) {
                weakBinds.add(bind(slot, s, 0)); // a weak definition here: only dyld's coalescing moves it
            } else {
                lazy.add(bind(slot, s, 0));
                lazyStub.add(i);
            }
            indirectSymbols[gotCount + i] = symtabIndex[s];
            indirectSymbols[gotCount + stubs.count + i] = symtabIndex[s];
        }
        rebase = encodeRebases(rebases);
        bind = DyldInfo.binds(binds);
        weakBind = DyldInfo.weakBinds(strongOverrides(), weakBinds);
        int[] lazyOffset = new int[lazy.size()];
        lazyBind = DyldInfo.lazyBinds(lazy, lazyOffset);
        for (int k = 0; k < lazyOffset.length; k++) {
            stubs.lazyOffset[lazyStub.getInt(k)] = lazyOffset[k];
        }
        if (chained) {
            chainFixups(rebases, binds, lazy, weakBinds);
        }
        ByteBuffer ind = ByteBuffer.allocate(4 * indirectSymbols.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int v : indirectSymbols) {
            ind.putInt(v);
        }
        indirect = ind.array();
        for (MachOLayout.Section s : byOutput) {
            switch (s.type()) {
                case MachO.S_NON_LAZY_SYMBOL_POINTERS -> s.reserved1 = 0;
                case MachO.S_SYMBOL_STUBS -> {
                    s.reserved1 = gotCount;
                    s.reserved2 = stubs.stubSize;
                }
                case MachO.S_LAZY_SYMBOL_POINTERS -> s.reserved1 = gotCount + stubs.count;
                default -> { }
            }
        }
        headerFlags |= (bindsToWeak ? MachO.MH_BINDS_TO_WEAK : 0)
                | (ctx.options.bindNow() && !chained ? MachO.MH_BINDATLOAD : 0); // -bind_at_load: dyld binds the lazy pointers at load
    }

    private boolean bindsToWeak;

    /**
     * {@return whether references to a symbol are coalesced by dyld: it is a weak definition that
     * this output exports, or that a dylib exports}
     */
    private boolean coalesced(int s) {
        SymbolTable st = ctx.symbols;
        if (!st.isDefined(s) || !st.hasFlag(s, InputFile.WEAK) || st.isStatic.get(s) || st.hasFlag(s, InputFile.HIDDEN)) {
            return false;
        }
        if (st.hasFlag(s, InputFile.SHARED)) {
            bindsToWeak = true;
            return true;
        }
        return !dylib || ctx.dynamic.isExported(s);
    }

    /**
     * {@return the names of strong definitions here of symbols that a dylib defines weakly, sorted}:
     * dyld must let them win over the dylib's
     */
    private List<String> strongOverrides() {
        SymbolTable st = ctx.symbols;
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        for (SharedLibrary lib : ctx.dynamic.libraries) {
            for (int l = 0; l < lib.symCount; l++) {
                int s = lib.localToGlobal[l];
                if (s != 0 && lib.hasFlag(l, InputFile.WEAK) && st.isDefined(s) && !st.hasFlag(s, InputFile.SHARED)
                        && !st.hasFlag(s, InputFile.WEAK) && !isLocal(st, s)) {
                    int atom = st.atom(s);
                    if (atom == 0 || ctx.atoms.alive.get(atom)) {
                        names.add(st.name(s));
                    }
                }
            }
        }
        if (!names.isEmpty()) {
            bindsToWeak = true;
        }
        return new ArrayList<>(names);
    }

    /** Turns the fixups into chains: lazy binds become eager, weak binds look the name up; opcodes stay empty. */
    private void chainFixups(LongArrayList rebases, List<DyldInfo.Bind> binds, List<DyldInfo.Bind> lazy, List<DyldInfo.Bind> weakBinds) {
        ChainedFixups c = new ChainedFixups();
        for (int i = 0; i < rebases.size(); i++) {
            c.rebase(rebases.getLong(i));
        }
        for (List<DyldInfo.Bind> list : List.of(binds, lazy, weakBinds)) {
            for (DyldInfo.Bind b : list) {
                int ordinal = list == weakBinds ? ChainedFixups.BIND_SPECIAL_DYLIB_WEAK_LOOKUP : b.ordinal();
                c.bind(segments.get(b.segment()).vmaddr + b.offset(), ordinal, b.name(),
                        (b.flags() & DyldInfo.BIND_SYMBOL_FLAGS_WEAK_IMPORT) != 0, b.addend());
            }
        }
        chainedBlob = c.encode(segments, textAddress(), page);
        chainedFixups = c;
        rebase = new byte[0];
        bind = new byte[0];
        weakBind = new byte[0];
        lazyBind = new byte[0];
    }

    private long fileOffsetOfAddress(long address) {
        for (MachOLayout.Segment seg : segments) {
            if (address >= seg.vmaddr && address < seg.vmaddr + seg.filesize && !seg.name.equals("__PAGEZERO")) {
                return seg.fileoff + address - seg.vmaddr;
            }
        }
        throw new IllegalStateException("address 0x" + Long.toHexString(address) + " has no file bytes");
    }

    private static boolean isLocal(SymbolTable st, int s) {
        return st.isStatic.get(s) || st.hasFlag(s, InputFile.HIDDEN) || st.hasFlag(s, InputFile.LOCAL);
    }

    /** {@return the dylib ordinal a symbol binds to: its library's, or flat lookup for one no library defines} */
    private int ordinal(int s) {
        SymbolTable st = ctx.symbols;
        if (st.file(st.file[s]) instanceof SharedLibrary lib) {
            return ordinals.get(lib);
        }
        return MachO.BIND_SPECIAL_DYLIB_FLAT_LOOKUP;
    }

    private DyldInfo.Bind bind(long address, int s, long addend) {
        int seg = segmentIndex(address);
        int flags = weakImports.get(s) ? DyldInfo.BIND_SYMBOL_FLAGS_WEAK_IMPORT : 0;
        return new DyldInfo.Bind(seg, address - segments.get(seg).vmaddr, ordinal(s), ctx.symbols.name(s), flags, addend);
    }

    /**
     * {@return the symbols that every object refers to weakly ({@code weak_import}): dyld binds them
     * to 0 when no image defines them}
     */
    private BitSet weakImports() {
        SymbolTable st = ctx.symbols;
        BitSet weak = new BitSet();
        BitSet strong = new BitSet();
        for (InputFile f : st.files()) {
            if (f instanceof SharedLibrary) {
                continue;
            }
            for (int l = 0; l < f.symCount; l++) {
                if (f.kind(l) == SymbolKind.UNDEFINED && f.localToGlobal[l] != 0) {
                    (f.hasFlag(l, InputFile.WEAK) ? weak : strong).set(f.localToGlobal[l]);
                }
            }
        }
        weak.andNot(strong);
        return weak;
    }

    private byte[] encodeRebases(LongArrayList addresses) {
        long[] sorted = addresses.toLongArray();
        it.unimi.dsi.fastutil.longs.LongArrays.radixSort(sorted); // not the JDK's: see functionStarts
        int n = 0;
        int[] seg = new int[sorted.length];
        long[] off = new long[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            if (i > 0 && sorted[i] == sorted[i - 1]) {
                continue;
            }
            seg[n] = segmentIndex(sorted[i]);
            off[n] = sorted[i] - segments.get(seg[n]).vmaddr;
            n++;
        }
        return DyldInfo.rebases(seg, off, n);
    }

    private int segmentIndex(long address) {
        for (int i = 0; i < segments.size(); i++) {
            MachOLayout.Segment seg = segments.get(i);
            if (seg.vmsize > 0 && address >= seg.vmaddr && address < seg.vmaddr + seg.vmsize && !seg.name.equals("__PAGEZERO")) {
                return i;
            }
        }
        throw new IllegalStateException("address 0x" + Long.toHexString(address) + " is in no segment");
    }

    /**
     * LC_FUNCTION_STARTS: the start of every function in code sections (not stubs), as ULEB128
     * deltas from __TEXT. The atoms' starts, laid out in order, are ascending already, section by
     * section; only the few symbols inside an atom (not at its start) are sorted and merged in.
     */
    private byte[] functionStarts() {
        SymbolTable st = ctx.symbols;
        LongArrayList starts = new LongArrayList();
        boolean ascending = true; // the sections come in address order too, unless a layout changes that
        long previous = Long.MIN_VALUE;
        for (MachOLayout.Section s : byOutput) {
            if (!listsAtomStarts(s)) {
                continue;
            }
            for (int a : s.out.atoms) {
                long address = ctx.atomAddress[a];
                ascending &= address >= previous;
                previous = address;
                starts.add(address);
            }
        }
        LongArrayList inner = new LongArrayList();
        for (int s = 1; s < st.count; s++) {
            if (st.file[s] != 0 && st.isDefined(s) && !st.hasFlag(s, InputFile.SHARED) && st.kind(s) == SymbolKind.TEXT) {
                int atom = st.atom(s);
                if (atom != 0 && ctx.atoms.alive.get(atom)) {
                    MachOLayout.Section section = byOutput[ctx.atomOutput[atom]];
                    long address = ctx.addressOf(s);
                    if (section.code() && (address != ctx.atomAddress[atom] || !listsAtomStarts(section))) {
                        inner.add(address);
                    }
                }
            }
        }
        long[] atomStarts = starts.toLongArray();
        if (!ascending) {
            // fastutil's sort: the JDK's makes a lambda for large arrays that the AOT cache's
            // training (smaller programs) does not, so a cold JVM would make it at run time
            it.unimi.dsi.fastutil.longs.LongArrays.radixSort(atomStarts);
        }
        long[] symbolStarts = inner.toLongArray();
        it.unimi.dsi.fastutil.longs.LongArrays.radixSort(symbolStarts);
        DyldInfo.Out out = new DyldInfo.Out();
        long last = textAddress();
        for (int i = 0, j = 0; i < atomStarts.length || j < symbolStarts.length; ) {
            long a = j == symbolStarts.length || (i < atomStarts.length && atomStarts[i] <= symbolStarts[j])
                    ? atomStarts[i++] : symbolStarts[j++];
            if (a > last) {
                out.uleb(a - last);
                last = a;
            }
        }
        if (out.size() > 0) {
            out.u8(0);
        }
        return out.aligned();
    }

    /** {@return whether a section's atoms each start a function} Stubs are not functions. */
    private static boolean listsAtomStarts(MachOLayout.Section s) {
        return s.code() && s.type() != MachO.S_SYMBOL_STUBS && !s.sectname.equals("__stub_helper") && s.index != 0;
    }

    private MachOLayout.Segment text() {
        return segments.get(dylib ? 0 : 1);
    }

    private long textAddress() {
        return text().vmaddr;
    }

    private MachOLayout.Segment linkedit() {
        return segments.get(segments.size() - 1);
    }

    /** {@return the __LINKEDIT pieces, in file order (each a distinct array)} */
    private byte[][] pieces() {
        return new byte[][] {chainedBlob, rebase, bind, weakBind, lazyBind, exportTrie, functionStarts, symtab, indirect, strtab};
    }

    /** {@return the file offset of one of the {@link #pieces}} */
    private long fileOffsetOf(byte[] piece) {
        long off = linkeditOffset;
        for (byte[] b : pieces()) {
            if (b == piece) {
                return off;
            }
            off += b.length;
        }
        throw new IllegalArgumentException("not a __LINKEDIT piece");
    }

    /** {@return the size of __LINKEDIT: the tables, then the code signature, 16-byte aligned, last in the file} */
    long linkeditSize() {
        long end = fileOffsetOf(strtab) + strtab.length - linkeditOffset;
        if (!signed) {
            return end;
        }
        signatureOffset = MachO.align(linkeditOffset + end, 16);
        return signatureOffset + CodeSignature.size(identifier, signatureOffset) - linkeditOffset;
    }

    // --- OutputPlan ---------------------------------------------------------------------------------

    @Override
    public long fileSize() {
        return linkedit().fileoff + linkedit().filesize;
    }

    @Override
    public List<OutputSection> sections() {
        return placed;
    }

    @Override
    public long entryAddress() {
        return ctx.entrySymbol == 0 ? 0 : ctx.addressOf(ctx.entrySymbol);
    }

    @Override
    public long threadPointer() {
        return threadLocalStart; // thread-local offsets in descriptors are from the template's start
    }

    @Override
    public boolean executable() {
        return !dylib;
    }

    @Override
    public void writeFormatData(LinkContext ctx, ByteBuffer out) {
        boolean x86 = ctx.target.architecture() == Architecture.X86_64;
        out.putInt(0, MachO.MH_MAGIC_64);
        out.putInt(4, x86 ? MachO.CPU_TYPE_X86_64 : MachO.CPU_TYPE_ARM64);
        out.putInt(8, x86 ? MachO.CPU_SUBTYPE_X86_64_ALL : MachO.CPU_SUBTYPE_ARM64_ALL);
        out.putInt(12, dylib ? MachO.MH_DYLIB : MachO.MH_EXECUTE);
        out.putInt(16, loadCommandCount());
        out.putInt(20, (int) loadCommandsSize());
        out.putInt(24, headerFlags);
        out.putInt(28, 0);
        int p = MachO.HEADER_SIZE;
        for (MachOLayout.Segment seg : segments) {
            p = segment(out, p, seg);
        }
        if (chained) {
            out.putInt(p, MachO.LC_DYLD_CHAINED_FIXUPS).putInt(p + 4, 16);
            putRange(out, p + 8, fileOffsetOf(chainedBlob), chainedBlob.length);
            out.putInt(p + 16, MachO.LC_DYLD_EXPORTS_TRIE).putInt(p + 20, 16);
            putRange(out, p + 24, fileOffsetOf(exportTrie), exportTrie.length);
            p += 32;
        } else {
            out.putInt(p, MachO.LC_DYLD_INFO_ONLY).putInt(p + 4, 48);
            putRange(out, p + 8, fileOffsetOf(rebase), rebase.length);
            putRange(out, p + 16, fileOffsetOf(bind), bind.length);
            putRange(out, p + 24, fileOffsetOf(weakBind), weakBind.length);
            putRange(out, p + 32, fileOffsetOf(lazyBind), lazyBind.length);
            putRange(out, p + 40, fileOffsetOf(exportTrie), exportTrie.length);
            p += 48;
        }
        out.putInt(p, MachO.LC_SYMTAB).putInt(p + 4, 24);
        out.putInt(p + 8, (int) (fileOffsetOf(symtab))).putInt(p + 12, symtab.length / MachO.NLIST_SIZE);
        out.putInt(p + 16, (int) (fileOffsetOf(strtab))).putInt(p + 20, strtab.length);
        p += 24;
        out.putInt(p, MachO.LC_DYSYMTAB).putInt(p + 4, 80);
        out.putInt(p + 8, 0).putInt(p + 12, nlocal);
        out.putInt(p + 16, nlocal).putInt(p + 20, nextdef);
        out.putInt(p + 24, nlocal + nextdef).putInt(p + 28, nundef);
        for (int i = 32; i < 56; i += 4) {
            out.putInt(p + i, 0); // no table of contents, modules or external references
        }
        out.putInt(p + 56, indirect.length == 0 ? 0 : (int) (fileOffsetOf(indirect))).putInt(p + 60, indirect.length / 4);
        for (int i = 64; i < 80; i += 4) {
            out.putInt(p + i, 0); // no local or external relocation entries
        }
        p += 80;
        if (dylib) {
            p = dylibCommand(out, p, MachO.LC_ID_DYLIB, installName, 0x10000, 0x10000);
        } else {
            p = stringCommand(out, p, MachO.LC_LOAD_DYLINKER, DYLINKER);
        }
        out.putInt(p, MachO.LC_UUID).putInt(p + 4, 24);
        uuidPosition = p + 8;
        out.putLong(p + 8, 0).putLong(p + 16, 0); // hashed in finish()
        p += 24;
        out.putInt(p, MachO.LC_BUILD_VERSION).putInt(p + 4, 32);
        out.putInt(p + 8, MachO.PLATFORM_MACOS);
        String defaultMin = x86 ? "10.15" : "11.0";
        int minos = version(ctx.options.minOsVersion().orElse(defaultMin));
        out.putInt(p + 12, minos);
        out.putInt(p + 16, ctx.options.sdkVersion().map(MachOPlan::version).orElse(minos));
        out.putInt(p + 20, 1);
        out.putInt(p + 24, MachO.TOOL_LD).putInt(p + 28, version("1.0"));
        p += 32;
        out.putInt(p, MachO.LC_SOURCE_VERSION).putInt(p + 4, 16).putLong(p + 8, 0);
        p += 16;
        if (!dylib) {
            out.putInt(p, MachO.LC_MAIN).putInt(p + 4, 24);
            out.putLong(p + 8, ctx.entrySymbol == 0 ? 0 : entryAddress() - textAddress()).putLong(p + 16, 0);
            p += 24;
        }
        for (int i = 0; i < dylibNames.size(); i++) {
            String d = dylibNames.get(i);
            p = dylibCommand(out, p, weakDylibs.get(i + 1) ? MachO.LC_LOAD_WEAK_DYLIB : MachO.LC_LOAD_DYLIB, d,
                    dylibCurrent.getInt(i), dylibCompatibility.getInt(i));
        }
        for (String r : ctx.options.runPaths()) {
            p = stringCommand(out, p, MachO.LC_RPATH, r);
        }
        out.putInt(p, MachO.LC_FUNCTION_STARTS).putInt(p + 4, 16);
        out.putInt(p + 8, (int) (fileOffsetOf(functionStarts))).putInt(p + 12, functionStarts.length);
        p += 16;
        out.putInt(p, MachO.LC_DATA_IN_CODE).putInt(p + 4, 16);
        out.putInt(p + 8, (int) (fileOffsetOf(symtab))).putInt(p + 12, 0);
        p += 16;
        if (signed) {
            out.putInt(p, MachO.LC_CODE_SIGNATURE).putInt(p + 4, 16);
            out.putInt(p + 8, (int) signatureOffset).putInt(p + 12, (int) (fileSize() - signatureOffset));
            p += 16;
        }
        if (p != MachO.HEADER_SIZE + loadCommandsSize()) {
            throw new IllegalStateException("load commands take " + (p - MachO.HEADER_SIZE) + " bytes, not " + loadCommandsSize());
        }
        int at = (int) linkeditOffset;
        for (byte[] b : pieces()) {
            out.put(at, b);
            at += b.length;
        }
    }

    private int segment(ByteBuffer out, int p, MachOLayout.Segment seg) {
        int n = seg.sections.size();
        out.putInt(p, MachO.LC_SEGMENT_64).putInt(p + 4, MachO.SEGMENT_SIZE + MachO.SECTION_SIZE * n);
        name16(out, p + 8, seg.name);
        out.putLong(p + 24, seg.vmaddr).putLong(p + 32, seg.vmsize).putLong(p + 40, seg.fileoff).putLong(p + 48, seg.filesize);
        out.putInt(p + 56, seg.prot).putInt(p + 60, seg.prot).putInt(p + 64, n).putInt(p + 68, 0);
        p += MachO.SEGMENT_SIZE;
        for (MachOLayout.Section s : seg.sections) {
            name16(out, p, s.sectname);
            name16(out, p + 16, s.segname);
            out.putLong(p + 32, s.out.address).putLong(p + 40, s.out.size);
            out.putInt(p + 48, s.zerofill() ? 0 : (int) s.out.fileOffset);
            out.putInt(p + 52, Long.numberOfTrailingZeros(s.out.alignment));
            out.putInt(p + 56, 0).putInt(p + 60, 0);
            out.putInt(p + 64, s.flags).putInt(p + 68, s.reserved1).putInt(p + 72, s.reserved2).putInt(p + 76, 0);
            p += MachO.SECTION_SIZE;
        }
        return p;
    }

    private static void putRange(ByteBuffer out, int p, long off, int size) {
        out.putInt(p, size == 0 ? 0 : (int) off).putInt(p + 4, size);
    }

    private static void name16(ByteBuffer out, int p, String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 16; i++) {
            out.put(p + i, i < b.length ? b[i] : 0);
        }
    }

    private static int stringCommand(ByteBuffer out, int p, int cmd, String s) {
        int size = stringCommandSize(12, s);
        out.putInt(p, cmd).putInt(p + 4, size).putInt(p + 8, 12);
        putString(out, p + 12, s, size - 12);
        return p + size;
    }

    private static int dylibCommand(ByteBuffer out, int p, int cmd, String name, int currentVersion, int compatibilityVersion) {
        int size = stringCommandSize(24, name);
        out.putInt(p, cmd).putInt(p + 4, size).putInt(p + 8, 24);
        out.putInt(p + 12, 0).putInt(p + 16, currentVersion).putInt(p + 20, compatibilityVersion);
        putString(out, p + 24, name, size - 24);
        return p + size;
    }

    private static void putString(ByteBuffer out, int p, String s, int room) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < room; i++) {
            out.put(p + i, i < b.length ? b[i] : 0);
        }
    }

    /** {@return a version "X.Y.Z" as Mach-O's xxxx.yy.zz nibbles} */
    static int version(String v) {
        String[] parts = v.split("\\.");
        int[] n = new int[3];
        for (int i = 0; i < Math.min(3, parts.length); i++) {
            try {
                n[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new dev.rivet.linker.LinkException(dev.rivet.linker.Diagnostic.error("version '" + v + "' is not of the form X.Y.Z"));
            }
        }
        return (n[0] << 16) | ((n[1] & 0xff) << 8) | (n[2] & 0xff);
    }

    /**
     * Writes the fixup chains over the pointers, hashes the output (with the UUID still zero) into
     * LC_UUID, so the same inputs give the same UUID, then signs it: the signature covers everything
     * before it, the UUID included.
     */
    @Override
    public void finish(LinkContext ctx, ByteBuffer out) {
        if (chainedFixups != null) {
            chainedFixups.write(out, this::fileOffsetOfAddress); // over the pointers the atoms wrote
        }
        // A fast hash, not ld64's MD5, as lld: a cold JVM's MD5 is slow (ChunkedDigest)
        byte[] uuid = dev.rivet.linker.core.output.ChunkedDigest.fast(ctx, out, (int) (signed ? signatureOffset : fileSize()), 16);
        uuid[6] = (byte) ((uuid[6] & 0x0f) | 0x30); // version 3 (name-based) and RFC 4122's variant, as ld64 and lld mark it
        uuid[8] = (byte) ((uuid[8] & 0x3f) | 0x80);
        out.put((int) uuidPosition, uuid);
        if (signed) {
            MachOLayout.Segment text = text();
            CodeSignature.write(ctx, out, (int) signatureOffset, identifier, text.fileoff, text.filesize, !dylib);
        }
    }
}
