package dev.rivet.linker.core.output;

import java.lang.ref.SoftReference;
import java.util.Arrays;

/**
 * The large per-link arrays (one entry per atom or symbol) that a linker keeps from one link to
 * the next, so that linking again does not allocate them anew: a warm JVM's heap then stays near
 * the live set instead of taking their size again with every link. They are held softly, so an
 * idle linker gives them up when the heap runs short, and dropped by {@code close()}. Arrays
 * handed out here are valid for the link that asked for them; none is published to the caller
 * (the reported addresses are a fresh array each link, since a {@code LinkResult} keeps them).
 * Not thread-safe: links of one linker run one after another.
 */
public final class LinkArrays {
    private static final int ATOM_ADDRESS = 0;
    private static final int SYMBOL_ATOM = 1;
    private static final int ATOM_OUTPUT = 2;
    /** Two buffers of atoms for the levels of dead-stripping's marking. */
    static final int MARK_LEVEL = 3;
    static final int MARK_NEXT = 4;
    /** Symbols chosen for a symbol table, and the like. */
    static final int SYMBOL_LIST = 5;

    @SuppressWarnings("unchecked")
    private final SoftReference<Object>[] kept = new SoftReference[6];

    /** {@return a zeroed array of at least n atom addresses} @param n the number needed */
    long[] atomAddress(int n) {
        long[] a = longs(ATOM_ADDRESS, n);
        Arrays.fill(a, 0, n, 0L);
        return a;
    }

    /**
     * {@return the atom address array grown to at least n, its entries kept}: for atoms made
     * during layout (thunk islands)
     *
     * @param current the array in use
     * @param n the number needed
     */
    long[] growAtomAddress(long[] current, int n) {
        if (current.length >= n) {
            return current;
        }
        long[] a = Arrays.copyOf(current, withHeadroom(n));
        kept[ATOM_ADDRESS] = new SoftReference<>(a);
        return a;
    }

    /** {@return an array of at least n symbols' atoms, every entry to be written by the caller} @param n the number needed */
    int[] symbolAtom(int n) {
        return ints(SYMBOL_ATOM, n);
    }

    /** {@return an array of at least n atoms' output sections, every entry to be written by the caller} @param n the number needed */
    int[] atomOutput(int n) {
        return ints(ATOM_OUTPUT, n);
    }

    /**
     * {@return an int array of at least n entries, contents undefined, kept for the next link}
     *
     * @param which which of the arrays ({@link #MARK_LEVEL}, ...)
     * @param n the number needed
     */
    int[] ints(int which, int n) {
        Object o = kept[which] == null ? null : kept[which].get();
        if (o instanceof int[] a && a.length >= n) {
            return a;
        }
        int[] a = new int[withHeadroom(n)];
        kept[which] = new SoftReference<>(a);
        return a;
    }

    private long[] longs(int which, int n) {
        Object o = kept[which] == null ? null : kept[which].get();
        if (o instanceof long[] a && a.length >= n) {
            return a;
        }
        long[] a = new long[withHeadroom(n)];
        kept[which] = new SoftReference<>(a);
        return a;
    }

    /** Lets the arrays go, when the linker is closed. */
    public void release() {
        Arrays.fill(kept, null);
    }

    // A later link of the same linker usually has a few more atoms (linker-made ones) than the
    // first: a little headroom saves making the array again for those.
    private static int withHeadroom(int n) {
        return (int) Math.min(Integer.MAX_VALUE - 16, n + (n >> 6) + 64);
    }
}
