package dev.rivet.linker.core.symbols;

import java.util.Arrays;

/**
 * The relocations of one input file as parallel arrays. An atom owns the range
 * {@code [relStart, relStart + relCount)}. {@code type} is an architecture operation (see
 * {@code dev.rivet.linker.core.arch}); {@code target} is a symbol index that
 * {@link InputFile#relocationTarget} turns into a global one.
 */
public final class Relocations {
    /** Offsets from the start of the owning atom. */
    public int[] offset;
    /** Architecture operations (each architecture has fewer than 128). */
    public byte[] type;
    /** Target symbols, local to the file or global (see {@link InputFile}). */
    public int[] target;
    /** Addends. */
    public long[] addend;
    /** How many entries are used. */
    public int count;

    /** @param capacity the initial capacity */
    public Relocations(int capacity) {
        capacity = Math.max(capacity, 4);
        offset = new int[capacity];
        type = new byte[capacity];
        target = new int[capacity];
        addend = new long[capacity];
    }

    /**
     * Appends one relocation.
     *
     * @return its index
     */
    public int add(int off, int op, int sym, long add) {
        if (count == offset.length) {
            int n = count + (count >> 1) + 4;
            offset = Arrays.copyOf(offset, n);
            type = Arrays.copyOf(type, n);
            target = Arrays.copyOf(target, n);
            addend = Arrays.copyOf(addend, n);
        }
        offset[count] = off;
        type[count] = (byte) op;
        target[count] = sym;
        addend[count] = add;
        return count++;
    }
}
