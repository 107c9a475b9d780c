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

    /** Number of atoms, including the nil atom 0. */
    public int count = 1;
    /** Owning file index. */
    public int[] file;
    /** Index within the owning file: section number, or payload symbol slot. */
    public int[] fileLocal;
    /** Size in bytes. */
    public long[] size;
    /** Where the content is, as the owning file understands it (file offset, arena handle). */
    public long[] source;
    /** log2 of the alignment. */
    public byte[] alignLog2;
    /** {@link SymbolKind} ordinal: whether the atom has bytes, is code, is thread-local. */
    public byte[] kind;
    /** Output section id in the {@link SectionTable}; 0 for the default section of the kind. */
    public int[] section;
    /** First relocation in the owning file's {@link Relocations}. */
    public int[] relStart;
    /** Number of relocations. */
    public int[] relCount;
    /** Address after layout (section-relative while a section is being laid out). */
    public long[] address;
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
        file = new int[n];
        fileLocal = new int[n];
        size = new long[n];
        source = new long[n];
        alignLog2 = new byte[n];
        kind = new byte[n];
        section = new int[n];
        relStart = new int[n];
        relCount = new int[n];
        address = new long[n];
    }

    /**
     * Adds an atom.
     *
     * @return the new atom's index
     */
    public int add(int fileIndex, int local, SymbolKind k, long sz, int alignment, long src) {
        if (count == file.length) {
            grow(count + (count >> 1) + 16);
        }
        int a = count++;
        file[a] = fileIndex;
        fileLocal[a] = local;
        kind[a] = (byte) k.ordinal();
        size[a] = sz;
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

    /** {@return the kind of atom a} @param a an atom */
    public SymbolKind kind(int a) {
        return KINDS[kind[a]];
    }

    /** {@return the alignment of atom a in bytes} @param a an atom */
    public long alignment(int a) {
        return 1L << alignLog2[a];
    }

    private void grow(int n) {
        file = Arrays.copyOf(file, n);
        fileLocal = Arrays.copyOf(fileLocal, n);
        size = Arrays.copyOf(size, n);
        source = Arrays.copyOf(source, n);
        alignLog2 = Arrays.copyOf(alignLog2, n);
        kind = Arrays.copyOf(kind, n);
        section = Arrays.copyOf(section, n);
        relStart = Arrays.copyOf(relStart, n);
        relCount = Arrays.copyOf(relCount, n);
        address = Arrays.copyOf(address, n);
    }
}
