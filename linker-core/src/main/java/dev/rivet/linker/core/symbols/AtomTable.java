package dev.rivet.linker.core.symbols;

import dev.rivet.linker.SymbolGenerator;
import dev.rivet.linker.SymbolKind;
import it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap;
import java.util.Arrays;

/**
 * Every atom of the link as parallel arrays; atoms are the unit of layout. An atom is an input
 * section, the content of one builder-made symbol, or a synthetic table. Index 0 is no atom.
 */
public final class AtomTable {
    private static final SymbolKind[] KINDS = SymbolKind.values();

    /** The largest output section id an atom can name ({@link SectionTable}). */
    public static final int MAX_SECTION = Character.MAX_VALUE;
    // relCount holds counts below this; a larger one is this, and its count is in wideRelCount.
    private static final char WIDE_COUNT = Character.MAX_VALUE;

    /** Number of atoms, including the nil atom 0. */
    public int count = 1;
    // Owning file index in 16 bits; a file index of WIDE_FILE or more is WIDE_FILE here, the index in wideFile.
    private char[] file;
    private static final char WIDE_FILE = Character.MAX_VALUE;
    private final it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap wideFile = new it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap();
    // Size in bytes, unsigned, WIDE_SIZE for one kept in wideSize (a huge BSS): see size(int).
    private int[] size;
    private static final int WIDE_SIZE = -1;
    private final it.unimi.dsi.fastutil.ints.Int2LongOpenHashMap wideSize = new it.unimi.dsi.fastutil.ints.Int2LongOpenHashMap();
    /**
     * Where the content is, as the owning file understands it: a file offset (inputs are at most
     * 2 GiB), or a {@link ByteArena} compact handle (unsigned).
     */
    public int[] source;
    /** log2 of the alignment. */
    public byte[] alignLog2;
    /** {@link SymbolKind} ordinal: whether the atom has bytes, is code, is thread-local. */
    public byte[] kind;
    /** Output section id in the {@link SectionTable}, at most {@link #MAX_SECTION}; 0 for the default section of the kind. */
    public char[] section;
    /** First relocation in the owning file's {@link Relocations}. */
    public int[] relStart;
    // Number of relocations, WIDE_COUNT for one kept in wideRelCount: see relCount(int).
    private char[] relCount;
    private final it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap wideRelCount = new it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap();
    /** Atoms kept by dead-stripping. */
    public final Bits alive = new Bits(1024);
    /** Atoms that were replaced and must never be output. */
    public final Bits discarded = new Bits(1024);
    /**
     * Ranks of the few atoms that must come in a given order within their output section
     * (ELF init/fini array priorities): ranked atoms are sorted by rank, ties in input order;
     * an atom without a rank counts as {@link #DEFAULT_RANK}.
     */
    public final it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap rank = new it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap();
    /** The rank of atoms that have none: after every explicit one (GNU ld's default priority is 65535). */
    public static final int DEFAULT_RANK = 65536;
    /** Generators of atoms whose content is written after layout. */
    public final Int2ObjectOpenHashMap<SymbolGenerator> generators = new Int2ObjectOpenHashMap<>();

    /** @param capacity initial capacity */
    public AtomTable(int capacity) {
        rank.defaultReturnValue(DEFAULT_RANK);
        int n = Math.max(capacity, 16);
        file = new char[n];
        size = new int[n];
        source = new int[n];
        alignLog2 = new byte[n];
        kind = new byte[n];
        section = new char[n];
        relStart = new int[n];
        relCount = new char[n];
    }

    /**
     * Adds an atom.
     *
     * @param fileIndex the owning file
     * @param k what it holds
     * @param sz its size
     * @param alignment its alignment, a power of two
     * @param src where its content is (see {@link #source})
     * @return the new atom's index
     */
    public int add(int fileIndex, SymbolKind k, long sz, int alignment, int src) {
        if (count == file.length) {
            grow(count + (count >> 1) + 16);
        }
        int a = count++;
        if (fileIndex < WIDE_FILE) {
            file[a] = (char) fileIndex;
        } else {
            file[a] = WIDE_FILE;
            wideFile.put(a, fileIndex);
        }
        kind[a] = (byte) k.ordinal();
        setSize(a, sz);
        alignLog2[a] = (byte) Integer.numberOfTrailingZeros(alignment);
        source[a] = src;
        return a;
    }

    /** Makes room for at least n atoms in all; for callers that know how many will come. */
    public void ensureCapacity(int n) {
        if (n > file.length) {
            grow(n);
        }
    }

    /** {@return the index of the file that owns atom a} @param a an atom */
    public int file(int a) {
        char f = file[a];
        return f != WIDE_FILE ? f : wideFile.get(a);
    }

    /** {@return the kind of atom a} @param a an atom */
    public SymbolKind kind(int a) {
        return KINDS[kind[a]];
    }

    /** {@return the alignment of atom a in bytes} @param a an atom */
    public long alignment(int a) {
        return 1L << alignLog2[a];
    }

    /** {@return the size of atom a in bytes} @param a an atom */
    public long size(int a) {
        int s = size[a];
        return s != WIDE_SIZE ? Integer.toUnsignedLong(s) : wideSize.get(a);
    }

    /**
     * Sets the size of atom a.
     *
     * @param a an atom
     * @param sz the size, not negative
     */
    public void setSize(int a, long sz) {
        if (sz >= 0 && sz < 0xFFFF_FFFFL) {
            size[a] = (int) sz;
            if (!wideSize.isEmpty()) {
                wideSize.remove(a);
            }
        } else {
            size[a] = WIDE_SIZE;
            wideSize.put(a, sz);
        }
    }

    /**
     * Sets the output section of atom a.
     *
     * @param a an atom
     * @param id an id from the {@link SectionTable} (which refuses more than {@link #MAX_SECTION})
     */
    public void setSection(int a, int id) {
        section[a] = (char) id;
    }

    /** {@return the number of relocations of atom a} @param a an atom */
    public int relCount(int a) {
        char c = relCount[a];
        return c != WIDE_COUNT ? c : wideRelCount.get(a);
    }

    /**
     * Sets the number of relocations of atom a.
     *
     * @param a an atom
     * @param n the count
     */
    public void setRelCount(int a, int n) {
        if (n < WIDE_COUNT) {
            relCount[a] = (char) n;
            if (!wideRelCount.isEmpty()) {
                wideRelCount.remove(a);
            }
        } else {
            relCount[a] = WIDE_COUNT;
            wideRelCount.put(a, n);
        }
    }

    /** Counts one more relocation of atom a (a reader adding them one by one). @param a an atom */
    public void countRelocation(int a) {
        char c = relCount[a];
        if (c < WIDE_COUNT - 1) {
            relCount[a] = (char) (c + 1);
        } else {
            setRelCount(a, relCount(a) + 1);
        }
    }

    private void grow(int n) {
        file = Arrays.copyOf(file, n);
        size = Arrays.copyOf(size, n);
        source = Arrays.copyOf(source, n);
        alignLog2 = Arrays.copyOf(alignLog2, n);
        kind = Arrays.copyOf(kind, n);
        section = Arrays.copyOf(section, n);
        relStart = Arrays.copyOf(relStart, n);
        relCount = Arrays.copyOf(relCount, n);
    }
}
