package dev.rivet.linker.core.symbols;

import dev.rivet.linker.core.input.InputBytes;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One mergeable input section (ELF {@code SHF_MERGE}, Mach-O {@code __cstring} and literals) cut
 * into pieces, NUL-terminated strings or fixed-size entries, and interned in a {@link MergeTable}:
 * where each piece starts in the section and where it went in the table.
 */
public final class MergedPieces {
    /** Where each piece starts; pieces are contiguous, so each ends where the next starts. */
    private final long[] start;
    private final long size;
    private final int[] hash;
    private final long[] out;

    private MergedPieces(long[] start, long size, int[] hash) {
        this.start = start;
        this.size = size;
        this.hash = hash;
        this.out = new long[start.length];
    }

    /**
     * Cuts a section into pieces.
     *
     * @param buf the input's bytes
     * @param base where the section starts in them
     * @param size its size
     * @param entrySize the size of a fixed-size piece (ignored for strings)
     * @param strings whether the pieces are NUL-terminated strings of bytes
     * @return the pieces, or null if the last string is not terminated or the size is not a
     *     multiple of the entry size (the section is then kept whole)
     */
    public static MergedPieces split(ByteBuffer buf, long base, long size, long entrySize, boolean strings) {
        // Counted first and then filled, into arrays of the exact size (strings are scanned
        // twice, eight bytes at a time): with -fdata-sections most such sections hold one string,
        // and growable lists cost more than the piece itself (120,000 sections in the large
        // synthetic link).
        int n;
        if (strings) {
            n = 0;
            for (long p = base, end = base + size; p < end; p++, n++) {
                p = InputBytes.indexOfNul(buf, p, end);
                if (p < 0) {
                    return null;
                }
            }
        } else {
            if (entrySize <= 0 || size % entrySize != 0 || size / entrySize > Integer.MAX_VALUE) {
                return null;
            }
            n = (int) (size / entrySize);
        }
        long[] st = new long[n];
        // Hashed here, where sections are split in parallel, not where they are interned in order.
        int[] h = new int[n];
        long p = 0;
        for (int k = 0; k < n; k++) {
            long len = strings ? InputBytes.indexOfNul(buf, base + p, base + size) + 1 - base - p : entrySize;
            st[k] = p;
            h[k] = ByteHash.of(buf, (int) (base + p), (int) len);
            p += len;
        }
        return new MergedPieces(st, size, h);
    }

    /**
     * Adds every piece to a table.
     *
     * @param table the output section's table
     * @param buf the input's bytes, as given to {@link #split}
     * @param base where the section starts in them
     * @return this
     */
    public MergedPieces internInto(MergeTable table, ByteBuffer buf, long base) {
        int source = table.addSource(buf);
        for (int k = 0; k < start.length; k++) {
            long end = k + 1 < start.length ? start[k + 1] : size;
            out[k] = table.intern(source, (int) (base + start[k]), (int) (end - start[k]), hash[k]);
        }
        return this;
    }

    /** {@return where each piece starts in the section} */
    public long[] starts() {
        return start;
    }

    /** {@return where each piece went in the table} */
    public long[] outs() {
        return out;
    }

    /** {@return where an offset in the section went in the table: the piece holding it moved there} @param offset an offset in the section */
    public long offsetOf(long offset) {
        return offsetIn(start, out, offset);
    }

    /**
     * {@return where an offset in a merged section went in its table}
     *
     * @param starts where the pieces start in the section
     * @param outs where they went in the table
     * @param offset an offset in the section (before the first piece counts as in it)
     */
    public static long offsetIn(long[] starts, long[] outs, long offset) {
        int k = Arrays.binarySearch(starts, offset);
        k = k >= 0 ? k : Math.max(0, -k - 2);
        return outs[k] + (offset - starts[k]);
    }
}
