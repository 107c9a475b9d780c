package dev.rivet.linker.core.symbols;

import it.unimi.dsi.fastutil.ints.Int2LongOpenHashMap;
import java.util.Arrays;

/**
 * An input file that keeps each symbol's value and size in arrays of its own (an object file, a
 * shared library), as opposed to the payload file, which derives them from its atoms.
 *
 * <p>Values and sizes are section offsets and object sizes, which fit in 32 bits all but always,
 * so they are stored as {@code int}s; the rare one that does not (a 64-bit absolute value) is
 * marked {@link #WIDE} and kept in a map. This halves the heap these arrays take per symbol.
 */
public abstract class StoredValuesInputFile extends InputFile {
    /** Marks a value or size kept in {@link #wide} instead. */
    private static final int WIDE = Integer.MIN_VALUE;
    private int[] symValue;
    private int[] symSize;
    /** Values (key 2l) and sizes (key 2l+1) that do not fit in an int; null until one does not. */
    private Int2LongOpenHashMap wide;

    /**
     * @param name the file's name for messages
     * @param symbolCapacity the initial number of symbol slots
     * @param relocationCapacity the initial number of relocation slots
     */
    protected StoredValuesInputFile(String name, int symbolCapacity, int relocationCapacity) {
        super(name, symbolCapacity, relocationCapacity);
        symValue = new int[symKind.length]; // as many slots as the symbol arrays have
        symSize = new int[symKind.length];
    }

    @Override
    protected void growValuesAndSizes(int n) {
        symValue = Arrays.copyOf(symValue, n);
        symSize = Arrays.copyOf(symSize, n);
    }

    @Override
    public void setValueAndSize(int l, long value, long size) {
        symValue[l] = narrow(2 * l, value);
        symSize[l] = narrow(2 * l + 1, size);
    }

    private int narrow(int key, long v) {
        if (v > WIDE && v <= Integer.MAX_VALUE) {
            if (wide != null) {
                wide.remove(key);
            }
            return (int) v;
        }
        if (wide == null) {
            wide = new Int2LongOpenHashMap();
        }
        wide.put(key, v);
        return WIDE;
    }

    @Override
    public long value(int l) {
        int v = symValue[l];
        return v != WIDE ? v : wide.get(2 * l);
    }

    @Override
    public long size(int l) {
        int s = symSize[l];
        return s != WIDE ? s : wide.get(2 * l + 1);
    }
}
