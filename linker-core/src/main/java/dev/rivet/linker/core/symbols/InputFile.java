package dev.rivet.linker.core.symbols;

import dev.rivet.linker.SymbolKind;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One source of symbols and atoms: an object file, an archive member, or the loader's own
 * payload of builder-made symbols. Its symbols are described by parallel arrays indexed by the
 * file-local symbol index; {@link #localToGlobal} maps each to its one global index (N to 1 for
 * names that several files mention).
 */
public abstract class InputFile {
    /** The symbol is file-local (static). */
    public static final int LOCAL = 1;
    /** The definition or reference is weak. */
    public static final int WEAK = 2;
    /** Hidden visibility. */
    public static final int HIDDEN = 4;
    /** Duplicate definitions are allowed; the first wins. */
    public static final int DUPOK = 8;
    /** Not copied to the output symbol table (section and file symbols of objects). */
    public static final int NOT_IN_SYMTAB = 16;
    /** Defined by the linker (such as {@code __init_array_start}); its value is set after layout. */
    public static final int LINKER_DEFINED = 32;
    /** An indirect function (ELF STT_GNU_IFUNC): the definition is a resolver that returns the real address at startup. */
    public static final int IFUNC = 64;
    /** Defined by a shared library: the output imports it at load time (see {@link SharedLibrary}). */
    public static final int SHARED = 128;

    private static final SymbolKind[] KINDS = SymbolKind.values();

    /** The file's name for messages: a path, or {@code archive(member)}. */
    public final String name;
    /** The file's index in the {@link SymbolTable}; 0 until added. */
    public int index;
    /**
     * Where the file's atoms go in layout relative to other files': its position among the
     * inputs, so that an archive member loaded during resolution is laid out where its archive
     * was given, as GNU ld does. Set by {@link SymbolTable#addFile} unless a reader set it first.
     */
    public long order = -1;

    /** How many local symbols are in use. */
    public int symCount;
    /** Local to global symbol index. */
    public int[] localToGlobal;
    /**
     * A heap copy of part of {@link #nameBytes()} (an object's string table, which holds its
     * globals' names, though a malformed file's may lie elsewhere), from {@link #nameCopyBase},
     * kept until the file's batch is bound ({@link SymbolLoader#keepNameCopy}), or null: the batch
     * binder compares the names in it through accessors that C1 compiles inline, where the mapped
     * buffer's are a call per eight bytes.
     */
    public byte[] nameCopy;
    /** Where {@link #nameCopy} starts in {@link #nameBytes()}. */
    public int nameCopyBase;
    /** {@link SymbolKind} ordinal of each symbol's definition; UNDEFINED for references. */
    public byte[] symKind;
    /** {@link #LOCAL}, {@link #WEAK}, {@link #HIDDEN}, {@link #DUPOK}. */
    public byte[] symFlags;
    /** Global atom holding the definition, 0 for none (absolute or undefined). */
    public int[] symAtom;
    /** The relocations of this file's atoms. */
    public final Relocations relocs;
    /** Whether {@link #relocs}' targets are global symbols (a payload's) rather than local ones. */
    private final boolean globalTargets;
    /**
     * Atoms whose relocations keep their targets alive only conditionally (ELF {@code .eh_frame}):
     * such an atom is always output but is not a root, and {@link #anchors} says which of its
     * relocations count. Empty for most files.
     */
    public int[] conditionalAtoms = new int[0];
    /**
     * For each of {@link #conditionalAtoms}, per relocation (from the atom's first): -1 if it
     * always keeps its target alive (a CIE's personality routine), the index (from the atom's
     * first) of the relocation whose target must be live for it to count (an FDE's function, for
     * its LSDA), or the relocation's own index for that anchor itself, which keeps nothing alive.
     */
    public int[][] anchors = new int[0][];

    /**
     * @param name the file's name for messages
     * @param symbolCapacity the initial number of symbol slots
     * @param relocationCapacity the initial number of relocation slots
     */
    protected InputFile(String name, int symbolCapacity, int relocationCapacity) {
        this(name, symbolCapacity, relocationCapacity, false);
    }

    /**
     * @param name the file's name for messages
     * @param symbolCapacity the initial number of symbol slots
     * @param relocationCapacity the initial number of relocation slots
     * @param globalTargets whether its relocations' targets are global symbols already (else
     *        local ones, mapped by {@link #localToGlobal})
     */
    protected InputFile(String name, int symbolCapacity, int relocationCapacity, boolean globalTargets) {
        this.name = name;
        this.globalTargets = globalTargets;
        int n = Math.max(symbolCapacity, 4);
        localToGlobal = new int[n];
        symKind = new byte[n];
        symFlags = new byte[n];
        symAtom = new int[n];
        relocs = new Relocations(relocationCapacity);
    }

    /**
     * Makes room for n symbols in all, so that a reader that knows how many it will add makes the
     * arrays once and exactly (growing them by half on demand wastes a quarter on average).
     *
     * @param n the number of symbol slots
     */
    public void ensureSymbolCapacity(int n) {
        if (n > symKind.length) {
            localToGlobal = Arrays.copyOf(localToGlobal, n);
            symKind = Arrays.copyOf(symKind, n);
            symFlags = Arrays.copyOf(symFlags, n);
            symAtom = Arrays.copyOf(symAtom, n);
            growValuesAndSizes(n);
        }
    }

    /**
     * Appends a symbol slot.
     *
     * @return its local index
     */
    public int addSymbolSlot(SymbolKind kind, int flags, int atom, long value, long size) {
        if (symCount == symKind.length) {
            int n = symCount + (symCount >> 1) + 4;
            localToGlobal = Arrays.copyOf(localToGlobal, n);
            symKind = Arrays.copyOf(symKind, n);
            symFlags = Arrays.copyOf(symFlags, n);
            symAtom = Arrays.copyOf(symAtom, n);
            growValuesAndSizes(n);
        }
        int l = symCount++;
        symKind[l] = (byte) kind.ordinal();
        symFlags[l] = (byte) flags;
        symAtom[l] = atom;
        setValueAndSize(l, value, size);
        return l;
    }

    /** Grows the storage of values and sizes to n symbols. @param n the new capacity */
    protected abstract void growValuesAndSizes(int n);

    /**
     * Sets local symbol l's value (offset in its atom, or absolute value) and size.
     *
     * @param l a local index
     * @param value the value
     * @param size the size
     */
    public abstract void setValueAndSize(int l, long value, long size);

    /** {@return local symbol l's offset in its atom, or its absolute value} @param l a local index */
    public abstract long value(int l);

    /** {@return local symbol l's size in bytes} @param l a local index */
    public abstract long size(int l);

    /** {@return the kind of local symbol l} @param l a local index */
    public final SymbolKind kind(int l) {
        return KINDS[symKind[l]];
    }

    /** {@return whether local symbol l is defined here} @param l a local index */
    public final boolean isDefined(int l) {
        return symKind[l] != 0; // SymbolKind.UNDEFINED is ordinal 0
    }

    /** {@return whether local symbol l has flag f} @param l a local index @param f a flag */
    public final boolean hasFlag(int l, int f) {
        return (symFlags[l] & f) != 0;
    }

    /**
     * {@return the global symbol a relocation refers to} Final, not overridden per kind of file:
     * the passes call it for every relocation, and C1, which compiles a cold link's code, inlines
     * only what it can bind statically.
     *
     * @param r the relocation's index in {@link #relocs}
     */
    public final int relocationTarget(int r) {
        int t = relocs.target[r];
        return globalTargets ? t : localToGlobal[t];
    }

    /**
     * Describes a place in one of this file's atoms for messages, such as {@code 'main'+0x1c} or
     * {@code .text+0x40}.
     *
     * @param atoms the atom table
     * @param symbols the symbol table
     * @param atom an atom this file owns
     * @param offset the offset in it
     * @return the description
     */
    public String describe(AtomTable atoms, SymbolTable symbols, int atom, long offset) {
        return "atom " + atom + "+0x" + Long.toHexString(offset);
    }

    /**
     * {@return the version name local symbol l carries, null for none}: a shared library's
     * symbol's version, or one an object gave its definition ({@code .symver})
     *
     * @param l a local index
     */
    public String version(int l) {
        return null;
    }

    /**
     * {@return the bytes that names of this file's static symbols may point into (its mapped
     * data, which stays mapped as long as the linker is open), or null if they are copied}
     */
    public ByteBuffer nameBytes() {
        return null;
    }

    /**
     * Copies part of an atom's content.
     *
     * @param atoms the atom table
     * @param atom an atom this file owns
     * @param from the offset in the atom
     * @param out where to copy to, by absolute index
     * @param outPos the index in {@code out}
     * @param length how many bytes
     */
    public abstract void copyAtomBytes(AtomTable atoms, int atom, long from, ByteBuffer out, int outPos, int length);
}
