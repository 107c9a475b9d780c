package dev.rivet.linker.core.symbols;

import dev.rivet.linker.Diagnostic;
import dev.rivet.linker.LinkException;
import dev.rivet.linker.Loader;
import dev.rivet.linker.SymbolBuilder;
import dev.rivet.linker.SymbolKind;
import dev.rivet.linker.core.arch.Arch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * The {@link Loader} of one linker: the symbol and atom tables, the payload of builder-made
 * symbols, and the input files added so far.
 */
public final class SymbolLoader implements Loader {
    /** The global symbol table. */
    public final SymbolTable symbols;
    /** Every atom. */
    public final AtomTable atoms;
    /** Builder-made symbols; file index 1. */
    public final PayloadFile payload;
    /** Output sections that readers assign input sections to. */
    public final SectionTable sections = new SectionTable();
    private final java.util.Map<String, MergeTable> mergeTables = new java.util.LinkedHashMap<>();

    /**
     * Returns the table that merges pieces for an output section with given piece alignment,
     * creating it (and its atom, in that output section) on first use.
     *
     * @param key what tells tables apart (output section, entry size, alignment)
     * @param outputSection the output section id in {@link #sections}
     * @param alignment every piece's alignment
     * @return the table
     */
    public MergeTable mergeTable(String key, int outputSection, int alignment) {
        MergeTable t = mergeTables.get(key);
        if (t == null) {
            MergeTable table = new MergeTable(alignment);
            int sym = syntheticSymbol(".merged " + key);
            update(sym, b -> b.kind(SymbolKind.RODATA).alignment(alignment).generator(0, out -> table.write(out.buffer())));
            int slot = symbols.local[sym];
            payload.symFlags[slot] |= InputFile.NOT_IN_SYMTAB;
            table.symbol = sym;
            table.atom = payload.symAtom[slot];
            atoms.setSection(table.atom, outputSection);
            mergeTables.put(key, table);
            t = table;
        }
        return t;
    }

    /** Gives every merge table's atom its final size; done when a link starts, after all inputs. */
    public void sizeMergeTables() {
        for (MergeTable t : mergeTables.values()) {
            atoms.setSize(t.atom, t.size());
        }
    }

    /** Signatures of the COMDAT groups loaded so far: a later group with the same signature is dropped. */
    public final GroupSignatures comdatSignatures = new GroupSignatures();
    private final Arch arch;
    private final boolean strictDupok;
    private final PayloadSymbolBuilder builder;
    private long[] lastAddresses;
    private boolean closed;

    /** Refuses further changes: the inputs the tables point into are being unmapped. */
    public void close() {
        closed = true;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the linker is closed");
        }
    }

    /**
     * @param arch the target's architecture
     * @param strictDupok whether duplicate dupok definitions must be equal
     */
    public SymbolLoader(Arch arch, boolean strictDupok) {
        this.arch = arch;
        this.strictDupok = strictDupok;
        this.symbols = new SymbolTable(1024);
        this.atoms = new AtomTable(1024);
        this.payload = new PayloadFile(atoms);
        symbols.addFile(payload);
        this.builder = new PayloadSymbolBuilder(arch, symbols);
    }

    /** {@return the target's architecture} */
    public Arch arch() {
        return arch;
    }

    // ---- input files ----

    /**
     * Binds every symbol of a file that has been registered and filled: static symbols get new
     * indices, the others are resolved by name against what is loaded.
     *
     * @param f the file, registered with {@link SymbolTable#addFile}, with its symbols filled in
     * @param names the name of each local symbol, as UTF-8 bytes
     * @throws LinkException listing every duplicate definition found
     */
    public void bindFileSymbols(InputFile f, byte[][] names) {
        int total = 0;
        for (byte[] n : names) {
            total += n.length;
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        int[] offset = new int[names.length];
        int[] length = new int[names.length];
        for (int l = 0; l < names.length; l++) {
            offset[l] = all.position();
            length[l] = names[l].length;
            all.put(names[l]);
        }
        bindFileSymbols(f, all, offset, length);
    }

    /**
     * Binds every symbol of a file, its names read in place from a buffer (a mapped input's
     * string tables), as {@link #bindFileSymbols(InputFile, byte[][])} does.
     *
     * @param f the file
     * @param names the buffer holding the names
     * @param offset each local symbol's name's absolute index in it
     * @param length each name's length
     * @throws LinkException listing every duplicate definition found
     */
    public void bindFileSymbols(InputFile f, ByteBuffer names, int[] offset, int[] length) {
        bindFileSymbols(f, names, offset, length, null);
    }

    /**
     * Binds every symbol of a file as {@link #bindFileSymbols(InputFile, ByteBuffer, int[],
     * int[])} does, given the names' hashes ({@code ByteHash}), computed where the file was parsed.
     *
     * @param f the file
     * @param names the buffer holding the names
     * @param offset each local symbol's name's absolute index in it
     * @param length each name's length
     * @param hash each name's hash, or null to hash them here
     * @throws LinkException listing every duplicate definition found
     */
    public void bindFileSymbols(InputFile f, ByteBuffer names, int[] offset, int[] length, int[] hash) {
        bindFileSymbols(f, names, offset, length, hash, null);
    }

    /**
     * Binds every symbol of a file, given its names' hashes and the global symbols already found
     * for some of them ({@link SymbolTable#find}, while the file was parsed): symbols are never
     * removed while inputs load, so a symbol found then is still the one with that name.
     *
     * @param f the file
     * @param names the buffer holding the names
     * @param offset each local symbol's name's absolute index in it
     * @param length each name's length
     * @param hash each name's hash, or null to hash them here (past its end too)
     * @param found each global's symbol if it was found, else 0; or null
     * @throws LinkException listing every duplicate definition found
     */
    public void bindFileSymbols(InputFile f, ByteBuffer names, int[] offset, int[] length, int[] hash, int[] found) {
        bindFileSymbols(f, names, offset, length, hash, found, null);
    }

    /**
     * Binds every symbol of a file as {@link #bindFileSymbols(InputFile, ByteBuffer, int[], int[],
     * int[], int[])} does, then runs {@code afterBind} (which may read the file's
     * {@link InputFile#localToGlobal}). While binding is deferred ({@link #deferBinding}), a file
     * whose names are its own mapped bytes waits for {@link #bindDeferred}, which binds it
     * together with the others and then runs its {@code afterBind}.
     *
     * @param f the file
     * @param names the buffer holding the names
     * @param offset each local symbol's name's absolute index in it
     * @param length each name's length
     * @param hash each name's hash, or null to hash them here (past its end too)
     * @param found each global's symbol if it was found, else 0; or null
     * @param afterBind what to run once the file is bound, or null
     * @throws LinkException listing every duplicate definition found
     */
    public void bindFileSymbols(InputFile f, ByteBuffer names, int[] offset, int[] length, int[] hash, int[] found,
            Runnable afterBind) {
        if (deferred != null) {
            if (names == f.nameBytes()) {
                deferred.add(new BatchBinder.Entry(f, offset, length, hash, found, symbols.count == countWhenDeferred, afterBind));
                for (int l = 0; found != null && l < Math.min(found.length, f.symCount); l++) {
                    if (found[l] != 0 && !f.hasFlag(l, InputFile.LOCAL) && f.isDefined(l)) {
                        deferredDefinitions.set(found[l]);
                    }
                }
                return;
            }
            bindDeferredSoFar();
        }
        bindNow(f, names, offset, length, hash, found);
        if (afterBind != null) {
            afterBind.run();
        }
    }

    /**
     * The most bytes of name copies kept at once. Deferred files keep theirs until their batch
     * is bound, which for a build's objects is the end of {@code addInputs}: past this, a file's
     * names are compared in its mapped bytes, so a link of huge objects needs no more heap.
     */
    static final long NAME_COPY_LIMIT = 64L << 20;
    private long nameCopyBytes;

    /**
     * Keeps a reader's heap copy of the bytes holding a file's names until the file is bound
     * ({@link InputFile#nameCopy}), unless the copies kept already reach {@link #NAME_COPY_LIMIT}.
     * Called by a reader where it finishes a file, in input order.
     *
     * @param f the file
     * @param copy the copy
     * @param base where the copy starts in {@link InputFile#nameBytes()}
     */
    public void keepNameCopy(InputFile f, byte[] copy, int base) {
        dropNameCopy(f);
        if (nameCopyBytes + copy.length <= NAME_COPY_LIMIT) {
            f.nameCopy = copy;
            f.nameCopyBase = base;
            nameCopyBytes += copy.length;
        }
    }

    /** {@return the bytes of name copies kept now} */
    long nameCopyBytes() {
        return nameCopyBytes;
    }

    private void dropNameCopy(InputFile f) {
        if (f.nameCopy != null) {
            nameCopyBytes -= f.nameCopy.length;
            f.nameCopy = null;
        }
    }

    private boolean parsingBesideBinding;

    /**
     * {@return whether a parse may look its globals up in the symbol table now} Not while inputs
     * are parsed beside the binding of earlier ones ({@link #parseBesideBinding}): binding may add
     * a symbol (a new merge table's) while the parse reads the table. A parse that does not look
     * its globals up passes no found symbols, and they are looked up when bound.
     */
    public boolean parseMayFindNames() {
        return !parsingBesideBinding;
    }

    /**
     * Says whether inputs are being parsed on other threads while this one binds earlier inputs.
     * Set before those parses start and cleared after they end (the executor's hand-over orders
     * the write before their reads).
     *
     * @param on whether they are
     */
    public void parseBesideBinding(boolean on) {
        parsingBesideBinding = on;
    }

    /** Runs {@code body(0..n-1)} on the link's threads, returning when all have run. */
    @FunctionalInterface
    public interface ParallelFor {
        /** @param n the count @param body what to run for each index */
        void run(int n, java.util.function.IntConsumer body);
    }

    private List<BatchBinder.Entry> deferred;
    private ParallelFor deferredOn;
    private Bits deferredDefinitions;
    private int countWhenDeferred;

    /**
     * {@return whether a file waiting to be bound defines s} which binding it will then do: as a
     * definition beats a reference, a symbol is defined once any file defines it. Only symbols
     * that were in the table when the waiting files were parsed are known here.
     *
     * @param s a symbol already in the table when the waiting files were parsed
     */
    public boolean definedByDeferred(int s) {
        return deferredDefinitions != null && deferredDefinitions.get(s);
    }

    /**
     * Defers the binding of files read from mapped inputs until {@link #bindDeferred}, which binds
     * them on several threads with the result of binding them one after another. Nothing else
     * may read or change the symbol table meanwhile, except through {@link #bindFileSymbols},
     * which binds what waits first when a file cannot wait. The files must have been parsed
     * since the table last changed: a name their readers did not find then is taken to be new,
     * unless the table has grown since this call.
     *
     * @param parallel runs the binding's steps on the link's threads
     */
    public void deferBinding(ParallelFor parallel) {
        deferred = new ArrayList<>();
        deferredOn = parallel;
        deferredDefinitions = new Bits(symbols.count);
        countWhenDeferred = symbols.count;
    }

    /**
     * Binds the files that wait and stops deferring.
     *
     * @throws LinkException listing every duplicate definition found, in input order
     */
    public void bindDeferred() {
        try {
            bindDeferredSoFar();
        } finally {
            deferred = null;
            deferredOn = null;
            deferredDefinitions = null;
        }
    }

    /** Binds the files that wait, still deferring later ones. */
    public void bindDeferredSoFar() {
        if (deferred == null || deferred.isEmpty()) {
            return;
        }
        List<BatchBinder.Entry> batch = deferred;
        deferred = new ArrayList<>();
        deferredDefinitions = new Bits(symbols.count);
        List<Diagnostic> errors;
        try {
            errors = BatchBinder.bind(symbols, batch, strictDupok, atoms, deferredOn);
        } finally {
            for (BatchBinder.Entry e : batch) {
                dropNameCopy(e.file()); // the names are found: the mapped bytes serve the rest
            }
        }
        for (BatchBinder.Entry e : batch) {
            if (e.afterBind() != null) {
                e.afterBind().run();
            }
        }
        if (!errors.isEmpty()) {
            throw new LinkException(errors);
        }
    }

    private void bindNow(InputFile f, ByteBuffer names, int[] offset, int[] length, int[] hash, int[] found) {
        dropNameCopy(f); // only the batch binder compares names in it
        List<Diagnostic> errors = new ArrayList<>();
        boolean inPlace = names == f.nameBytes(); // the file's own mapped bytes: statics' names stay there
        for (int l = 0; l < f.symCount; l++) {
            // The arrays may be shorter than the symbols: a reader may add symbols while binding.
            int h = hash != null && l < hash.length ? hash[l] : ByteHash.of(names, offset[l], length[l]);
            if (f.hasFlag(l, InputFile.LOCAL)) {
                int s = inPlace ? symbols.createStaticInFile(offset[l], length[l], h)
                        : symbols.createStatic(names, offset[l], length[l], h);
                symbols.take(s, f, l);
            } else {
                int s = found != null && l < found.length && found[l] != 0 ? found[l] : symbols.intern(names, offset[l], length[l], h);
                Diagnostic d = symbols.bind(s, f, l, strictDupok, atoms);
                if (d != null) {
                    errors.add(d);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new LinkException(errors);
        }
    }

    private final it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap<String> synthetic = new it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap<>();

    /**
     * {@return the static symbol that holds a linker-made table (GOT, IFUNC stubs...), created on
     * first use and reused by every link}
     *
     * @param name the table's name, such as {@code .got}
     */
    public int syntheticSymbol(String name) {
        int s = synthetic.getInt(name);
        if (s == 0) {
            s = symbols.createStatic(name);
            synthetic.put(name, s);
        }
        return s;
    }

    /** {@return a linker-made table's symbol if a link has made it, else 0} @param name its name */
    public int syntheticSymbolIfCreated(String name) {
        return synthetic.getInt(name);
    }

    // ---- linker-defined symbols ----

    /**
     * Defines a linker-provided symbol if, and only if, something refers to it and nothing
     * defines it (GNU ld's PROVIDE): an absolute placeholder whose value
     * {@link #setLinkerDefinedValue} sets after layout. A symbol this method defined in an earlier
     * link is returned again.
     *
     * @param name the symbol name
     * @param hidden whether it is hidden (PROVIDE_HIDDEN), as most are
     * @return the symbol, or 0 if it is not wanted or is defined by an input
     */
    public int defineLinkerSymbol(String name, boolean hidden) {
        int s = symbols.lookup(name);
        if (s == 0) {
            return 0;
        }
        if (symbols.isDefined(s)) {
            return symbols.hasFlag(s, InputFile.LINKER_DEFINED) ? s : 0;
        }
        int flags = InputFile.LINKER_DEFINED | (hidden ? InputFile.HIDDEN : 0);
        int slot = payload.addSymbolSlot(SymbolKind.ABSOLUTE, flags, 0, 0, 0);
        symbols.take(s, payload, slot);
        return s;
    }

    /**
     * Sets the value of a symbol made by {@link #defineLinkerSymbol}.
     *
     * @param s the symbol
     * @param value its address
     */
    public void setLinkerDefinedValue(int s, long value) {
        payload.setValueAndSize(symbols.local[s], value, 0);
    }

    // ---- Loader ----

    @Override
    public int lookup(String name) {
        Objects.requireNonNull(name, "name");
        return symbols.lookup(name);
    }

    @Override
    public int lookupOrCreate(String name) {
        requireOpen();
        requireName(name);
        return symbols.lookupOrCreate(name);
    }

    @Override
    public int createStatic(String name) {
        requireOpen();
        requireName(name);
        return symbols.createStatic(name);
    }

    @Override
    public int define(String name, SymbolKind kind, Consumer<? super SymbolBuilder> body) {
        requireOpen();
        requireName(name);
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(body, "body");
        if (kind == SymbolKind.UNDEFINED) {
            throw new IllegalArgumentException("cannot define '" + name + "' as UNDEFINED");
        }
        boolean existed = symbols.lookup(name) != 0;
        int s = symbols.lookupOrCreate(name);
        PayloadSymbolBuilder b = acquire();
        try {
            b.reset(s, kind);
            body.accept(b);
            b.validate();
            if (b.makeLocal && existed) {
                // A static definition must not capture the global symbol that others already
                // refer to (or define): it becomes a symbol of its own, and the body's references
                // to "the symbol being built" follow it.
                int st = symbols.createStatic(name);
                for (int i = 0; i < b.relCount; i++) {
                    if (b.relTarget[i] == s) {
                        b.relTarget[i] = st;
                    }
                }
                symbols.take(st, payload, commit(b, -1));
                return st;
            }
            int slot = commit(b, -1);
            Diagnostic d = symbols.bind(s, payload, slot, strictDupok, atoms);
            boolean won = symbols.file[s] == payload.index && symbols.local[s] == slot;
            if (!won && payload.symAtom[slot] != 0) {
                atoms.discarded.set(payload.symAtom[slot]);
            }
            if (d != null) {
                throw new LinkException(d);
            }
            if (won && b.makeLocal) {
                symbols.makeStatic(s);
            }
            return s;
        } finally {
            release(b);
        }
    }

    @Override
    public void update(int s, Consumer<? super SymbolBuilder> body) {
        requireOpen();
        requireSymbol(s);
        Objects.requireNonNull(body, "body");
        PayloadSymbolBuilder b = acquire();
        try {
            InputFile owner = symbols.owner(s);
            boolean inPayload = owner == payload;
            SymbolKind k = symbols.kind(s);
            b.reset(s, k == SymbolKind.UNDEFINED ? SymbolKind.DATA : k);
            if (owner != null && owner.isDefined(symbols.local[s])) {
                loadCurrent(b, owner, symbols.local[s]);
            }
            body.accept(b);
            b.validate();
            int slot = commit(b, inPayload ? symbols.local[s] : -1);
            symbols.take(s, payload, slot);
            if (b.makeLocal) {
                symbols.makeStatic(s);
            }
        } finally {
            release(b);
        }
    }

    @Override
    public void keep(int s) {
        requireSymbol(s);
        symbols.keep.set(s);
    }

    @Override
    public int symbolCount() {
        return symbols.count - 1;
    }

    @Override
    public String name(int s) {
        requireSymbol(s);
        return symbols.name(s);
    }

    @Override
    public SymbolKind kind(int s) {
        requireSymbol(s);
        return symbols.kind(s);
    }

    @Override
    public long size(int s) {
        requireSymbol(s);
        return symbols.size(s);
    }

    @Override
    public boolean isDefined(int s) {
        requireSymbol(s);
        return symbols.isDefined(s);
    }

    @Override
    public boolean isLocal(int s) {
        requireSymbol(s);
        return symbols.isStatic.get(s);
    }

    @Override
    public long address(int s) {
        requireSymbol(s);
        if (lastAddresses == null) {
            throw new IllegalStateException("no successful link yet");
        }
        OptionalLong a = lastAddress(s);
        if (a.isEmpty()) {
            throw new IllegalStateException("'" + symbols.name(s) + "' has no address: undefined, dead-stripped or added after the link");
        }
        return a.getAsLong();
    }

    /**
     * {@return the address the last link gave a symbol, as {@link #address} reports it, or empty}
     *
     * @param s a symbol, or 0
     */
    public OptionalLong lastAddress(int s) {
        long[] a = lastAddresses;
        if (a == null || s <= 0 || s >= a.length || a[s] == NO_ADDRESS) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(a[s]);
    }

    /** Marks a symbol without an address in {@link #publishAddresses}. */
    public static final long NO_ADDRESS = Long.MIN_VALUE;

    /**
     * Records the addresses of the last successful link, for {@link #address(int)}.
     *
     * @param addresses addresses by symbol as reported to users (thread-local ones as offsets)
     */
    public void publishAddresses(long[] addresses) {
        lastAddresses = addresses;
    }

    // ---- staging and committing ----

    private PayloadSymbolBuilder acquire() {
        // A body may define other symbols; only the outermost call reuses the shared builder.
        if (builder.inUse) {
            PayloadSymbolBuilder b = new PayloadSymbolBuilder(arch, symbols);
            b.inUse = true;
            return b;
        }
        builder.inUse = true;
        return builder;
    }

    private void release(PayloadSymbolBuilder b) {
        b.inUse = false;
    }

    /** Starts the builder from a symbol's current definition, cloning an object file's symbol. */
    private void loadCurrent(PayloadSymbolBuilder b, InputFile f, int l) {
        b.kind = f.kind(l);
        b.flags = f.symFlags[l] & ~InputFile.LOCAL;
        int atom = f.symAtom[l];
        long size = f.size(l);
        if (atom == 0) {
            b.value = f.value(l);
            return;
        }
        b.alignment = (int) Math.min(atoms.alignment(atom), 1 << 30);
        b.alignmentSet = true;
        SymbolKind ak = atoms.kind(atom);
        if (atoms.generators.containsKey(atom)) {
            b.generator = atoms.generators.get(atom);
            b.generatorSize = atoms.size(atom);
            return;
        }
        long from = f.value(l);
        if (ak.hasBytes() && size > 0) {
            byte[] bytes = new byte[(int) size];
            f.copyAtomBytes(atoms, atom, from, ByteBuffer.wrap(bytes), 0, bytes.length);
            b.addBytes(bytes);
        } else {
            b.size(size);
        }
        Relocations r = f.relocs;
        for (int i = atoms.relStart[atom], end = i + atoms.relCount(atom); i < end; i++) {
            long off = r.offset[i] - from;
            if (off >= 0 && off < size) {
                b.rawRelocation((int) off, r.type[i], f.relocationTarget(i), r.addend(i));
            }
        }
    }

    /**
     * Writes a staged definition into a payload slot (a new one if {@code slot < 0}) with its own
     * atom, and returns the slot.
     */
    private int commit(PayloadSymbolBuilder b, int slot) {
        long size = b.finalSize();
        SymbolKind kind = b.kind;
        int flags = b.flags;
        int atom = 0;
        if (kind != SymbolKind.ABSOLUTE) {
            int src = 0;
            if (b.generator == null && kind.hasBytes() && size > 0) {
                try {
                    src = payload.contents.allocate((int) size);
                } catch (IllegalStateException e) {
                    throw new LinkException(Diagnostic.error("'" + symbols.name(b.symbol) + "' does not fit: more than 4 GiB of"
                            + " builder-made contents is not supported yet").withHint("make large contents with a generator"), e);
                }
                System.arraycopy(b.buf, 0, payload.contents.chunk(src), ByteArena.offset(src), b.length);
            }
            atom = slot >= 0 ? payload.symAtom[slot] : 0;
            if (atom == 0) {
                atom = atoms.add(payload.index, kind, size, b.alignment, src);
            } else {
                atoms.kind[atom] = (byte) kind.ordinal();
                atoms.setSize(atom, size);
                atoms.alignLog2[atom] = (byte) Integer.numberOfTrailingZeros(b.alignment);
                atoms.source[atom] = src;
                atoms.generators.remove(atom);
            }
            if (b.generator != null) {
                atoms.generators.put(atom, b.generator);
            }
            payload.noteGenerated(atom, b.generator != null, slot >= 0 ? slot : payload.symCount);
            Relocations r = payload.relocs;
            atoms.relStart[atom] = r.count;
            atoms.setRelCount(atom, b.relCount);
            for (int i = 0; i < b.relCount; i++) {
                r.add(b.relOffset[i], b.relOp[i], b.relTarget[i], b.relAddend[i]);
            }
        }
        long value = kind == SymbolKind.ABSOLUTE ? b.value : 0;
        if (atom == 0 && slot >= 0 && payload.symAtom[slot] != 0) {
            // The symbol no longer has content (it became ABSOLUTE): its old atom must never be output.
            atoms.discarded.set(payload.symAtom[slot]);
        }
        if (slot < 0) {
            slot = payload.addSymbolSlot(kind, flags, atom, value, size);
        } else {
            payload.symKind[slot] = (byte) kind.ordinal();
            payload.symFlags[slot] = (byte) flags;
            payload.symAtom[slot] = atom;
            payload.setValueAndSize(slot, value, size);
        }
        return slot;
    }

    private void requireSymbol(int s) {
        if (s <= 0 || s >= symbols.count) {
            throw new IllegalArgumentException("no symbol with index " + s + " (valid: 1 to " + (symbols.count - 1) + ")");
        }
    }

    private static void requireName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("symbol name is empty");
        }
    }
}
