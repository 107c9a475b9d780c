package dev.rivet.linker.core.output;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.OutputKind;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.arch.Arch;
import dev.rivet.linker.core.symbols.AtomTable;
import dev.rivet.linker.core.symbols.InputFile;
import dev.rivet.linker.core.symbols.SharedLibrary;
import dev.rivet.linker.core.symbols.SymbolTable;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * What a dynamically linked output needs beyond a static one, decided by the relocation scan in a
 * format-neutral way: which symbols are preemptible (imported from a shared library, or exported
 * by a shared library that may be overridden), which get PLT entries or copy relocations, and
 * the dynamic relocations the loader applies: {@link #RELATIVE} for addresses in a
 * position-independent output, {@link #SYMBOLIC} and {@link #GLOB_DAT} for preemptible targets,
 * {@link #JUMP_SLOT} for PLT entries, {@link #COPY}, {@link #IRELATIVE}, and for thread-local GOT
 * entries {@link #TPOFF}, {@link #DTPMOD}, {@link #DTPOFF}, {@link #TLSDESC}. The format encodes them
 * (ELF: {@code .rela.dyn} and {@code .rela.plt}) and writes the tables.
 */
public final class DynamicLink {
    /** The load address plus an addend. */
    public static final int RELATIVE = 1;
    /** A symbol's address plus an addend, in data. */
    public static final int SYMBOLIC = 2;
    /** A symbol's address in its GOT slot. */
    public static final int GLOB_DAT = 3;
    /** A symbol's address in its PLT slot, bound lazily unless binding is immediate. */
    public static final int JUMP_SLOT = 4;
    /** The initial value of a library's object, copied into the executable's own storage. */
    public static final int COPY = 5;
    /** The result of calling an IFUNC resolver at the load address plus an addend. */
    public static final int IRELATIVE = 6;
    /** A thread-local symbol's offset from the thread pointer (initial-exec GOT slot). */
    public static final int TPOFF = 7;
    /** The id of a symbol's module (0 for this one), the first word of a general- or local-dynamic GOT pair. */
    public static final int DTPMOD = 8;
    /** A symbol's offset in its module's thread-local block, the second word of a general-dynamic GOT pair. */
    public static final int DTPOFF = 9;
    /** A TLS descriptor (resolver and argument) for a symbol, which the loader fills. */
    public static final int TLSDESC = 10;

    /** What the link produces. */
    public final OutputKind kind;
    /** Whether the output is relocated at load time. */
    public final boolean pic;
    /** Whether the output has dynamic tables: a PIE, a shared library, or a program with shared libraries. */
    public final boolean active;
    /**
     * Mach-O's rules (ld64): programs are always position-independent, a library binds its own
     * references to its own definitions (two-level namespace), undefined symbols are bound at load
     * time only with {@code -undefined dynamic_lookup}, and the format lays out the stubs.
     */
    public final boolean machO;
    /** The shared libraries among the inputs, in input order. */
    public final List<SharedLibrary> libraries = new ArrayList<>();

    private final LinkContext ctx;
    private final BitSet preemptible = new BitSet();
    private final BitSet exported = new BitSet();
    private final BitSet canonicalPlt = new BitSet();
    // Mach-O: exported weak definitions, which calls reach through a stub that dyld may point elsewhere.
    private final BitSet stubbedHere = new BitSet();
    private SymbolSlots plt = new SymbolSlots();
    // Imports called through their GOT slot (.plt.got), split from plt after the scan.
    private final SymbolSlots pltGot = new SymbolSlots();
    private final SymbolSlots copies = new SymbolSlots();
    private final BitSet referenced = new BitSet();
    // Dynamic relocations at places in atoms, in scan order.
    private final IntArrayList placeAtom = new IntArrayList();
    private final IntArrayList placeOffset = new IntArrayList();
    private final IntArrayList placeKind = new IntArrayList();
    private final IntArrayList placeSymbol = new IntArrayList();
    private final LongArrayList placeAddend = new LongArrayList();
    private final List<Diagnostic> errors = new ArrayList<>();
    private boolean staticTls;
    private long[] copyAddress;
    // Whether each copy goes to the read-only-after-relocation atom (a library's read-only data).
    private boolean[] copyReadOnly;
    private int copyAtom;
    private int relroCopyAtom;

    /** @param ctx the link, with its inputs loaded */
    public DynamicLink(LinkContext ctx) {
        this.ctx = ctx;
        this.kind = ctx.options.outputKind();
        this.machO = ctx.target.format() == dev.rivet.linker.ObjectFormat.MACHO;
        this.pic = kind.isPositionIndependent() || machO;
        SymbolTable st = ctx.symbols;
        for (int f = 1; f < st.fileCount(); f++) {
            if (st.file(f) instanceof SharedLibrary lib) {
                libraries.add(lib);
            }
        }
        this.active = pic || !libraries.isEmpty();
    }

    /**
     * After resolution, before dead-stripping: decides which symbols are preemptible and which
     * are exported, and returns the exported ones defined here, which dead-stripping keeps.
     *
     * @return the symbols to keep alive
     */
    public IntArrayList decideExports() {
        IntArrayList roots = new IntArrayList();
        if (!active) {
            return roots;
        }
        SymbolTable st = ctx.symbols;
        boolean shared = kind == OutputKind.SHARED_LIBRARY;
        Predicate<String> exportFilter = exportFilter(ctx.options.exportedPatterns(), ctx.options.hiddenPatterns());
        BitSet wantedByLibraries = new BitSet();
        for (SharedLibrary lib : libraries) {
            for (byte[] n : lib.undefinedNames) {
                int s = st.lookup(new String(n, java.nio.charset.StandardCharsets.UTF_8));
                if (s != 0) {
                    wantedByLibraries.set(s);
                }
            }
        }
        for (int s = 1; s < st.count; s++) {
            int f = st.file[s];
            if (f == 0 || st.isStatic.get(s)) {
                continue;
            }
            InputFile file = st.file(f);
            int l = st.local[s];
            if (file.hasFlag(l, InputFile.SHARED)) {
                preemptible.set(s);
                continue;
            }
            if (file.hasFlag(l, InputFile.LOCAL) || file.hasFlag(l, InputFile.HIDDEN) || file.hasFlag(l, InputFile.NOT_IN_SYMTAB)) {
                continue;
            }
            boolean defined = file.isDefined(l);
            if (!defined) {
                // An undefined reference in a shared library is bound at load time; in a program
                // a weak one is 0 and a strong one an error.
                if (machO ? ctx.options.dynamicLookup() : shared) {
                    preemptible.set(s);
                }
                continue;
            }
            if (file.hasFlag(l, InputFile.LINKER_DEFINED)) {
                continue;
            }
            // A definition with a version of its own (.symver) is exported unless that version's
            // node hides it; the script's other local: patterns do not apply (GNU ld).
            String version = file.version(l);
            boolean export = shared ? (version != null ? !hiddenByVersionNode(st.name(s), version) : exportFilter.test(st.name(s)))
                    : ctx.options.exportDynamic() || wantedByLibraries.get(s);
            if (machO && file.hasFlag(l, InputFile.WEAK) && (!shared || export)) {
                stubbedHere.set(s); // dyld coalesces weak definitions across images
            }
            if (export) {
                exported.set(s);
                roots.add(s);
                if (shared && !ctx.options.symbolic() && !machO && file.kind(l) != SymbolKind.ABSOLUTE) {
                    preemptible.set(s);
                }
            }
        }
        return roots;
    }

    /**
     * {@return whether a definition that an object gave version V ({@code .symver}) is hidden by
     * V's version-script node: its local patterns match the name and its global ones do not}
     *
     * @param name the symbol's name, {@code foo} or {@code foo@V}
     * @param version V
     */
    private boolean hiddenByVersionNode(String name, String version) {
        int at = name.indexOf('@');
        String base = at < 0 ? name : name.substring(0, at);
        for (dev.rivet.linker.LinkOptions.SymbolVersion v : ctx.options.symbolVersions()) {
            if (v.name().equals(version)) {
                return matchesAny(v.localPatterns(), base) && !matchesAny(v.patterns(), base);
            }
        }
        return false;
    }

    private static boolean matchesAny(List<String> patterns, String name) {
        for (String p : patterns) {
            if (isWildcard(p) ? glob(p).matcher(name).matches() : p.equals(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@return whether calls to a symbol defined here go through its stub (Mach-O: an exported weak
     * definition, which dyld may bind to another image's)}
     *
     * @param s a symbol
     */
    public boolean isStubbedDefinition(int s) {
        return stubbedHere.get(s);
    }

    /** {@return whether any symbol defined here is called through a stub} */
    public boolean hasStubbedDefinitions() {
        return !stubbedHere.isEmpty();
    }

    /** {@return whether a symbol defined here is exported} @param s a symbol */
    public boolean isExported(int s) {
        return exported.get(s);
    }

    /** {@return whether references to a symbol are bound at load time} @param s a symbol */
    public boolean isPreemptible(int s) {
        return preemptible.get(s);
    }

    /**
     * {@return whether references through a symbol's GOT slot must stay so: it is bound at load
     * time, or the output moves and the symbol does not (an undefined weak one, 0, or an absolute one)}
     *
     * @param s a symbol
     */
    public boolean mustKeepGot(int s) {
        if (preemptible.get(s)) {
            return true;
        }
        if (!pic) {
            return false;
        }
        SymbolTable st = ctx.symbols;
        return !st.isDefined(s) || (st.kind(s) == SymbolKind.ABSOLUTE && !st.hasFlag(s, InputFile.LINKER_DEFINED));
    }

    /**
     * {@return how thread-local symbol s is reached: one of {@link Arch}'s TLS_ access constants}; a
     * shared library reaches every one dynamically, an executable a library's through the GOT
     *
     * @param s a thread-local symbol
     */
    public int tlsAccess(int s) {
        if (!active || machO) {
            return Arch.TLS_LOCAL_EXEC; // Mach-O: offsets in the image's own template, reached through its descriptors
        }
        if (kind == OutputKind.SHARED_LIBRARY) {
            return Arch.TLS_SHARED;
        }
        return isImported(s) ? Arch.TLS_INITIAL_EXEC : Arch.TLS_LOCAL_EXEC;
    }

    /** {@return whether a shared library uses initial-exec accesses, so can only be loaded with its program (DF_STATIC_TLS)} */
    public boolean usesStaticTls() {
        return staticTls;
    }

    /** {@return whether a symbol is defined by a shared library} @param s a symbol */
    public boolean isImported(int s) {
        return ctx.symbols.hasFlag(s, InputFile.SHARED);
    }

    /** {@return whether an imported function's PLT entry is its address in this output} @param s a symbol */
    public boolean hasCanonicalPlt(int s) {
        return canonicalPlt.get(s);
    }

    /**
     * {@return whether {@link #scan} may have something to do for a relocation of class
     * {@code cls} (of {@link Arch}) against {@code target}} Only reads what resolution decided,
     * so relocations can be filtered on several threads before the scan proper; it must say yes
     * wherever {@code scan} acts.
     */
    public boolean mayScan(int cls, int target) {
        return cls == Arch.CLASS_ABS_WORD || cls == Arch.CLASS_ABS_NARROW || cls == Arch.CLASS_TLS
                || preemptible.get(target) || stubbedHere.get(target);
    }

    /**
     * {@return whether all {@link #scan} would do for a relocation of class {@code cls} in
     * {@code atom} against {@code target} is to record a relative word} An absolute word in
     * writable data, against a symbol defined here that cannot be preempted, in an output that
     * moves: most of a position-independent C++ program's dynamic relocations (239,000 in the
     * llvm link, its vtables and tables of pointers). Only reads what resolution decided, so the
     * relocation scan's pickers answer it on the link's threads, and its serial pass then calls
     * only {@link #relative}.
     */
    public boolean onlyRelative(int cls, int atom, int target) {
        if (cls != Arch.CLASS_ABS_WORD || !pic || preemptible.get(target)) {
            return false;
        }
        SymbolTable st = ctx.symbols;
        SymbolKind in = ctx.atoms.kind(atom);
        return st.isDefined(target) && (in == SymbolKind.DATA || in == SymbolKind.TLS_DATA)
                && (st.kind(target) != SymbolKind.ABSOLUTE || st.hasFlag(target, InputFile.LINKER_DEFINED));
    }

    /**
     * Records the relative word of a relocation for which {@link #onlyRelative} holds: what
     * {@link #scan} would do for it.
     */
    public void relative(InputFile file, int atom, int r, int target) {
        place(atom, file.relocs.offset[r], RELATIVE, target, file.relocs.addend(r));
    }

    /**
     * Classifies one live relocation: may give its target a PLT entry or a copy, record a dynamic
     * relocation at its place, or report that it cannot be used in this output.
     *
     * @param file the relocation's file
     * @param atom the atom it patches
     * @param r its index in the file's relocations
     * @param target its target symbol
     */
    public void scan(InputFile file, int atom, int r, int target) {
        SymbolTable st = ctx.symbols;
        AtomTable at = ctx.atoms;
        Arch arch = ctx.arch;
        int op = ctx.operation(file, r);
        int cls = arch.relocationClass(op);
        boolean pre = preemptible.get(target);
        if (pre) {
            referenced.set(target);
            markUsed(target);
        }
        boolean shared = kind == OutputKind.SHARED_LIBRARY;
        boolean isFunction = st.isDefined(target) && st.kind(target) == SymbolKind.TEXT;
        // Linker-defined symbols (section bounds, the header) are addresses in the output, which moves.
        boolean absolute = st.isDefined(target) && st.kind(target) == SymbolKind.ABSOLUTE && !pre
                && !st.hasFlag(target, InputFile.LINKER_DEFINED);
        // A thread-local initializer is data too: the loader relocates the image before copying it.
        boolean writable = at.kind(atom) == SymbolKind.DATA || at.kind(atom) == SymbolKind.TLS_DATA;
        switch (cls) {
            case Arch.CLASS_BRANCH -> {
                if (pre || stubbedHere.get(target)) {
                    plt.add(target);
                }
            }
            case Arch.CLASS_GOT -> { } // the GOT slot decides (see gotRelocation)
            case Arch.CLASS_ABS_WORD -> {
                if (pre) {
                    if (writable) {
                        place(atom, file.relocs.offset[r], SYMBOLIC, target, file.relocs.addend(r));
                    } else if (!shared && !machO && isImported(target)) { // a Mach-O program moves too: no canonical stub
                        directReference(target, isFunction, file, atom, r);
                    } else {
                        textRelocation(file, atom, r, target);
                    }
                } else if (pic && !absolute && st.isDefined(target)) {
                    if (writable) {
                        place(atom, file.relocs.offset[r], RELATIVE, target, file.relocs.addend(r));
                    } else {
                        textRelocation(file, atom, r, target);
                    }
                }
            }
            case Arch.CLASS_ABS_NARROW -> {
                if (pre && !shared && isImported(target) && !pic) {
                    directReference(target, isFunction, file, atom, r);
                } else if ((pic && !absolute && st.isDefined(target)) || pre) {
                    error(file, atom, r, target, "cannot be used against symbol '" + st.name(target) + "' in a "
                            + describeOutput() + "; recompile with -fPIC");
                }
            }
            case Arch.CLASS_PC, Arch.CLASS_PAGE_OFFSET -> {
                if (pre) {
                    if (!shared && isImported(target)) {
                        directReference(target, isFunction, file, atom, r);
                    } else {
                        error(file, atom, r, target, "cannot be used against preemptible symbol '" + st.name(target)
                                + "' in a " + describeOutput() + "; recompile with -fPIC");
                    }
                }
            }
            case Arch.CLASS_TLS -> {
                // What remains relative to the thread pointer after tlsOperation is local-exec.
                if (arch.isThreadPointerRelative(op) && tlsAccess(target) != Arch.TLS_LOCAL_EXEC) {
                    error(file, atom, r, target, shared
                            ? "against thread-local symbol '" + st.name(target) + "' cannot be used in a shared library; recompile with -fPIC"
                            : "refers to thread-local symbol '" + st.name(target) + "' of a shared library with local-exec access; "
                                    + "recompile with -fPIC");
                } else if (shared && arch.tlsGotEntry(op) == Arch.TLS_GOT_IE) {
                    staticTls = true;
                }
            }
            default -> { }
        }
    }

    /** A program's code addresses an imported symbol directly: a copy for data, a canonical PLT entry for a function. */
    private void directReference(int target, boolean isFunction, InputFile file, int atom, int r) {
        SymbolTable st = ctx.symbols;
        if (isFunction) {
            plt.add(target);
            canonicalPlt.set(target);
            return;
        }
        SharedLibrary lib = (SharedLibrary) st.file(st.file[target]);
        if (machO) {
            error(file, atom, r, target, "refers to data '" + st.name(target) + "' of dylib " + lib.name
                    + " directly, which Mach-O cannot express (no copy relocations); reach it through the GOT");
            return;
        }
        if (lib.isProtected(st.local[target])) {
            error(file, atom, r, target, "needs a copy relocation of '" + st.name(target)
                    + "', which has protected visibility in " + lib.name + "; recompile with -fPIC");
            return;
        }
        if (st.kind(target).isThreadLocal()) {
            error(file, atom, r, target, "refers to thread-local symbol '" + st.name(target) + "' of a shared library as data");
            return;
        }
        copies.add(target);
    }

    private void textRelocation(InputFile file, int atom, int r, int target) {
        error(file, atom, r, target, "against '" + ctx.symbols.name(target) + "' would need a dynamic relocation in read-only "
                + "section; recompile with -fPIC");
    }

    private String describeOutput() {
        return kind == OutputKind.SHARED_LIBRARY ? "shared library" : kind == OutputKind.PIE ? "position-independent executable" : "program";
    }

    private void error(InputFile file, int atom, int r, int target, String what) {
        if (errors.size() < 20) {
            errors.add(Diagnostic.error("relocation " + ctx.arch.opName(file.relocs.type[r]) + " " + what)
                    .withInput(file.name).withLocation(file.describe(ctx.atoms, ctx.symbols, atom, file.relocs.offset[r])));
        }
    }

    private void markUsed(int s) {
        if (ctx.symbols.file(ctx.symbols.file[s]) instanceof SharedLibrary lib) {
            lib.used = true;
        }
    }

    private void place(int atom, int offset, int kind, int symbol, long addend) {
        placeAtom.add(atom);
        placeOffset.add(offset);
        placeKind.add(kind);
        placeSymbol.add(symbol);
        placeAddend.add(addend);
    }

    /** {@return the errors the scan found} */
    public List<Diagnostic> errors() {
        return errors;
    }

    /**
     * {@return the symbols the dynamic symbol table holds, in a deterministic order: referenced
     * imports, then exports, each by symbol index}; the format may reorder them (for its hash table)
     */
    public IntArrayList dynamicSymbols() {
        IntArrayList list = new IntArrayList();
        for (int s = referenced.nextSetBit(1); s >= 0; s = referenced.nextSetBit(s + 1)) {
            if (!exported.get(s)) {
                list.add(s);
            }
        }
        for (int s = exported.nextSetBit(1); s >= 0; s = exported.nextSetBit(s + 1)) {
            if (ctx.symbolAtom[s] == 0 || ctx.atoms.alive.get(ctx.symbolAtom[s])) {
                list.add(s);
            }
        }
        return list;
    }

    /** {@return how many PLT entries there are} */
    public int pltCount() {
        return plt.size();
    }

    /** {@return the symbol of PLT entry i} @param i an entry */
    public int pltSymbol(int i) {
        return plt.symbol(i);
    }

    /** {@return symbol s's PLT entry, -1 for none} @param s a symbol */
    public int pltIndex(int s) {
        return plt.slot(s);
    }

    /** {@return how many {@code .plt.got} entries there are: stubs that jump through the symbol's GOT slot} */
    public int pltGotCount() {
        return pltGot.size();
    }

    /** {@return the address of {@code .plt.got} entry i, after layout} @param i an entry */
    public long pltGotEntryAddress(int i) {
        return ctx.atomAddress[pltGotAtom] + (long) ctx.arch.indirectStubSize() * i;
    }

    /** {@return whether an imported object is copied into the output} @param s a symbol */
    public boolean isCopied(int s) {
        return copies.slot(s) >= 0;
    }

    /** {@return how many objects are copied} */
    public int copyCount() {
        return copies.size();
    }

    /** {@return the i-th copied object} @param i an index */
    public int copySymbol(int i) {
        return copies.symbol(i);
    }

    /** {@return where the i-th copied object lives in the output, after layout} @param i an index */
    public long copyAddress(int i) {
        return ctx.atomAddress[copyReadOnly[i] ? relroCopyAtom : copyAtom] + copyAddress[i];
    }

    /**
     * {@return the atom holding a copied object: {@code .bss.copy}, or {@code .bss.rel.ro} for a
     * library's read-only data (with {@code -z relro}), which the loader protects after the copy}
     *
     * @param s a copied symbol
     */
    public int copyAtomOf(int s) {
        return copyReadOnly[copies.slot(s)] ? relroCopyAtom : copyAtom;
    }

    /** {@return how many dynamic relocations at places in atoms there are} */
    public int placeCount() {
        return placeAtom.size();
    }

    /** {@return the kind of place relocation i} @param i an index */
    public int placeKind(int i) {
        return placeKind.getInt(i);
    }

    /** {@return the symbol of place relocation i} @param i an index */
    public int placeSymbol(int i) {
        return placeSymbol.getInt(i);
    }

    /** {@return the address of place relocation i, after layout} @param i an index */
    public long placeAddress(int i) {
        return ctx.atomAddress[placeAtom.getInt(i)] + placeOffset.getInt(i);
    }

    /** {@return the addend of place relocation i: for RELATIVE, the target's address plus it, after layout} @param i an index */
    public long placeAddend(int i) {
        long a = placeAddend.getLong(i);
        return placeKind.getInt(i) == RELATIVE ? ctx.symbolAddress[placeSymbol.getInt(i)] + a : a;
    }

    /** {@return the addend of place relocation i relative to its symbol, whatever its kind} @param i an index */
    public long placeSymbolAddend(int i) {
        return placeAddend.getLong(i);
    }

    /** Reserved slots at the start of {@code .got.plt}: the dynamic section's address and two the loader fills. */
    public static final int GOT_PLT_RESERVED = 3;

    /** The dynamic section's address, which the first {@code .got.plt} slot holds; the format sets it after layout. */
    public long dynamicSectionAddress;
    private int pltAtom;
    private int pltHeaderSize;
    private int pltEntrySize;
    private int gotPltAtom;
    private int pltGotAtom;

    /** {@return the PLT's address (its header), after layout} */
    public long pltAddress() {
        return ctx.atomAddress[pltAtom];
    }

    /**
     * A format that lays out its own stubs (Mach-O {@code __stubs}) says where: entry i of the
     * atom, with no header, is symbol {@link #pltSymbol}(i)'s address in this output.
     *
     * @param atom the stubs' atom
     * @param entrySize the size of one stub
     */
    public void placeStubs(int atom, int entrySize) {
        pltAtom = atom;
        pltHeaderSize = 0;
        pltEntrySize = entrySize;
    }

    /** {@return the address of {@code .got.plt}, after layout; 0 without a PLT} */
    public long gotPltAddress() {
        return plt.isEmpty() ? 0 : ctx.atomAddress[gotPltAtom];
    }

    /** {@return the address of PLT entry i, after layout} @param i an entry */
    public long pltEntryAddress(int i) {
        return pltAddress() + pltHeaderSize + (long) pltEntrySize * i;
    }

    /** {@return the address of PLT entry i's slot in {@code .got.plt}, after layout} @param i an entry */
    public long pltSlotAddress(int i) {
        return gotPltAddress() + 8L * (GOT_PLT_RESERVED + i);
    }

    /** Makes the copies' BSS atom, the PLT and its {@code .got.plt}, and {@code .plt.got}, as the scan asked. */
    void materialize(LinkContext ctx) {
        materializeCopies(ctx);
        if (!machO) {
            materializePltGot(ctx);
        }
        int n = plt.size();
        if (n == 0 || machO) {
            SyntheticAtoms.retire(ctx, ".plt");
            SyntheticAtoms.retire(ctx, ".got.plt");
            return;
        }
        Arch arch = ctx.arch;
        pltHeaderSize = arch.pltHeaderSize();
        pltEntrySize = arch.pltEntrySize();
        long size = pltHeaderSize + (long) pltEntrySize * n;
        pltAtom = SyntheticAtoms.make(ctx, ".plt", SymbolKind.TEXT, 1, 0x6 /* ALLOC|EXECINSTR */, 16, size, out -> {
            long base = pltAddress();
            long gotPlt = gotPltAddress();
            arch.writePltHeader(out.buffer(), 0, base, gotPlt);
            for (int i = 0; i < n; i++) {
                int pos = arch.pltHeaderSize() + arch.pltEntrySize() * i;
                arch.writePltEntry(out.buffer(), pos, pltEntryAddress(i), pltSlotAddress(i), i, base);
            }
        });
        gotPltAtom = SyntheticAtoms.make(ctx, ".got.plt", SymbolKind.DATA, 1, 0x3 /* WRITE|ALLOC */, 8,
                8L * (GOT_PLT_RESERVED + n), out -> {
                    out.buffer().putLong(0, dynamicSectionAddress);
                    for (int i = 0; i < n; i++) {
                        out.buffer().putLong(8 * (GOT_PLT_RESERVED + i), arch.lazyPltSlotValue(pltEntryAddress(i), pltAddress()));
                    }
                });
    }

    /**
     * A called import that also has a GOT slot (its address is taken, or {@code -fno-plt} code) is
     * called through that slot by a {@code .plt.got} stub, as GNU ld (x86-64) and mold do: one
     * GLOB_DAT, no lazy JUMP_SLOT. Not a canonical PLT entry: the program's symbol is that entry,
     * so its GOT slot would resolve to it and the stub would jump to itself.
     */
    private void materializePltGot(LinkContext ctx) {
        SymbolSlots lazy = new SymbolSlots();
        for (int i = 0; i < plt.size(); i++) {
            int s = plt.symbol(i);
            if (preemptible.get(s) && ctx.got.has(s) && !canonicalPlt.get(s)) {
                pltGot.add(s);
            } else {
                lazy.add(s);
            }
        }
        plt = lazy;
        int n = pltGot.size();
        if (n == 0) {
            SyntheticAtoms.retire(ctx, ".plt.got");
            return;
        }
        Arch arch = ctx.arch;
        int size = arch.indirectStubSize();
        int[] symbols = pltGot.toArray();
        pltGotAtom = SyntheticAtoms.make(ctx, ".plt.got", SymbolKind.TEXT, 1, 0x6 /* ALLOC|EXECINSTR */, 16, (long) size * n, out -> {
            for (int i = 0; i < n; i++) {
                arch.writeIndirectStub(out.buffer(), size * i, pltGotEntryAddress(i), ctx.got.entryAddress(ctx, symbols[i]));
            }
        });
    }

    /**
     * Copies of a library's read-only data (in its read-only or RELRO segments) go to
     * {@code .bss.rel.ro}, which the loader makes read-only after relocating, as lld and GNU ld do;
     * the rest to {@code .bss.copy}.
     */
    private void materializeCopies(LinkContext ctx) {
        int n = copies.size();
        SymbolTable st = ctx.symbols;
        copyAddress = new long[n];
        copyReadOnly = new boolean[n];
        for (int i = 0; i < n; i++) {
            int s = copies.symbol(i);
            copyReadOnly[i] = ctx.options.relro() && ((SharedLibrary) st.file(st.file[s])).isReadOnly(st.local[s]);
        }
        copyAtom = materializeCopies(ctx, ".bss.copy", false);
        relroCopyAtom = materializeCopies(ctx, ".bss.rel.ro", true);
    }

    private int materializeCopies(LinkContext ctx, String section, boolean readOnly) {
        SymbolTable st = ctx.symbols;
        long off = 0;
        long maxAlign = 1;
        boolean any = false;
        for (int i = 0; i < copies.size(); i++) {
            if (copyReadOnly[i] != readOnly) {
                continue;
            }
            any = true;
            int s = copies.symbol(i);
            InputFile lib = st.file(st.file[s]);
            long value = lib.value(st.local[s]);
            // A library object's alignment is not recorded; its address's lowest set bit bounds it.
            long align = Math.min(32, value == 0 ? 32 : Long.lowestOneBit(value));
            maxAlign = Math.max(maxAlign, align);
            off = (off + align - 1) & -align;
            copyAddress[i] = off;
            off += Math.max(1, st.size(s));
        }
        if (!any) {
            SyntheticAtoms.retire(ctx, section);
            return 0;
        }
        return SyntheticAtoms.make(ctx, section, SymbolKind.BSS, 8 /* NOBITS */, 0x3, (int) maxAlign, off, out -> { });
    }

    /** After symbol addresses are known: imported symbols are reached at their PLT entry or their copy, else 0. */
    void redirect(LinkContext ctx) {
        for (int s = preemptible.nextSetBit(1); s >= 0; s = preemptible.nextSetBit(s + 1)) {
            if (isImported(s) || !ctx.symbols.isDefined(s)) {
                ctx.symbolAddress[s] = 0;
                ctx.reportedAddress[s] = 0;
            }
        }
        for (int i = 0; i < copies.size(); i++) {
            ctx.symbolAddress[copies.symbol(i)] = copyAddress(i);
            ctx.reportedAddress[copies.symbol(i)] = copyAddress(i);
        }
        for (int i = 0; i < plt.size(); i++) {
            int s = plt.symbol(i);
            if (isImported(s) || !ctx.symbols.isDefined(s)) {
                ctx.symbolAddress[s] = pltEntryAddress(i);
            }
        }
        for (int i = 0; i < pltGot.size(); i++) {
            int s = pltGot.symbol(i);
            if (isImported(s) || !ctx.symbols.isDefined(s)) {
                ctx.symbolAddress[s] = pltGotEntryAddress(i);
            }
        }
    }

    /**
     * A filter from glob patterns: exact names first (global, then local), then wildcards (global,
     * then local); a name that nothing matches is exported.
     */
    static Predicate<String> exportFilter(List<String> exportedPatterns, List<String> hiddenPatterns) {
        if (exportedPatterns.isEmpty() && hiddenPatterns.isEmpty()) {
            return name -> true;
        }
        List<Pattern> exp = exportedPatterns.stream().map(DynamicLink::glob).toList();
        List<Pattern> hid = hiddenPatterns.stream().map(DynamicLink::glob).toList();
        java.util.Set<String> exactExported = new java.util.HashSet<>();
        java.util.Set<String> exactHidden = new java.util.HashSet<>();
        for (String p : exportedPatterns) {
            if (!isWildcard(p)) {
                exactExported.add(p);
            }
        }
        for (String p : hiddenPatterns) {
            if (!isWildcard(p)) {
                exactHidden.add(p);
            }
        }
        return name -> {
            if (exactExported.contains(name)) {
                return true;
            }
            if (exactHidden.contains(name)) {
                return false;
            }
            // A global wildcard beats a local one ("local: *"); a name no pattern matches stays global, as in GNU ld.
            if (exp.stream().anyMatch(p -> p.matcher(name).matches())) {
                return true;
            }
            return hid.stream().noneMatch(p -> p.matcher(name).matches());
        };
    }

    /**
     * {@return a function from a symbol's name to the index of the version that names it, -1 for
     * none}: an exact name in any version before a wildcard, then the first version that names it
     *
     * @param versions the versions a library defines
     */
    public static java.util.function.ToIntFunction<String> versionMatcher(List<dev.rivet.linker.LinkOptions.SymbolVersion> versions) {
        java.util.Map<String, Integer> exact = new java.util.HashMap<>();
        List<Pattern> wildcards = new ArrayList<>();
        IntArrayList wildcardVersion = new IntArrayList();
        for (int v = 0; v < versions.size(); v++) {
            for (String p : versions.get(v).patterns()) {
                if (isWildcard(p)) {
                    wildcards.add(glob(p));
                    wildcardVersion.add(v);
                } else {
                    exact.putIfAbsent(p, v);
                }
            }
        }
        return name -> {
            Integer v = exact.get(name);
            if (v != null) {
                return v;
            }
            for (int i = 0; i < wildcards.size(); i++) {
                if (wildcards.get(i).matcher(name).matches()) {
                    return wildcardVersion.getInt(i);
                }
            }
            return -1;
        };
    }

    private static boolean isWildcard(String p) {
        return p.indexOf('*') >= 0 || p.indexOf('?') >= 0 || p.indexOf('[') >= 0;
    }

    private static Pattern glob(String g) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < g.length(); i++) {
            char c = g.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    int end = g.indexOf(']', i + 1);
                    if (end < 0) {
                        re.append("\\[");
                    } else {
                        re.append('[').append(g, i + 1, end).append(']');
                        i = end;
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
