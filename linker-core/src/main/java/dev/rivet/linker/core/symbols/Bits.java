package dev.rivet.linker.core.symbols;

import java.util.Arrays;

/** A growable bitmap indexed by symbol or atom; cheaper than a {@code boolean[]} by 8x. */
public final class Bits {
    private static final java.lang.invoke.VarHandle WORDS = java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);
    private long[] words;

    /** @param capacity the number of bits to start with */
    public Bits(int capacity) {
        words = new long[Math.max(1, (capacity + 63) >>> 6)];
    }

    /** {@return whether bit i is set} @param i the index */
    public boolean get(int i) {
        int w = i >>> 6;
        return w < words.length && (words[w] & (1L << i)) != 0;
    }

    /** Sets bit i. @param i the index */
    public void set(int i) {
        int w = i >>> 6;
        if (w >= words.length) {
            words = Arrays.copyOf(words, Math.max(w + 1, words.length * 2));
        }
        words[w] |= 1L << i;
    }

    /**
     * Makes room for bits [0, n) so that {@link #setIfClear} never grows the words.
     *
     * @param n the number of bits
     */
    public void ensureCapacity(int n) {
        int w = (n + 63) >>> 6;
        if (w > words.length) {
            words = Arrays.copyOf(words, w);
        }
    }

    /**
     * Sets bit i atomically, for threads marking one set together.
     *
     * @param i a bit below the capacity made with {@link #ensureCapacity}
     * @return true if this call set it, false if it was set already
     */
    public boolean setIfClear(int i) {
        long bit = 1L << i;
        int w = i >>> 6;
        if ((words[w] & bit) != 0) {
            return false; // the common case when many edges reach one atom: no atomic operation
        }
        return ((long) WORDS.getAndBitwiseOr(words, w, bit) & bit) == 0;
    }

    /** Sets or clears bit i. @param i the index @param on the new value */
    public void set(int i, boolean on) {
        if (on) {
            set(i);
        } else {
            clear(i);
        }
    }

    /** Clears bit i. @param i the index */
    public void clear(int i) {
        int w = i >>> 6;
        if (w < words.length) {
            words[w] &= ~(1L << i);
        }
    }

    /**
     * {@return the index of the first set bit at or after i, or -1}
     *
     * @param i where to start
     */
    public int nextSetBit(int i) {
        int w = i >>> 6;
        if (w >= words.length) {
            return -1;
        }
        long word = words[w] & (-1L << i);
        while (true) {
            if (word != 0) {
                return (w << 6) + Long.numberOfTrailingZeros(word);
            }
            if (++w == words.length) {
                return -1;
            }
            word = words[w];
        }
    }

    /** Clears every bit. */
    public void clearAll() {
        Arrays.fill(words, 0);
    }

    /** {@return the number of set bits} */
    public int cardinality() {
        int n = 0;
        for (long w : words) {
            n += Long.bitCount(w);
        }
        return n;
    }
}
