package dev.rivet.linker.core.symbols;

import java.util.Arrays;

/**
 * The relocations of one input file as parallel arrays. An atom owns the range
 * {@code [relStart, relStart + relCount)}. {@code type} is an architecture operation (see
 * {@code dev.rivet.linker.core.arch}); {@code target} is a symbol index that
 * {@link InputFile#relocationTarget} turns into a global one. Addends are read with
 * {@link #addend(int)}: they are stored in 32 bits, and the rare one that does not fit (a
 * 64-bit absolute constant) in a map, which makes a relocation 13 bytes instead of 17.
 */
public final class Relocations {
    /** Offsets from the start of the owning atom. */
    public int[] offset;
    /** Architecture operations (each architecture has fewer than 128). */
    public byte[] type;
    /** Target symbols, local to the file or global (see {@link InputFile}). */
    public int[] target;
    private final NarrowLongs addend;
    /** How many entries are used. */
    public int count;

    /** @param capacity the initial capacity */
    public Relocations(int capacity) {
        capacity = Math.max(capacity, 4);
        offset = new int[capacity];
        type = new byte[capacity];
        target = new int[capacity];
        addend = new NarrowLongs(capacity);
    }

    /**
     * Makes room for n relocations in all, for a reader that knows how many it will add.
     *
     * @param n the number of relocations
     */
    public void ensureCapacity(int n) {
        if (n > offset.length) {
            offset = Arrays.copyOf(offset, n);
            type = Arrays.copyOf(type, n);
            target = Arrays.copyOf(target, n);
            addend.grow(n);
        }
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
            addend.grow(n);
        }
        offset[count] = off;
        type[count] = (byte) op;
        target[count] = sym;
        setAddend(count, add);
        return count++;
    }

    /** {@return relocation i's addend} @param i a relocation */
    public long addend(int i) {
        return addend.get(i);
    }

    /**
     * Sets relocation i's addend.
     *
     * @param i a relocation
     * @param add the addend
     */
    public void setAddend(int i, long add) {
        addend.set(i, add);
    }

    /**
     * Copies relocation {@code from} over relocation {@code to}, all its fields.
     *
     * @param from the relocation copied
     * @param to the one overwritten
     */
    public void copy(int from, int to) {
        offset[to] = offset[from];
        type[to] = type[from];
        target[to] = target[from];
        setAddend(to, addend(from));
    }

    /**
     * {@return a copy of relocations [from, from + n), indexed from 0, to put back with {@link #restore}}
     *
     * @param from the first
     * @param n how many
     */
    public Relocations save(int from, int n) {
        Relocations r = new Relocations(n);
        for (int i = 0; i < n; i++) {
            r.add(offset[from + i], type[from + i], target[from + i], addend(from + i));
        }
        return r;
    }

    /**
     * Puts back relocations saved with {@link #save}.
     *
     * @param from where they go
     * @param saved what {@link #save} returned
     */
    public void restore(int from, Relocations saved) {
        for (int i = 0; i < saved.count; i++) {
            saved.copyTo(i, this, from + i);
        }
    }

    private void copyTo(int i, Relocations other, int j) {
        other.offset[j] = offset[i];
        other.type[j] = type[i];
        other.target[j] = target[i];
        other.setAddend(j, addend(i));
    }
}
