package dev.rivet.linker.core.symbols;

import it.unimi.dsi.fastutil.ints.Int2LongOpenHashMap;
import java.util.Arrays;

/**
 * An array of {@code long}s that nearly all fit in 32 bits (symbol values and sizes, relocation
 * addends): stored as {@code int}s, with the rare one that does not fit marked {@link #WIDE} and
 * kept in a map. Half the heap of a {@code long[]}.
 */
final class NarrowLongs {
    private static final int WIDE = Integer.MIN_VALUE;
    private int[] values;
    /** The values that do not fit in an int, by index; null until one does not. */
    private Int2LongOpenHashMap wide;

    NarrowLongs(int capacity) {
        values = new int[capacity];
    }

    long get(int i) {
        int v = values[i];
        return v != WIDE ? v : wide.get(i);
    }

    void set(int i, long v) {
        if (v > WIDE && v <= Integer.MAX_VALUE) {
            values[i] = (int) v;
            if (wide != null) {
                wide.remove(i);
            }
        } else {
            if (wide == null) {
                wide = new Int2LongOpenHashMap();
            }
            wide.put(i, v);
            values[i] = WIDE;
        }
    }

    /** Makes room for n values (never fewer than it has). */
    void grow(int n) {
        if (n > values.length) {
            values = Arrays.copyOf(values, n);
        }
    }
}
